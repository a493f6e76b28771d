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
            }
        }
    }
}

/// `g *= d/dx [x·σ(2u)]` with `u = c·(x + 0.044715·x³)`: with `s = σ(2u)` the derivative is
/// `s + 2x·s·(1 − s)·c·(1 + 3·0.044715·x²)`, one exponential and no cancellation, like the forward pass.
private func geluTanhDerivative(_ x: UnsafeMutablePointer<Float>, times g: UnsafeMutablePointer<Float>, count: Int) {
    let c: Float = 0.7978845608028654, a: Float = 0.044715
    let one = SIMD16<Float>(repeating: 1), minus2c = SIMD16<Float>(repeating: -2 * c)
    let a1 = SIMD16<Float>(repeating: a), a3 = SIMD16<Float>(repeating: 3 * a), c2 = SIMD16<Float>(repeating: 2 * c)
    var i = 0
    while i + 16 <= count {
        let v: SIMD16<Float> = x.loadVector(i)
        let v2: SIMD16<Float> = v * v
        let u: SIMD16<Float> = minus2c * v * (one + a1 * v2)
        let s: SIMD16<Float> = one / (one + exp(u))
        let slope: SIMD16<Float> = c2 * v * s * (one - s) * (one + a3 * v2)
        g.storeVector(g.loadVector(i) * (s + slope), i)
        i += 16
    }
    while i < count {
        let v = x[i], v2 = v * v
        let s = 1 / (1 + Foundation.exp(-2 * c * v * (1 + a * v2)))
        g[i] *= s + 2 * v * s * (1 - s) * c * (1 + 3 * a * v2)
        i += 1
    }
}
