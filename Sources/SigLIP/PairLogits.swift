import Foundation
import Tensor

/// `[images, texts]` logits of normalised embeddings: `exp(logScale) · cos + bias`, the paper's `t·x·y + b`.
func scaledCosineLogits(_ images: Tensor, _ texts: Tensor, logScale: Float, bias: Float) -> Tensor {
    let scores = linear(images, weight: texts, bias: nil)
    let t = Foundation.exp(logScale)
    for i in 0..<scores.count { scores.data[i] = scores.data[i] * t + bias }
    return scores
}

/// Throws when a model's input holds NaN or infinity, which no weight can be blamed for.
func requireFinite(pixelValues: Tensor) throws {
    guard pixelValues.isFinite else { throw SiglipError("pixel values hold NaN or infinity") }
}

extension NonFiniteDiagnosis {
    /// A tower's output as embeddings, L2-normalised when `normalized`; throws, naming the weight at fault,
    /// rather than return NaN or infinity.
    func embeddings(_ output: Tensor, tower: String, normalized: Bool) throws -> Tensor {
        guard output.isFinite else { throw SiglipError(reason(tower: tower)) }
        return normalized ? l2Normalized(output) : output
    }
}
