import ArgumentParser
import Foundation
import SigLIP

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Zero-shot classification: a probability per image and label.",
        discussion: """
        Prints {"input": PATH, "scores": [{"label": L, "logit": x, "probability": p}, ...]} per image, highest \
        probability first. SigLIP judges each label on its own, p = sigmoid(x), so probabilities need not sum to 1; \
        CLIP checkpoints (model_type "clip") take a softmax over the labels, so they sum to 1.
        """
    )

    @OptionGroup var options: ModelOptions
    @OptionGroup var naflex: NaFlexOptions

    @Option(name: .long, parsing: .singleValue, help: "A candidate label (repeatable).")
    var label: [String] = []

    @Option(name: .long, help: "The text each label is put into; {} stands for the label.")
    var template = "This is a photo of {}."

    @Argument(help: "Image files.")
    var images: [String] = []

    func validate() throws {
        guard !label.isEmpty else { throw ValidationError("give at least one --label") }
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard template.contains("{}") else { throw ValidationError("--template must contain {} where the label goes") }
        try require(batchSize, in: Limits.batchSize, "--batch-size")
        try require(imageSize, in: Limits.imageSide, "--image-size")
    }

    @Option(name: .customLong("batch-size"), help: "Images per model call.")
    var batchSize = 16

    @Option(name: .customLong("image-size"), help: "Run images at S×S pixels instead of the checkpoint's size.")
    var imageSize: Int?

    func run() throws {
        let model = try options.loadAny(naflex)
        if model is Siglip2Pipeline, imageSize != nil {
            throw ValidationError("a NaFlex checkpoint sizes each image by --max-num-patches at its own aspect ratio; --image-size is for fixed-resolution checkpoints")
        }
        let results = try model.zeroShot(images: images.map { URL(fileURLWithPath: $0) }, labels: label, template: template,
                                         batchSize: batchSize, side: imageSize)
        var failures = 0
        for (path, result) in zip(images, results) {
            switch result {
            case .success(let scores):
                let list = scores.map {
                    JSONLines.object(["label": JSONLines.string($0.label), "logit": JSONLines.number($0.logit),
                                      "probability": JSONLines.number($0.probability)])
                }
                JSONLines.emit(JSONLines.object(["input": JSONLines.string(path), "scores": "[" + list.joined(separator: ", ") + "]"]))
            case .failure(let error):
                failures += 1
                JSONLines.emitError(input: path, error)
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
