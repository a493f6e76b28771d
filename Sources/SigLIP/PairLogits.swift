import Foundation
import Tensor

/// `[images, texts]` logits of normalised embeddings: `exp(logScale) · cos + bias`, the paper's `t·x·y + b`.
func scaledCosineLogits(_ images: Tensor, _ texts: Tensor, logScale: Float, bias: Float) -> Tensor {
    let scores = linear(images, weight: texts, bias: nil)
    let t = Foundation.exp(logScale)
    for i in 0..<scores.count { scores.data[i] = scores.data[i] * t + bias }
    return scores
}
