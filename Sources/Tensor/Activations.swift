import Foundation

/// The Gaussian error linear unit, in the variants checkpoints name in `hidden_act`.
public enum GELU: Sendable {
    /// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, PyTorch's `approximate="tanh"` (SigLIP's).
    case tanh
    /// `0.5·x·(1 + erf(x/√2))`, the exact form.
    case erf

    /// Applies the activation in place to `count` floats.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .tanh: geluTanh(x, count: count)
        case .erf: for i in 0..<count { x[i] = 0.5 * x[i] * (1 + Foundation.erf(x[i] * 0.70710678118654752)) }
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
    let c = SIMD16<Float>(repeating: -2 * 0.7978845608028654)
    let c3 = SIMD16<Float>(repeating: -2 * 0.7978845608028654 * 0.044715)
    let one = SIMD16<Float>(repeating: 1)
    var i = 0
    while i + 16 <= count {
        let v = x.loadVector(i)
        let minus2u = v * (c + c3 * v * v)
        x.storeVector(v / (one + exp(minus2u)), i)
        i += 16
    }
    while i < count {
        let v = x[i]
        x[i] = v / (1 + Foundation.exp(v * (-2 * 0.7978845608028654 - 2 * 0.7978845608028654 * 0.044715 * v * v)))
        i += 1
    }
}

/// `eˣ` on sixteen lanes: Cody–Waite range reduction and Cephes' degree-6 polynomial, within 2 ulp of
/// `expf` over the normal range. Inputs are clamped to [−87.3, 88.4], so very negative inputs give the
/// smallest normal float (≈1e-38) rather than 0, and the largest give ≈2.4e38 rather than +∞.
@inline(__always)
public func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let clamped = pointwiseMin(pointwiseMax(x, SIMD16(repeating: -87.33654)), SIMD16(repeating: 88.37626))
    // Adding 1.5·2²³ rounds to the nearest integer in the float unit and leaves that integer in the low
    // mantissa bits: no float-to-int conversion, which the standard library does not vectorise.
    let shifted = clamped * 1.44269504088896341 + 12582912
    let n = shifted - 12582912
    var r = clamped.addingProduct(n, SIMD16(repeating: -0.693359375))
    r = r.addingProduct(n, SIMD16(repeating: 2.12194440e-4))
    var p = SIMD16<Float>(repeating: 1.3981999507e-3).addingProduct(SIMD16(repeating: 1.9875691500e-4), r)
    p = SIMD16<Float>(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = SIMD16<Float>(repeating: 5.0000001201e-1).addingProduct(p, r)
    p = (r + 1).addingProduct(p, r * r)
    let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    return p * unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
}

/// The logistic function `1 / (1 + e⁻ˣ)`, the probability SigLIP reads from a logit.
public func sigmoid(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
}

/// Replaces each row of `x` (`rows × columns`, row stride `stride`) by its softmax, in place.
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int) {
    for r in 0..<rows {
        let row = x + r * stride
        var maxLanes = SIMD16<Float>(repeating: -.infinity)
        var j = 0
        while j + 16 <= columns { maxLanes = pointwiseMax(maxLanes, row.loadVector(j)); j += 16 }
        var maxValue = maxLanes.max()
        while j < columns { maxValue = max(maxValue, row[j]); j += 1 }
        let m = SIMD16<Float>(repeating: maxValue)
        var sums = SIMD16<Float>()
        j = 0
        while j + 16 <= columns {
            let e = exp(row.loadVector(j) - m)
            row.storeVector(e, j)
            sums += e
            j += 16
        }
        var sum = sums.sum()
        while j < columns {
            row[j] = Foundation.exp(row[j] - maxValue)
            sum += row[j]
            j += 1
        }
        let inverse = 1 / sum
        let scale = SIMD16<Float>(repeating: inverse)
        j = 0
        while j + 16 <= columns { row.storeVector(row.loadVector(j) * scale, j); j += 16 }
        while j < columns { row[j] *= inverse; j += 1 }
    }
}
