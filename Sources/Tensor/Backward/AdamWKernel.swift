import Foundation

/// One AdamW update of `parameter` in place, with PyTorch's arithmetic (`torch.optim.AdamW`, single-tensor path):
/// decoupled decay `p ← p·(1 − lr·λ)`, moments `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, then
/// `p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)` for step `t` (counting from 1).
public func adamWUpdate(parameter p: Tensor, gradient g: Tensor, firstMoment m: Tensor, secondMoment v: Tensor,
                        learningRate lr: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, step: Int) {
    precondition(p.count == g.count && p.count == m.count && p.count == v.count, "adamWUpdate: sizes differ")
    precondition(step >= 1, "adamWUpdate: steps count from 1")
    // The scalars are formed in double precision, as PyTorch forms them from Python floats.
    let stepSize = Float(Double(lr) / (1 - Foundation.pow(Double(beta1), Double(step))))
    let correction2Root = Float((1 - Foundation.pow(Double(beta2), Double(step))).squareRoot())
    let decay = Float(1 - Double(lr) * Double(weightDecay))
    let keep1 = 1 - beta1, keep2 = 1 - beta2
    for i in 0..<p.count {
        let gi = g.data[i]
        if weightDecay != 0 { p.data[i] *= decay }
        m.data[i] += keep1 * (gi - m.data[i])
        v.data[i] = v.data[i] * beta2 + keep2 * gi * gi
        p.data[i] -= stepSize * m.data[i] / (v.data[i].squareRoot() / correction2Root + epsilon)
    }
}
