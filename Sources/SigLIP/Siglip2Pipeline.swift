import Foundation
import Tensor

/// A SigLIP 2 NaFlex model with its input pipelines: image files and texts in, one embedding (or error) per input
/// out. Each image keeps about its aspect ratio, so one batch mixes grids of different shapes, padded to one length.
public final class Siglip2Pipeline: Sendable {
    /// The model.
    public let model: Siglip2Model
    /// The sequence length images are fitted into (`max_num_patches`): the preprocessor's unless overridden.
    public let maxNumPatches: Int
    private let imageProcessorResult: Result<Siglip2ImageProcessor, SiglipError>
    private let tokenizerResult: Result<SiglipTokenizer, SiglipError>

    /// The largest `maxNumPatches` accepted: 4,096 patches (1024×1024 pixels at patch 16) is already a few GB
    /// of attention per batch.
    public static let maximumPatches = 4096

    /// Loads the model, its `preprocessor_config.json` and its tokenizer files from a checkpoint directory.
    /// `maxNumPatches` overrides the preprocessor's `max_num_patches`. A missing or invalid preprocessor or
    /// tokenizer only fails the inputs that need it, not the model.
    public init(directory: URL, precision: Precision = .fp32, maxNumPatches: Int? = nil) throws {
        if let maxNumPatches, !(1...Self.maximumPatches).contains(maxNumPatches) {
            throw SiglipError("max_num_patches \(maxNumPatches) must be between 1 and \(Self.maximumPatches)")
        }
        model = try Siglip2Model(directory: directory, precision: precision)
        let processor = Result { try Siglip2ImageProcessor(directory: directory) }.mapError { SiglipError("\($0)") }
        imageProcessorResult = processor
        self.maxNumPatches = maxNumPatches ?? (try? processor.get().maxNumPatches) ?? 256
        let length = model.config.text.maxPositionEmbeddings
        tokenizerResult = Result { try SiglipTokenizer(directory: directory, maxLength: length) }.mapError { SiglipError("\($0)") }
    }

    /// The image processor from `preprocessor_config.json`.
    public func imageProcessor() throws -> Siglip2ImageProcessor { try imageProcessorResult.get() }

    /// The tokenizer from the checkpoint's tokenizer files (Gemma, lowercasing), padding to the text tower's length.
    public func tokenizer() throws -> SiglipTokenizer { try tokenizerResult.get() }

    /// Text embeddings for strings, `batchSize` at a time, tokenised as the reference tokenises them.
    public func textEmbeddings(for texts: [String], batchSize: Int = 64, normalized: Bool = true) -> [Result<[Float], Error>] {
        let tokenizer: SiglipTokenizer
        do { tokenizer = try self.tokenizer() } catch { return texts.map { _ in .failure(error) } }
        return batchedTextEmbeddings(texts, batchSize: batchSize, encode: { tokenizer.encode($0).map(Int.init) }) {
            try model.textEmbeddings(inputIDs: $0, normalized: normalized)
        }
    }

    /// Patches for image files, decoded and resized in parallel, each fitted into `maxNumPatches`.
    public func patches(for urls: [URL]) -> [Result<Siglip2Patches, Error>] {
        let processor: Siglip2ImageProcessor
        do { processor = try imageProcessor() } catch { return urls.map { _ in .failure(error) } }
        let length = maxNumPatches
        return Compute.map(urls.count) { i in Result { try processor.patches(contentsOf: urls[i], maxNumPatches: length) } }
    }

    /// Image embeddings for image files, `batchSize` at a time. `side` must be nil: NaFlex sizes each image by
    /// `maxNumPatches` at its own aspect ratio, not to a square.
    public func imageEmbeddings(for urls: [URL], batchSize: Int = 16, side: Int? = nil, normalized: Bool = true) -> [Result<[Float], Error>] {
        if let side { return urls.map { _ in .failure(Self.squareSideError(side)) } }
        var results: [Result<[Float], Error>] = []
        for start in stride(from: 0, to: urls.count, by: max(batchSize, 1)) {
            results += embed(patches(for: Array(urls[start..<min(start + max(batchSize, 1), urls.count)])), normalized: normalized)
        }
        return results
    }

    /// Why a square `side` cannot size a NaFlex model's images.
    static func squareSideError(_ side: Int) -> SiglipError {
        SiglipError("a NaFlex model sizes images by max_num_patches at their own aspect ratio; a square side (\(side)) does not apply")
    }

    /// Runs the successful inputs of a batch as one tensor and slots the outputs back among the failures.
    func embed(_ inputs: [Result<Siglip2Patches, Error>], normalized: Bool) -> [Result<[Float], Error>] {
        let ready = inputs.compactMap { try? $0.get() }
        guard let first = ready.first else { return inputs.map { $0.map { _ in [] } } }
        let row = first.values.count / first.maxNumPatches
        let batch: Tensor
        do {
            let pixels = Tensor(shape: [ready.count, first.maxNumPatches, row], values: ready.flatMap(\.values))
            batch = try model.imageEmbeddings(pixelValues: pixels, spatialShapes: ready.map(\.spatialShape), normalized: normalized)
        } catch {
            return inputs.map { $0.flatMap { _ in .failure(error) } }
        }
        return slotted(batch, among: inputs)
    }
}

extension Siglip2Pipeline: ImageTextModel {
    /// The checkpoint directory.
    public var directory: URL { model.directory }
    /// The shared embedding width of both towers.
    public var embeddingSize: Int { model.config.vision.hiddenSize }
    /// SigLIP 2 NaFlex.
    public var family: ModelFamily { .siglip2NaFlex }
    /// Nil: each image keeps about its own aspect ratio, fitted into `maxNumPatches` patches.
    public var imageSize: (height: Int, width: Int)? { nil }
    /// The text tower's `max_position_embeddings`.
    public var maxTextTokens: Int { model.config.text.maxPositionEmbeddings }
    /// SigLIP 2 scores labels independently.
    public var zeroShotActivation: ZeroShotActivation { .sigmoid }
    /// `logit_scale`.
    public var logitScale: Float { model.logitScale }
    /// `logit_bias`.
    public var logitBias: Float { model.logitBias }
}
