import CKernels
import Foundation

/// The Gaussian error linear unit, in the variants checkpoints name in `hidden_act`.
public enum GELU: Sendable {
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, PyTorch's `approximate="tanh"` (SigLIP's).
    case tanh
    /// `0.5·x·(1 + erf(x/√2))`, the exact form.
    case erf
    /// `x·σ(1.702·x)`: OpenAI CLIP's `quick_gelu`.
    case quick

    /// Applies the activation in place to `count` floats.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: geluTanh(x, count: count)
        case .erf: for i in 0..<count { x[i] = 0.5 * x[i] * (1 + Foundation.erf(x[i] * 0.70710678118654752)) }
        case .quick: for i in 0..<count { x[i] = x[i] * sigmoid(1.702 * x[i]) }
        }
    }

    /// The activation of one value (for tests and scalar paths).
    public func callAsFunction(_ x: Float) -> Float {
        var v = x
        apply(&v, count: 1)
        return v
    }
}

/// Tanh-GELU, written as `x·σ(2u)` because `0.5·(1 + tanh(u)) = σ(2u)`: one exponential, no cancellation.
private func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    ck_gelu_tanh(InstructionSet.current.rawValue, x, count)
}

/// `eˣ` on sixteen lanes: Cody–Waite range reduction and Cephes' degree-6 polynomial, within 2 ulp of
/// `expf` over the normal range. Inputs are clamped to [−87.3, 88.4], so very negative inputs give the
/// smallest normal float (≈1e-38) rather than 0, and the largest give ≈2.4e38 rather than +∞.
public func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    var lanes = x
    withUnsafeMutablePointer(to: &lanes) { vector in
        vector.withMemoryRebound(to: Float.self, capacity: 16) { ck_exp(InstructionSet.current.rawValue, $0, $0, 16) }
    }
    return lanes
}

/// The logistic function `1 / (1 + e⁻ˣ)`, the probability SigLIP reads from a logit.
public func sigmoid(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
}

/// Replaces each row of `x` (`rows × columns`, row stride `stride`) by its softmax, in place.
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
    ck_softmax_rows(InstructionSet.current.rawValue, x, Int32(rows), Int32(columns), Int32(stride))
}
