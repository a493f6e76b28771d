import Foundation
import Tensor

/// One label's zero-shot score for an image.
public struct ZeroShotScore: Sendable, Equatable {
    /// The label as given.
    public let label: String
    /// `exp(logit_scale) · cos(image, text) + logit_bias`.
    public let logit: Float
    /// `sigmoid(logit)`: the probability that the image matches the label, independent of the other labels.
    public let probability: Float
}

/// A model with its input pipelines: image files and texts in, one embedding (or error) per input out.
///
/// Inputs are processed in batches; an input that fails (an unreadable image, say) yields its error in its
/// place while the rest of the batch still runs.
public final class SiglipPipeline: Sendable {
    /// The model.
    public let model: SiglipModel
    private let imageProcessorResult: Result<SiglipImageProcessor, SiglipError>
    private let tokenizerResult: Result<SiglipTokenizer, SiglipError>

    /// Loads the model, its `preprocessor_config.json` and its tokenizer files from a checkpoint directory.
    /// A missing or invalid preprocessor or tokenizer only fails the inputs that need it, not the model.
    /// `precision` is the model's (see `SiglipModel.init(directory:precision:)`).
    public init(directory: URL, precision: Precision = .fp32) throws {
        model = try SiglipModel(directory: directory, precision: precision)
        imageProcessorResult = Result { try SiglipImageProcessor(directory: directory) }.mapError { SiglipError("\($0)") }
        let length = model.config.text.maxPositionEmbeddings
        tokenizerResult = Result { try SiglipTokenizer(directory: directory, maxLength: length) }.mapError { SiglipError("\($0)") }
    }

    /// The image processor from `preprocessor_config.json`.
    public func imageProcessor() throws -> SiglipImageProcessor { try imageProcessorResult.get() }

    /// The tokenizer from the checkpoint's tokenizer files, padding to the text tower's length.
    public func tokenizer() throws -> SiglipTokenizer { try tokenizerResult.get() }

    /// Text embeddings for strings, `batchSize` at a time, tokenised as the reference tokenises them.
    public func textEmbeddings(for texts: [String], batchSize: Int = 64, normalized: Bool = true) -> [Result<[Float], Error>] {
        let tokenizer: SiglipTokenizer
        do { tokenizer = try self.tokenizer() } catch { return texts.map { _ in .failure(error) } }
        return batchedTextEmbeddings(texts, batchSize: batchSize, encode: { tokenizer.encode($0).map(Int.init) }) {
            try model.textEmbeddings(inputIDs: $0, normalized: normalized)
        }
    }

    /// Zero-shot scores of image files against labels put into `template` (`{}` stands for the label): per
    /// image, one `(label, logit, probability)` per label, highest probability first. Probabilities are
    /// independent sigmoids of `exp(t)·cos + b`, not a softmax, so they need not sum to 1.
    public func classify(images urls: [URL], labels: [String], template: String = "This is a photo of {}.",
                         batchSize: Int = 16, side: Int? = nil) throws -> [Result<[ZeroShotScore], Error>] {
        let prompts = labels.map { template.replacingOccurrences(of: "{}", with: $0) }
        let texts = try textEmbeddings(for: prompts).map { try $0.get() }
        let textMatrix = Tensor(shape: [texts.count, model.config.vision.hiddenSize], values: texts.flatMap { $0 })
        return imageEmbeddings(for: urls, batchSize: batchSize, side: side).map { result in
            result.map { image in
                let logits = model.logits(imageEmbeddings: Tensor(shape: [1, image.count], values: image), textEmbeddings: textMatrix)
                return zip(labels, logits.scalars)
                    .map { ZeroShotScore(label: $0, logit: $1, probability: sigmoid($1)) }
                    .sorted { $0.probability > $1.probability }
            }
        }
    }

    /// The largest square side images may be resized to: at patch 14 that is ~5,300 tokens, a few GB of attention.
    public static let maximumImageSide = 1024

    /// The square side images are resized to for `size`, or the processor's configured size.
    private func targetSize(_ side: Int?) throws -> (height: Int, width: Int) {
        if let side {
            let patch = model.config.vision.patchSize
            guard (patch...Self.maximumImageSide).contains(side) else {
                throw SiglipError("image side \(side) must be between the patch size \(patch) and \(Self.maximumImageSide)")
            }
            return (side, side)
        }
        return try imageProcessor().outputSize
    }

    /// Pixel tensors `[3, H, W]` for image files, decoded and resized in parallel; `side` overrides the size.
    public func pixelValues(for urls: [URL], side: Int? = nil) -> [Result<Tensor, Error>] {
        let processor: SiglipImageProcessor, size: (height: Int, width: Int)
        do { (processor, size) = (try imageProcessor(), try targetSize(side)) } catch {
            return urls.map { _ in .failure(error) }
        }
        return Compute.map(urls.count) { i in
            Result {
                let image = try processor.decoder.decode(contentsOf: urls[i])
                defer { image.recycle() }
                // Without do_resize the image keeps its own size.
                let (height, width) = processor.config.doResize ? size : (image.height, image.width)
                return Tensor(shape: [3, height, width], values: try processor.pixelValues(image: image, size: size))
            }
        }
    }

    /// Image embeddings for image files, `batchSize` at a time; `side` runs the model at another resolution.
    public func imageEmbeddings(for urls: [URL], batchSize: Int = 16, side: Int? = nil, normalized: Bool = true) -> [Result<[Float], Error>] {
        var results: [Result<[Float], Error>] = []
        imageEmbeddings(for: urls, batchSize: batchSize, side: side, normalized: normalized) { _, batch in results += batch }
        return results
    }

    /// Image embeddings streamed batch by batch: `body` receives each batch's first index and its results, in
    /// order, while the next batch is already being decoded, so memory stays constant however many files there are.
    public func imageEmbeddings(
        for urls: [URL], batchSize: Int = 16, side: Int? = nil, normalized: Bool = true,
        each body: (_ start: Int, _ results: [Result<[Float], Error>]) throws -> Void
    ) rethrows {
        let starts = Array(stride(from: 0, to: urls.count, by: max(batchSize, 1)))
        let decode = { @Sendable (start: Int) in self.pixelValues(for: Array(urls[start..<min(start + batchSize, urls.count)]), side: side) }
        var pending = starts.first.map { first in Background { decode(first) } }
        for (index, start) in starts.enumerated() {
            guard let pixels = pending?.wait() else { break }
            let next = index + 1 < starts.count ? starts[index + 1] : nil
            pending = next.map { start in Background { decode(start) } }
            try body(start, embedBatch(pixels) { batch in try self.model.imageEmbeddings(pixelValues: batch, normalized: normalized) })
        }
    }
}

