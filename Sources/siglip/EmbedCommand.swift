import ArgumentParser
import Foundation
import NPY
import SigLIP
import SigLIPEvaluation
import Tensor

struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed images, texts, pixel tensors and token ids.",
        discussion: """
        Prints {"input": ..., "embedding": [...]} per input: images, then pixel-value rows (npy:ROW), then texts, \
        then input-id rows (npy:ROW). Embeddings are L2-normalised unless --raw is given.
        """
    )

    @OptionGroup var options: ModelOptions
    @OptionGroup var naflex: NaFlexOptions

    @Option(name: .long, parsing: .singleValue, help: "An image file (repeatable).")
    var image: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "A text (repeatable).")
    var text: [String] = []

    @Option(name: .customLong("pixel-values"), help: "A float32 .npy array [N, 3, H, W] of preprocessed pixels.")
    var pixelValues: String?

    @Option(name: .customLong("input-ids"), help: "An int32 or int64 .npy array [N, L] of token ids.")
    var inputIDs: String?

    @Flag(name: .long, help: "Print the towers' pooled outputs instead of L2-normalised embeddings.")
    var raw = false

    @Option(name: .customLong("batch-size"), help: "Inputs per model call.")
    var batchSize = 16

    @Option(name: .customLong("image-size"), help: "Run images at S×S pixels instead of the checkpoint's size (position embeddings are interpolated).")
    var imageSize: Int?

    @Option(name: .long, help: "Embed each image at every side listed (e.g. 224,384) and combine them; texts match the width.")
    var scales: String?

    @Option(name: .long, help: "How --scales combine: mean (renormalised) or concat (scaled by 1/sqrt(n), unit norm).")
    var combine: ScaleCombination = .mean

    func validate() throws {
        if let scales {
            guard !raw, imageSize == nil, pixelValues == nil, inputIDs == nil else {
                throw ValidationError("--scales combines normalised image-file embeddings: drop --raw, --image-size, --pixel-values and --input-ids")
            }
            do { for side in try ImageScales(parsing: scales, combine: combine).sides { try require(side, in: Limits.imageSide, "--scales") } }
            catch let error as EvaluationError { throw ValidationError(error.message) }
        }
        try require(batchSize, in: Limits.batchSize, "--batch-size")
        try require(imageSize, in: Limits.imageSide, "--image-size")
        guard !image.isEmpty || !text.isEmpty || pixelValues != nil || inputIDs != nil else {
            throw ValidationError("nothing to embed: give --image, --text, --pixel-values or --input-ids")
        }
    }

    func run() throws {
        let model = try options.loadAny(naflex)
        if let naflexModel = model as? Siglip2Pipeline { return try run(naflex: naflexModel) }
        var failures = 0
        let emit = { (input: String, result: Result<[Float], Error>) in
            switch result {
            case .success(let v): JSONLines.emit(JSONLines.object(["input": JSONLines.string(input), "embedding": JSONLines.numbers(v)]))
            case .failure(let e): failures += 1; JSONLines.emitError(input: input, e)
            }
        }
        if let scales {
            let multi = try ImageScales(parsing: scales, combine: combine)
            let images = multi.imageEmbeddings(model: model, urls: image.map { URL(fileURLWithPath: $0) }, batchSize: batchSize)
            for (path, result) in zip(image, images) { emit(path, result) }
            let texts = model.textEmbeddings(for: text, batchSize: batchSize, normalized: true)
            for (t, result) in zip(text, texts) { emit(t, result.map(multi.matchingText)) }
            if failures > 0 { throw ExitCode(1) }
            return
        }
        let inputs = EmbeddingInputs(model: model, batchSize: batchSize, normalized: !raw)
        let urls = image.map { URL(fileURLWithPath: $0) }
        if let siglip = model as? SiglipPipeline {
            // Streams, decoding the next batch while this one runs.
            siglip.imageEmbeddings(for: urls, batchSize: batchSize, side: imageSize, normalized: !raw) { start, batch in
                for (offset, result) in batch.enumerated() { emit(image[start + offset], result) }
            }
        } else {
            for start in stride(from: 0, to: urls.count, by: batchSize) {
                let part = Array(urls[start..<min(start + batchSize, urls.count)])
                let batch = model.imageEmbeddings(for: part, batchSize: batchSize, side: imageSize, normalized: !raw)
                for (offset, result) in batch.enumerated() { emit(image[start + offset], result) }
            }
        }
        if let pixelValues { inputs.embedPixelRows(file: pixelValues, emit: emit) }
        for (t, result) in zip(text, model.textEmbeddings(for: text, batchSize: batchSize, normalized: !raw)) { emit(t, result) }
        if let inputIDs { inputs.embedIDRows(file: inputIDs, emit: emit) }
        if failures > 0 { throw ExitCode(1) }
    }
}
