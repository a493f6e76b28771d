import Foundation
import SafeTensors
import Tensor

/// A SigLIP image–text model loaded from a Hugging Face checkpoint directory.
///
/// ```swift
/// let model = try SiglipModel(directory: URL(fileURLWithPath: "siglip-base-patch16-224"))
/// let images = try model.imageEmbeddings(pixelValues: pixels)   // [N, D], L2-normalised
/// let texts = try model.textEmbeddings(inputIDs: ids)            // [M, D], L2-normalised
/// let logits = model.logits(imageEmbeddings: images, textEmbeddings: texts)  // [N, M]
/// ```
public final class SiglipModel: Sendable {
    /// The architecture.
    public let config: SiglipConfig
    /// The image tower.
    public let vision: VisionTransformer
    /// The text tower.
    public let text: TextTransformer
    /// `log t`: the logarithm of the learned temperature.
    public let logitScale: Float
    /// `b`: the learned bias added to every scaled cosine.
    public let logitBias: Float
    /// The checkpoint directory.
    public let directory: URL

    /// The precision of the linear layers' products (`fp32` unless loaded otherwise).
    public let precision: Precision
    private let diagnosis: NonFiniteDiagnosis

    /// Loads `config.json` and the safetensors weights in `directory`, checking every tensor's shape.
    /// With `precision` `.bf16` or `.int8`, every linear layer's weight is converted once, at load.
    public init(directory: URL, precision: Precision = .fp32) throws {
        self.directory = directory
        self.precision = precision
        guard try modelType(ofCheckpoint: directory) != "clip" else {
            throw SiglipError("\(directory.path): a CLIP checkpoint (model_type 'clip'); load it with CLIPModel or loadImageTextModel")
        }
        config = try SiglipConfig(directory: directory)
        guard !config.vision.isNaFlex else {
            throw SiglipError("\(directory.path): a SigLIP 2 NaFlex checkpoint (model_type 'siglip2'); load it with Siglip2Model or loadImageTextModel")
        }
        do {
            let checkpoint = try Checkpoint(directory: directory)
            diagnosis = NonFiniteDiagnosis(checkpoint: checkpoint)
            let root = Weights(checkpoint: checkpoint, prefix: "", precision: precision)
            vision = try VisionTransformer(root.scope("vision_model"), config.vision)
            text = try TextTransformer(root.scope("text_model"), config.text)
            logitScale = try root("logit_scale", [1])[0]
            logitBias = try root("logit_bias", [1])[0]
        } catch let error as SafeTensorsError {
            throw SiglipError(error.description)
        }
    }

    /// Image embeddings `[batch, D]` of `pixelValues` `[batch, 3, H, W]`, L2-normalised unless `normalized` is false.
    /// Throws rather than return NaN or infinity: for pixel values that hold them, or naming the weight that does.
    public func imageEmbeddings(pixelValues: Tensor, normalized: Bool = true) throws -> Tensor {
        try requireFinite(pixelValues: pixelValues)
        return try diagnosis.embeddings(try vision(pixelValues).pooled, tower: "image", normalized: normalized)
    }

    /// Text embeddings `[batch, D]` of equal-length id rows, L2-normalised unless `normalized` is false.
    /// Throws rather than return NaN or infinity, naming the weight that holds them.
    public func textEmbeddings(inputIDs: [[Int]], normalized: Bool = true) throws -> Tensor {
        try diagnosis.embeddings(try text(inputIDs).pooled, tower: "text", normalized: normalized)
    }

    /// `logits_per_image` `[images, texts]`: `exp(logit_scale) · cos + logit_bias` of normalised embeddings.
    /// Each is an independent log-odds; `sigmoid` of it is the probability that the pair matches.
    public func logits(imageEmbeddings: Tensor, textEmbeddings: Tensor) -> Tensor {
        scaledCosineLogits(imageEmbeddings, textEmbeddings, logScale: logitScale, bias: logitBias)
    }
}
