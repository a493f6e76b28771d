import Foundation
import Tensor

/// A CLIP model with its input pipelines: image files and texts in, one embedding (or error) per input out.
///
/// As with `SiglipPipeline`, an input that fails yields its error in its place while the rest of its batch runs.
public final class CLIPPipeline: Sendable {
    /// The model.
    public let model: CLIPModel
    private let imageProcessorResult: Result<CLIPImageProcessor, SiglipError>
    private let tokenizerResult: Result<CLIPTokenizer, SiglipError>

    /// Loads the model, its `preprocessor_config.json` and its tokenizer files; a missing or invalid preprocessor
    /// or tokenizer only fails the inputs that need it.
    public init(directory: URL, precision: Precision = .fp32) throws {
        model = try CLIPModel(directory: directory, precision: precision)
        imageProcessorResult = Result { try CLIPImageProcessor(directory: directory) }.mapError { SiglipError("\($0)") }
        let length = model.config.text.maxPositionEmbeddings
        tokenizerResult = Result { try CLIPTokenizer(directory: directory, maxLength: length) }.mapError { SiglipError("\($0)") }
    }

    /// The image processor from `preprocessor_config.json`.
    public func imageProcessor() throws -> CLIPImageProcessor { try imageProcessorResult.get() }

    /// The tokenizer from `vocab.json` and `merges.txt`, padding to the text tower's length.
    public func tokenizer() throws -> CLIPTokenizer { try tokenizerResult.get() }

    /// Pixel tensors `[3, H, W]` for image files, decoded and processed in parallel; `side` overrides the size.
    public func pixelValues(for urls: [URL], side: Int? = nil) -> [Result<Tensor, Error>] {
        let processor: CLIPImageProcessor
        do {
            processor = try imageProcessor()
            if let side {
                let patch = model.config.vision.patchSize
                guard (patch...SiglipPipeline.maximumImageSide).contains(side) else {
                    throw SiglipError("image side \(side) must be between the patch size \(patch) and \(SiglipPipeline.maximumImageSide)")
                }
            }
        } catch {
            return urls.map { _ in .failure(error) }
        }
        return Compute.map(urls.count) { i in
            Result {
                let (values, height, width) = try processor.pixelValues(contentsOf: urls[i], side: side)
                return Tensor(shape: [3, height, width], values: values)
            }
        }
    }
}

extension CLIPPipeline: ImageTextModel {
    /// The checkpoint directory.
    public var directory: URL { model.directory }
    /// `projection_dim`.
    public var embeddingSize: Int { model.config.projectionDim }
    /// CLIP.
    public var family: ModelFamily { .clip }
    /// The preprocessor's `crop_size` (nil without a centre crop, when the size depends on the image).
    public var imageSize: (height: Int, width: Int)? {
        guard let config = try? imageProcessor().config, config.doCenterCrop else { return nil }
        return config.cropSize
    }
    /// The text tower's `max_position_embeddings`.
    public var maxTextTokens: Int { model.config.text.maxPositionEmbeddings }
    /// CLIP was trained with a softmax over the texts of a batch.
    public var zeroShotActivation: ZeroShotActivation { .softmax }
    /// `logit_scale`.
    public var logitScale: Float { model.logitScale }
    /// CLIP has no logit bias.
    public var logitBias: Float { 0 }

    /// Text embeddings for strings, `batchSize` at a time, tokenised as `CLIPTokenizer` tokenises them.
    public func textEmbeddings(for texts: [String], batchSize: Int = 64, normalized: Bool = true) -> [Result<[Float], Error>] {
        let tokenizer: CLIPTokenizer
        do { tokenizer = try self.tokenizer() } catch { return texts.map { _ in .failure(error) } }
        return batchedTextEmbeddings(texts, batchSize: batchSize, encode: { tokenizer.encode($0).map(Int.init) }) {
            try model.textEmbeddings(inputIDs: $0, normalized: normalized)
        }
    }

    /// Image embeddings for image files, `batchSize` at a time; `side` resizes and crops to another square size.
    public func imageEmbeddings(for urls: [URL], batchSize: Int = 16, side: Int? = nil, normalized: Bool = true) -> [Result<[Float], Error>] {
        var results: [Result<[Float], Error>] = []
        for start in stride(from: 0, to: urls.count, by: max(batchSize, 1)) {
            let inputs = pixelValues(for: Array(urls[start..<min(start + max(batchSize, 1), urls.count)]), side: side)
            results += embedBatch(inputs) { try self.model.imageEmbeddings(pixelValues: $0, normalized: normalized) }
        }
        return results
    }
}
