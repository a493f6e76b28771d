import Foundation
import SafeTensors
import Tensor

/// A SigLIP 2 NaFlex image–text model (`model_type` "siglip2") loaded from a Hugging Face checkpoint directory:
/// images at their own aspect ratio as padded patch sequences, text as in SigLIP.
///
/// ```swift
/// let model = try Siglip2Model(directory: URL(fileURLWithPath: "siglip2-base-patch16-naflex"))
/// let batch = try Siglip2ImageProcessor(directory: model.directory).batch(images, maxNumPatches: 256)
/// let images = try model.imageEmbeddings(pixelValues: batch.pixelValues, spatialShapes: batch.spatialShapes)
/// ```
public final class Siglip2Model: Sendable {
    /// The architecture (`vision.numPatches` is set).
    public let config: SiglipConfig
    /// The image tower.
    public let vision: Siglip2VisionTransformer
    /// The text tower, the same as SigLIP's.
    public let text: TextTransformer
    /// `log t`: the logarithm of the learned temperature.
    public let logitScale: Float
    /// `b`: the learned bias added to every scaled cosine.
    public let logitBias: Float
    /// The checkpoint directory.
    public let directory: URL
    /// The precision of the linear layers' products.
    public let precision: Precision
    private let diagnosis: NonFiniteDiagnosis

    /// Loads `config.json` (which must be a NaFlex one) and the safetensors weights in `directory`.
    public init(directory: URL, precision: Precision = .fp32) throws {
        self.directory = directory
        self.precision = precision
        config = try SiglipConfig(directory: directory)
        guard config.vision.isNaFlex else {
            throw SiglipError("\(directory.path): not a SigLIP 2 NaFlex checkpoint (model_type is not 'siglip2'); load it with SiglipModel")
        }
        do {
            let checkpoint = try Checkpoint(directory: directory)
            diagnosis = NonFiniteDiagnosis(checkpoint: checkpoint)
            let root = Weights(checkpoint: checkpoint, prefix: "", precision: precision)
            vision = try Siglip2VisionTransformer(root.scope("vision_model"), config.vision)
            text = try TextTransformer(root.scope("text_model"), config.text)
            logitScale = try root("logit_scale", [1])[0]
            logitBias = try root("logit_bias", [1])[0]
        } catch let error as SafeTensorsError {
            throw SiglipError(error.description)
        }
    }

    /// Image embeddings `[batch, D]` of patchified `pixelValues` `[batch, maxPatches, 3·P·P]` with each image's
    /// patch grid, L2-normalised unless `normalized` is false. Throws rather than return NaN or infinity.
    public func imageEmbeddings(pixelValues: Tensor, spatialShapes: [SpatialShape], normalized: Bool = true) throws -> Tensor {
        try requireFinite(pixelValues: pixelValues)
        return try diagnosis.embeddings(try vision(pixelValues, spatialShapes: spatialShapes).pooled, tower: "image", normalized: normalized)
    }

    /// Text embeddings `[batch, D]` of equal-length id rows, L2-normalised unless `normalized` is false.
    public func textEmbeddings(inputIDs: [[Int]], normalized: Bool = true) throws -> Tensor {
        try diagnosis.embeddings(try text(inputIDs).pooled, tower: "text", normalized: normalized)
    }

    /// `logits_per_image` `[images, texts]`: `exp(logit_scale) · cos + logit_bias` of normalised embeddings.
    public func logits(imageEmbeddings: Tensor, textEmbeddings: Tensor) -> Tensor {
        scaledCosineLogits(imageEmbeddings, textEmbeddings, logScale: logitScale, bias: logitBias)
    }
}
