import Foundation
import Tensor

/// The scaled objective and its gradient, computed over row blocks in parallel with Float64 GEMMs.
struct LogisticObjective: Sendable {
    let features: [Double]
    let dimension: Int
    let labels: [Int]
    let classes: Int
    let sampleWeights: [Double]
    /// 1 / Σsᵢ.
    let scale: Double
    /// 1 / (C·Σsᵢ).
    let penalty: Double

    /// Value at `parameters` (`[W row-major, b]`); writes the gradient.
    func evaluate(_ parameters: [Double], _ gradient: inout [Double]) -> Double {
        let d = dimension, k = classes
        let sum = sumOverBlocks { rows in
            let part = partial(rows: rows, parameters)
            return (part.gradient, part.loss)
        }
        let loss = sum.extra * scale
        var norm = 0.0
        for i in 0..<(k * d) {
            let w = parameters[i]
            norm += w * w
            gradient[i] = sum.total[i] * scale + penalty * w
        }
        for i in (k * d)..<(k * (d + 1)) { gradient[i] = sum.total[i] * scale }
        return loss + 0.5 * penalty * norm
    }

    /// Unscaled weighted cross-entropy and its gradient over `rows`.
    private func partial(rows: Range<Int>, _ parameters: [Double]) -> (loss: Double, gradient: [Double]) {
        let k = classes
        var logits = affine(rows: rows, parameters)
        var loss = 0.0
        for r in 0..<rows.count {
            let i = rows.lowerBound + r, s = sampleWeights[i]
            var top = -Double.infinity
            for c in 0..<k { top = max(top, logits[r * k + c]) }
            var sum = 0.0
            for c in 0..<k { sum += exp(logits[r * k + c] - top) }
            let logSum = top + log(sum)
            loss += s * (logSum - logits[r * k + labels[i]])
            // Row r of G = s·(softmax − onehot).
            for c in 0..<k {
                logits[r * k + c] = s * (exp(logits[r * k + c] - logSum) - (c == labels[i] ? 1 : 0))
            }
        }
        return (loss, backProject(rows: rows, logits))
    }

    /// `[rows × classes]` row-major: X·Wᵀ + b over `rows` for `parameters` = `[W row-major, b]`.
    func affine(rows: Range<Int>, _ parameters: [Double]) -> [Double] {
        let m = rows.count, d = dimension, k = classes
        var z = [Double](repeating: 0, count: m * k)
        guard m > 0 else { return z }
        features.withUnsafeBufferPointer { x in
            parameters.withUnsafeBufferPointer { w in
                z.withUnsafeMutableBufferPointer { out in
                    BLAS.dgemm(m: m, n: k, k: d, a: UnsafeBufferPointer(rebasing: x[(rows.lowerBound * d)..<(rows.upperBound * d)]),
                               b: UnsafeBufferPointer(rebasing: w[0..<(k * d)]), transposeB: true, c: out)
                }
            }
        }
        for r in 0..<m {
            for c in 0..<k { z[r * k + c] += parameters[k * d + c] }
        }
        return z
    }

    /// `[Gᵀ·X, Σ rows of G]` for G `[rows × classes]` row-major: the weight and bias parts of a per-logit quantity.
    func backProject(rows: Range<Int>, _ g: [Double]) -> [Double] {
        let m = rows.count, d = dimension, k = classes
        var out = [Double](repeating: 0, count: k * (d + 1))
        guard m > 0 else { return out }
        features.withUnsafeBufferPointer { x in
            g.withUnsafeBufferPointer { g in
                out.withUnsafeMutableBufferPointer { out in
                    BLAS.dgemm(m: k, n: d, k: m, a: g, transposeA: true,
                               b: UnsafeBufferPointer(rebasing: x[(rows.lowerBound * d)..<(rows.upperBound * d)]),
                               c: UnsafeMutableBufferPointer(rebasing: out[0..<(k * d)]))
                }
            }
        }
        for r in 0..<m {
            for c in 0..<k { out[k * d + c] += g[r * k + c] }
        }
        return out
    }

    /// The sum of `body` over row blocks, run in parallel when the work pays for it; `extra` sums a scalar beside.
    func sumOverBlocks(_ body: @Sendable (Range<Int>) -> (vector: [Double], extra: Double)) -> (total: [Double], extra: Double) {
        let n = labels.count
        let blocks = Compute.threads > 1 && Double(n * dimension * classes) * 4 > 2e7 ? Compute.threads : 1
        let parts = Compute.map(blocks) { block in body((n * block / blocks)..<(n * (block + 1) / blocks)) }
        var total = [Double](repeating: 0, count: classes * (dimension + 1))
        var extra = 0.0
        for part in parts {
            extra += part.extra
            for i in total.indices { total[i] += part.vector[i] }
        }
        return (total, extra)
    }
}
