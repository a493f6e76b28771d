import CKernels
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
    // Sixteen lanes of the scalar formula; a decay of exactly 1 (no weight decay) is skipped.
    ck_adamw(InstructionSet.current.rawValue, p.data, g.data, m.data, v.data, p.count, weightDecay != 0 ? decay : 1,
             keep1, beta2, keep2, stepSize, correction2Root, epsilon)
}
