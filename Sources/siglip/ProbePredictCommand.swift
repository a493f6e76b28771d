import ArgumentParser
import Foundation
import SigLIP
import SigLIPProbe

struct ProbePredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images with a trained probe.",
        discussion: """
        Prints {"input": PATH, "label": BEST, "scores": [{"label", "logit", "probability"}, ...]} per image, the \
        --top most probable labels first; the probabilities over all labels are a softmax and sum to 1. A failed \
        image prints {"input", "error"} in its place, the rest still run, and the exit status is 1.
        """
    )

    @OptionGroup var options: ProbeModelOptions

    @Option(name: .long, help: "How many labels to list per image.")
    var top = 5

    @Argument(help: "Image files.")
    var images: [String] = []

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        try require(top, in: 1...1_000_000, "--top")
    }

    func run() throws {
        let (probe, model) = try options.load()
        let results = ProbeTrainer.embed(images.map { URL(fileURLWithPath: $0) }, model: model, batchSize: options.batchSize)
        var failures = 0
        for (path, result) in zip(images, results) {
            do {
                let scores = try probe.scores(try result.get(), top: top)
                let list = scores.map {
                    JSONLines.object(["label": JSONLines.string($0.label), "logit": JSONLines.number($0.logit),
                                      "probability": JSONLines.number($0.probability)])
                }
                JSONLines.emit(JSONLines.object(["input": JSONLines.string(path), "label": JSONLines.string(scores.first?.label ?? ""),
                                                 "scores": "[" + list.joined(separator: ", ") + "]"]))
            } catch {
                failures += 1
                JSONLines.emitError(input: path, error)
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
