import CKernels
import Foundation

extension GELU {
    /// Multiplies `gradient` in place by the activation's derivative at `input` (the pre-activation).
    public func backward(input: Tensor, gradient: Tensor) {
        precondition(input.count == gradient.count, "GELU.backward: \(input.shape) vs \(gradient.shape)")
        Compute.parallelFor(input.count, cost: 20.0 * Double(input.count)) { range in
            let x = input.data + range.lowerBound, g = gradient.data + range.lowerBound
            switch self {
            case .tanh: geluTanhDerivative(x, times: g, count: range.count)
            case .erf:
                for i in 0..<range.count {
                    let v = x[i]
                    let cdf = 0.5 * (1 + Foundation.erf(v * 0.70710678118654752))
                    let pdf = 0.3989422804014327 * Foundation.exp(-0.5 * v * v)
                    g[i] *= cdf + v * pdf
                }
            case .quick:
                for i in 0..<range.count {
                    let s = sigmoid(1.702 * x[i])
                    g[i] *= s + 1.702 * x[i] * s * (1 - s)
                }
            }
        }
    }
}

/// `g *= d/dx [x·σ(2u)]` with `u = c·(x + 0.044715·x³)`: with `s = σ(2u)` the derivative is
/// `s + 2x·s·(1 − s)·c·(1 + 3·0.044715·x²)`, one exponential and no cancellation, like the forward pass.
private func geluTanhDerivative(_ x: UnsafeMutablePointer<Float>, times g: UnsafeMutablePointer<Float>, count: Int) {
    ck_gelu_tanh_backward(InstructionSet.current.rawValue, x, g, count)
}
