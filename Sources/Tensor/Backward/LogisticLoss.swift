import Foundation

/// The binary logistic loss `Σ −log σ(zᵢ·uᵢ)` of logits `u` with labels `z ∈ {+1, −1}`, in double precision.
/// Writes `dL/du = −z·σ(−z·u)` into `gradient` when one is given.
///
/// `−log σ(v)` is evaluated as `max(−v, 0) + log1p(e^{−|v|})`, which neither overflows for large `|v|`
/// nor loses the tail to rounding.
public func logisticLoss(logits: Tensor, labels: Tensor, gradient: Tensor?) -> Double {
    precondition(logits.count == labels.count, "logisticLoss: \(logits.shape) vs \(labels.shape)")
    var total: Double = 0
    for i in 0..<logits.count {
        let z = labels.data[i], v = z * logits.data[i]
        total += Double(max(-v, 0) + Foundation.log1p(Foundation.exp(-abs(v))))
        gradient?.data[i] = -z * sigmoid(-v)
    }
    return total
}
