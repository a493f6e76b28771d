import Foundation
import Tensor

/// `sigmoidLoss` computed over the texts in chunks of `chunk`, so that only `B × chunk` logits exist at a time
/// (memory O(B·C) instead of O(B²), as in the paper's §3.3); the loss and gradients equal the full form's.
public func chunkedSigmoidLoss(images x: Tensor, texts y: Tensor, logitScale: Float, logitBias: Float, chunk: Int) -> SigmoidLossResult {
    precondition(chunk > 0, "chunkedSigmoidLoss: the chunk must hold at least one text")
    precondition(x.rows == y.rows && x.columns == y.columns, "chunkedSigmoidLoss: \(x.shape) images vs \(y.shape) texts")
    let n = Float(x.rows), t = Foundation.exp(logitScale)
    let dImages = Tensor(zeros: x.shape), dTexts = Tensor(zeros: y.shape)
    var loss = 0.0, dScale = 0.0, dBias = 0.0
    for start in stride(from: 0, to: y.rows, by: chunk) {
        let texts = start..<min(start + chunk, y.rows)
        let chunkTexts = y.rows(texts)
        let cosines = matmul(x, chunkTexts, transposeB: true)
        let logits = cosines.copy()
        affine(logits, scale: t, shift: logitBias)
        let dLogits = Tensor(zeros: logits.shape)
        loss += logisticLoss(logits: logits, labels: pairLabels(images: x.rows, texts: texts), gradient: dLogits)
        affine(dLogits, scale: 1 / n, shift: 0)
        matmul(dLogits, chunkTexts, alpha: t, accumulating: dImages)
        matmul(dLogits, x, transposeA: true, alpha: t, accumulating: dTexts.rows(texts))
        dScale += Double(t) * dot(dLogits, cosines)
        dBias += sum(dLogits)
    }
    return SigmoidLossResult(loss: Float(loss / Double(n)), images: dImages, texts: dTexts,
                             logitScale: Float(dScale), logitBias: Float(dBias))
}

/// The value of the sigmoid loss and its gradients with respect to every input.
public struct SigmoidLossResult {
    /// `L`, averaged over the images.
    public let loss: Float
    /// `dL/dxᵢ`, `[B, D]`.
    public let images: Tensor
    /// `dL/dyⱼ`, `[B, D]`.
    public let texts: Tensor
    /// `dL/dt′`.
    public let logitScale: Float
    /// `dL/db`.
    public let logitBias: Float

    /// A result computed elsewhere (a distributed loss builds its own).
    public init(loss: Float, images: Tensor, texts: Tensor, logitScale: Float, logitBias: Float) {
        (self.loss, self.images, self.texts, self.logitScale, self.logitBias) = (loss, images, texts, logitScale, logitBias)
    }
}

/// The labels `zᵢⱼ` of the block of all images against `texts`: +1 where image `i` is text `j`'s pair, else −1.
func pairLabels(images: Int, texts: Range<Int>) -> Tensor {
    let values = (0..<images * texts.count).map { k -> Float in
        let (i, j) = k.quotientAndRemainder(dividingBy: texts.count)
        return i == texts.lowerBound + j ? 1 : -1
    }
    return Tensor(shape: [images, texts.count], values: values)
}
