import Foundation
import SigLIPTraining
import Tensor

/// The sigmoid loss over the pairs of every rank, each rank holding a slice (`images`, `texts`, row `i` of each a
/// pair), as open_clip's `SigLipLoss` computes it with `dist_impl="shift"`: the ranks' text features travel
/// round a ring (to rank + 1, from rank − 1), each rank scoring its images against its own texts (positives on
/// the diagonal) and then against each other rank's texts (all negatives).
///
/// The gradient of a block of texts is accumulated by each rank it visits and travels with it, so that after one
/// more hop it is home with its owner: `texts` of the result is the whole gradient of this rank's texts.
/// Every term is divided by the global number of pairs, so the ranks' `loss`, `logitScale` and `logitBias`
/// sum to the single-process values on the whole batch. Memory: two blocks of `B/N × D` plus `B/N × chunk`
/// logits; communication: `N − 1` hops of texts and gradients, one more of gradients.
public func ringSigmoidLoss(images x: Tensor, texts y: Tensor, logitScale: Float, logitBias: Float, chunk: Int?,
                            over world: Communicator) throws -> SigmoidLossResult {
    precondition(x.rows == y.rows && x.columns == y.columns, "ringSigmoidLoss: \(x.shape) images vs \(y.shape) texts")
    let counts = try world.allGather(x.rows)
    let total = counts.reduce(0, +)
    let (size, rank, width) = (world.size, world.rank, y.columns)
    let (right, left) = ((rank + 1) % size, (rank + size - 1) % size)
    let t = Foundation.exp(logitScale)
    let dImages = Tensor(zeros: x.shape)
    var terms = BlockTerms()
    // The block in hand: its owner's texts, then the gradient that the ranks it visited accumulated for them.
    var owner = rank
    var block = Tensor(zeros: [2 * x.rows, width])
    block.data.update(from: y.data, count: y.count)
    for hop in 0..<size {
        let rows = counts[owner]
        let texts = block.rows(0..<rows), dTexts = block.rows(rows..<2 * rows)
        terms.add(images: x, texts: texts, diagonal: hop == 0, scale: t, bias: logitBias, normalizer: Float(total),
                  chunk: chunk, dImages: dImages, dTexts: dTexts)
        guard hop < size - 1 else { break }
        let next = (owner + size - 1) % size
        let incoming = Tensor(zeros: [2 * counts[next], width])
        try world.sendReceive(block.data, count: block.count, to: right, into: incoming.data, count: incoming.count, from: left, tag: hop)
        (block, owner) = (incoming, next)
    }
    // Now the block in hand is the right neighbour's: its gradient goes home, and ours arrives from the left.
    let rows = counts[owner]
    let dTexts: Tensor
    if size == 1 {
        dTexts = block.rows(rows..<2 * rows).copy()
    } else {
        dTexts = Tensor(zeros: y.shape)
        try world.sendReceive(block.rows(rows..<2 * rows).data, count: rows * width, to: right,
                              into: dTexts.data, count: dTexts.count, from: left, tag: size)
    }
    return SigmoidLossResult(loss: Float(terms.loss / Double(total)), images: dImages, texts: dTexts,
                             logitScale: Float(terms.dScale), logitBias: Float(terms.dBias))
}

/// The sums a rank accumulates over the blocks of texts it sees.
struct BlockTerms {
    /// `Σ −log σ(z·logit)` over the pairs scored so far (not yet divided by the number of pairs).
    var loss = 0.0
    /// `dL/dt′` so far.
    var dScale = 0.0
    /// `dL/db` so far.
    var dBias = 0.0

    /// Scores every image against every text of one block, chunk by chunk, adding into the sums, `dImages` and
    /// `dTexts`; pairs are positive on the diagonal of the rank's own block (`diagonal`), negative elsewhere.
    mutating func add(images x: Tensor, texts y: Tensor, diagonal: Bool, scale t: Float, bias: Float, normalizer: Float,
                      chunk: Int?, dImages: Tensor, dTexts: Tensor) {
        guard x.rows > 0, y.rows > 0 else { return }
        let step = chunk ?? y.rows
        for start in stride(from: 0, to: y.rows, by: step) {
            let range = start..<min(start + step, y.rows)
            let chunkTexts = y.rows(range)
            let cosines = matmul(x, chunkTexts, transposeB: true)
            let logits = cosines.copy()
            affine(logits, scale: t, shift: bias)
            let dLogits = Tensor(zeros: logits.shape)
            loss += logisticLoss(logits: logits, labels: labels(images: x.rows, texts: range, diagonal: diagonal), gradient: dLogits)
            affine(dLogits, scale: 1 / normalizer, shift: 0)
            matmul(dLogits, chunkTexts, alpha: t, accumulating: dImages)
            matmul(dLogits, x, transposeA: true, alpha: t, accumulating: dTexts.rows(range))
            dScale += Double(t) * dot(dLogits, cosines)
            dBias += sum(dLogits)
        }
    }

    /// +1 where image `i` is text `j`'s pair (only in the rank's own block), else −1.
    private func labels(images: Int, texts: Range<Int>, diagonal: Bool) -> Tensor {
        let values = (0..<images * texts.count).map { k -> Float in
            let (i, j) = k.quotientAndRemainder(dividingBy: texts.count)
            return diagonal && i == texts.lowerBound + j ? 1 : -1
        }
        return Tensor(shape: [images, texts.count], values: values)
    }
}
