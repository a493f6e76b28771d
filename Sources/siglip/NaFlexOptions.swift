import ArgumentParser
import Foundation
import SigLIP
import Tensor

/// `--max-num-patches`, for the commands that run SigLIP 2 NaFlex checkpoints (`embed`, `classify`, `preprocess`,
/// `eval-zero-shot`, `index add`, `search`, `serve`).
struct NaFlexOptions: ParsableArguments {
    @Option(name: .customLong("max-num-patches"), help: "For SigLIP 2 NaFlex checkpoints (model_type siglip2): fit each image, at its own aspect ratio, into at most N patches (default: the checkpoint's max_num_patches).")
    var maxNumPatches: Int?

    func validate() throws {
        try require(maxNumPatches, in: 1...Siglip2Pipeline.maximumPatches, "--max-num-patches")
    }
}

extension ModelOptions {
    /// Loads whichever family the checkpoint names, passing `--max-num-patches` to a NaFlex checkpoint and
    /// refusing it for any other.
    func loadAny(_ naflex: NaFlexOptions) throws -> any ImageTextModel {
        if let threads { Compute.threads = threads }
        return try naflex.load(modelDirectory(model), named: model, precision: precision)
    }
}

extension NaFlexOptions {
    /// `--max-num-patches` for the checkpoint at `directory` (named `model` on the command line), refused
    /// unless the checkpoint is SigLIP 2 NaFlex.
    func patches(for directory: URL, model: String) throws -> Int? {
        if maxNumPatches != nil, try modelType(ofCheckpoint: directory) != "siglip2" {
            throw ValidationError("--max-num-patches is for SigLIP 2 NaFlex checkpoints (model_type siglip2); \(model) is fixed-resolution: use --image-size")
        }
        return maxNumPatches
    }

    /// Loads the checkpoint at `directory` (named `model` on the command line) with `--max-num-patches`.
    func load(_ directory: URL, named model: String, precision: Precision = .fp32) throws -> any ImageTextModel {
        try loadImageTextModel(directory: directory, precision: precision, maxNumPatches: patches(for: directory, model: model))
    }
}

extension EmbedCommand {
    /// Embeds `--image` files (each at its own aspect ratio) and `--text` strings with a NaFlex model.
    func run(naflex pipeline: Siglip2Pipeline) throws {
        guard pixelValues == nil, inputIDs == nil, imageSize == nil, scales == nil else {
            throw ValidationError("a NaFlex checkpoint embeds --image files and --text strings, sized by --max-num-patches; --pixel-values, --input-ids, --image-size and --scales are for fixed-resolution checkpoints")
        }
        var failures = 0
        let images = pipeline.imageEmbeddings(for: image.map { URL(fileURLWithPath: $0) }, batchSize: batchSize, normalized: !raw)
        let texts = pipeline.textEmbeddings(for: text, batchSize: batchSize, normalized: !raw)
        for (input, result) in Array(zip(image, images)) + Array(zip(text, texts)) {
            switch result {
            case .success(let v): JSONLines.emit(JSONLines.object(["input": JSONLines.string(input), "embedding": JSONLines.numbers(v)]))
            case .failure(let e): failures += 1; JSONLines.emitError(input: input, e)
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
