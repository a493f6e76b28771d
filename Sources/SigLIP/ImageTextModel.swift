import Foundation
import ImageIO
import Tensor

/// How a model family turns zero-shot logits into probabilities.
public enum ZeroShotActivation: String, Sendable, Codable {
    /// SigLIP: each label independently, `sigmoid(exp(t)·cos + b)`; probabilities need not sum to 1.
    case sigmoid
    /// CLIP: a softmax over the labels of one image, `softmax(exp(t)·cos)`.
    case softmax
}

/// The image–text families `loadImageTextModel` loads.
public enum ModelFamily: String, Sendable, Codable {
    /// SigLIP and fixed-resolution SigLIP 2 (`model_type` siglip).
    case siglip
    /// SigLIP 2 NaFlex (`model_type` siglip2): images at their own aspect ratio, sized by `max_num_patches`.
    case siglip2NaFlex = "siglip2-naflex"
    /// CLIP (`model_type` clip).
    case clip
}

extension ZeroShotActivation {
    /// Probabilities of logits: one sigmoid each, or a softmax over all of them.
    public func probabilities(logits: [Float]) -> [Float] {
        switch self {
        case .sigmoid: return logits.map(logistic)
        case .softmax:
            let top = logits.max() ?? 0
            let exps = logits.map { Foundation.exp($0 - top) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }
}

/// `Tensor.sigmoid`, named apart from the enum case inside `ZeroShotActivation`.
private func logistic(_ x: Float) -> Float { sigmoid(x) }

/// An image–text embedding model with its input pipelines: files and strings in, one embedding (or error) per
/// input out. SigLIP, SigLIP 2 and CLIP conform, so evaluation, search and zero-shot work with any of them.
public protocol ImageTextModel: AnyObject, Sendable {
    /// The checkpoint directory the model was loaded from.
    var directory: URL { get }
    /// The length of one embedding.
    var embeddingSize: Int { get }
    /// Which family the checkpoint belongs to.
    var family: ModelFamily { get }
    /// The square-ish size images are brought to, or nil when each image keeps its own shape (NaFlex) or the
    /// preprocessor config is unusable.
    var imageSize: (height: Int, width: Int)? { get }
    /// The text tower's sequence length; longer texts are truncated.
    var maxTextTokens: Int { get }
    /// The family's zero-shot activation.
    var zeroShotActivation: ZeroShotActivation { get }
    /// `log t`: the logarithm of the learned temperature (`logit_scale`).
    var logitScale: Float { get }
    /// `b`, the learned logit bias (`logit_bias`); 0 for CLIP, which has none.
    var logitBias: Float { get }
    /// Text embeddings for strings, `batchSize` at a time, tokenised as the reference tokenises them.
    func textEmbeddings(for texts: [String], batchSize: Int, normalized: Bool) -> [Result<[Float], Error>]
    /// Image embeddings for image files, `batchSize` at a time; `side` runs the model at another square size.
    func imageEmbeddings(for urls: [URL], batchSize: Int, side: Int?, normalized: Bool) -> [Result<[Float], Error>]
    /// The vision tower's input for each image file, decoded and preprocessed in parallel; `side` as for
    /// `imageEmbeddings(for:batchSize:side:normalized:)`.
    func preparedImages(for urls: [URL], side: Int?) -> [Result<PreparedImage, Error>]
    /// The vision tower's input for an already decoded, upright image.
    func prepare(image: RGBImage) throws -> PreparedImage
    /// Embeddings of prepared images as few model calls as their shapes allow, one per input in order.
    func imageEmbeddings(prepared: [PreparedImage], normalized: Bool) throws -> [[Float]]
}

extension ImageTextModel {
    /// The zero-shot logit for a cosine similarity: `exp(t)·cos + b`.
    public func logit(cosine: Float) -> Float { Foundation.exp(logitScale) * cosine + logitBias }

    /// Zero-shot scores of one image embedding against label embeddings, highest probability first.
    public func zeroShotScores(image: [Float], labels: [String], labelEmbeddings: [[Float]]) -> [ZeroShotScore] {
        precondition(labels.count == labelEmbeddings.count, "one embedding per label")
        let logits = labelEmbeddings.map { text in logit(cosine: zip(image, text).reduce(0) { $0 + $1.0 * $1.1 }) }
        let probabilities = zeroShotActivation.probabilities(logits: logits)
        return zip(labels, zip(logits, probabilities))
            .map { ZeroShotScore(label: $0, logit: $1.0, probability: $1.1) }
            .sorted { $0.probability > $1.probability }
    }

    /// Zero-shot scores of image files against labels put into `template` (`{}` stands for the label): per image,
    /// one `(label, logit, probability)` per label, highest first, with the family's activation (independent
    /// sigmoids for SigLIP, a softmax over the labels for CLIP). A label whose prompt cannot be embedded throws.
    public func zeroShot(images urls: [URL], labels: [String], template: String = "This is a photo of {}.",
                         batchSize: Int = 16, side: Int? = nil) throws -> [Result<[ZeroShotScore], Error>] {
        let prompts = labels.map { template.replacingOccurrences(of: "{}", with: $0) }
        let texts = try textEmbeddings(for: prompts, batchSize: 64, normalized: true).map { try $0.get() }
        return imageEmbeddings(for: urls, batchSize: batchSize, side: side, normalized: true).map { result in
            result.map { zeroShotScores(image: $0, labels: labels, labelEmbeddings: texts) }
        }
    }
}

extension SiglipPipeline: ImageTextModel {
    /// The checkpoint directory.
    public var directory: URL { model.directory }
    /// The shared embedding width of both towers.
    public var embeddingSize: Int { model.config.vision.hiddenSize }
    /// SigLIP (or SigLIP 2 at a fixed resolution).
    public var family: ModelFamily { .siglip }
    /// The preprocessor's `size`.
    public var imageSize: (height: Int, width: Int)? { try? imageProcessor().outputSize }
    /// The text tower's `max_position_embeddings`.
    public var maxTextTokens: Int { model.config.text.maxPositionEmbeddings }
    /// SigLIP scores labels independently.
    public var zeroShotActivation: ZeroShotActivation { .sigmoid }
    /// `logit_scale`.
    public var logitScale: Float { model.logitScale }
    /// `logit_bias`.
    public var logitBias: Float { model.logitBias }
}

/// The `model_type` of a checkpoint directory's `config.json`, or nil when it has none.
public func modelType(ofCheckpoint directory: URL) throws -> String? {
    let url = directory.appendingPathComponent("config.json")
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw SiglipError("\(url.path): cannot read the model config (\(error.localizedDescription))")
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw SiglipError("\(url.path): not a JSON object")
    }
    return object["model_type"] as? String
}

/// Loads any supported image–text checkpoint, choosing the family by its `config.json`'s `model_type`.
/// `maxNumPatches` overrides a NaFlex checkpoint's `max_num_patches` (other families ignore it).
public func loadImageTextModel(directory: URL, precision: Precision = .fp32, maxNumPatches: Int? = nil) throws -> any ImageTextModel {
    switch try modelType(ofCheckpoint: directory) {
    case "siglip2": return try Siglip2Pipeline(directory: directory, precision: precision, maxNumPatches: maxNumPatches)
    case "clip": return try CLIPPipeline(directory: directory, precision: precision)
    default: return try SiglipPipeline(directory: directory, precision: precision)
    }
}
