import Foundation
import Tensor

/// The loss of "Sigmoid Loss for Language Image Pre-Training" (Zhai et al., 2023, Algorithm 1) on `B` matching
/// pairs of L2-normalised embeddings: `L = −(1/B) Σᵢ Σⱼ log σ(zᵢⱼ·(t·xᵢ·yⱼ + b))`, `t = exp(t′)`, `zᵢⱼ = ±1`
/// for matching (`i = j`) and non-matching pairs; every pair is an independent binary decision.
public func sigmoidLoss(images x: Tensor, texts y: Tensor, logitScale: Float, logitBias: Float) -> SigmoidLossResult {
    let n = Float(x.rows), t = Foundation.exp(logitScale)
    let cosines = matmul(x, y, transposeB: true)
    let logits = cosines.copy()
    affine(logits, scale: t, shift: logitBias)
    let dLogits = Tensor(zeros: logits.shape)
    let loss = logisticLoss(logits: logits, labels: pairLabels(images: x.rows, texts: 0..<y.rows), gradient: dLogits)
    affine(dLogits, scale: 1 / n, shift: 0)
    return SigmoidLossResult(loss: Float(loss / Double(n)), images: matmul(dLogits, y, alpha: t),
                             texts: matmul(dLogits, x, transposeA: true, alpha: t),
                             logitScale: Float(Double(t) * dot(dLogits, cosines)), logitBias: Float(sum(dLogits)))
}
