import Foundation
import SafeTensors
import Tensor

/// A CLIP image–text model (OpenAI's layout, `model_type` "clip") loaded from a Hugging Face checkpoint directory.
///
/// ```swift
/// let model = try CLIPModel(directory: URL(fileURLWithPath: "clip-vit-base-patch32"))
/// let images = try model.imageEmbeddings(pixelValues: pixels)   // [N, D], L2-normalised
/// let texts = try model.textEmbeddings(inputIDs: ids)            // [M, D], L2-normalised
/// let logits = model.logits(imageEmbeddings: images, textEmbeddings: texts)  // [N, M]; softmax over M
/// ```
public final class CLIPModel: Sendable {
    /// The architecture.
    public let config: CLIPConfig
    /// The image tower.
    public let vision: CLIPVisionTransformer
    /// The text tower.
    public let text: CLIPTextTransformer
    /// `visual_projection.weight` `[projection, vision width]` (no bias).
    package let visualProjection: Tensor
    /// `text_projection.weight` `[projection, text width]` (no bias).
    package let textProjection: Tensor
    /// `log t`: the logarithm of the learned temperature.
    public let logitScale: Float
    /// The checkpoint directory.
    public let directory: URL
    private let diagnosis: NonFiniteDiagnosis

    /// Loads `config.json` and the safetensors weights in `directory`, checking every tensor's shape. With
    /// `precision` `.bf16` or `.int8` the encoder layers' linear weights are converted once, at load; the patch
    /// embedding and the two projections stay fp32.
    public init(directory: URL, precision: Precision = .fp32) throws {
        self.directory = directory
        config = try CLIPConfig(directory: directory)
        do {
            let checkpoint = try Checkpoint(directory: directory)
            diagnosis = NonFiniteDiagnosis(checkpoint: checkpoint)
            let root = Weights(checkpoint: checkpoint, prefix: "", precision: precision)
            vision = try CLIPVisionTransformer(root.scope("vision_model"), config.vision)
            text = try CLIPTextTransformer(root.scope("text_model"), config.text)
            visualProjection = try root("visual_projection.weight", [config.projectionDim, config.vision.hiddenSize])
            textProjection = try root("text_projection.weight", [config.projectionDim, config.text.hiddenSize])
            // A 0-dimensional tensor in transformers' checkpoints.
            let scale = try checkpoint.tensor(named: "logit_scale")
            guard scale.count == 1 else {
                throw SiglipError("\(directory.path): logit_scale has shape \(scale.shape); expected a single value")
            }
            logitScale = scale.scalars[0]
        } catch let error as SafeTensorsError {
            throw SiglipError(error.description)
        }
    }

    /// Image embeddings `[batch, projection]` of `pixelValues` `[batch, 3, H, W]`, L2-normalised unless
    /// `normalized` is false. Throws rather than return NaN or infinity.
    public func imageEmbeddings(pixelValues: Tensor, normalized: Bool = true) throws -> Tensor {
        try requireFinite(pixelValues: pixelValues)
        let projected = linear(try vision(pixelValues).pooled, weight: visualProjection, bias: nil)
        return try diagnosis.embeddings(projected, tower: "image", normalized: normalized)
    }

    /// Text embeddings `[batch, projection]` of equal-length id rows, L2-normalised unless `normalized` is false.
    public func textEmbeddings(inputIDs: [[Int]], normalized: Bool = true) throws -> Tensor {
        let projected = linear(try text(inputIDs).pooled, weight: textProjection, bias: nil)
        return try diagnosis.embeddings(projected, tower: "text", normalized: normalized)
    }

    /// `logits_per_image` `[images, texts]`: `exp(logit_scale) · cos` of normalised embeddings; a softmax over
    /// each row gives the probabilities.
    public func logits(imageEmbeddings: Tensor, textEmbeddings: Tensor) -> Tensor {
        scaledCosineLogits(imageEmbeddings, textEmbeddings, logScale: logitScale, bias: 0)
    }
}
