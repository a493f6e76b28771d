/// Layer normalisation over each row: `(x − mean) / √(var + eps) · weight + bias`, biased variance.
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
    let n = x.columns
    precondition(weight.count == n && bias.count == n, "layerNorm: parameters do not match width \(n)")
    let out = Tensor(uninitialized: x.shape)
    Compute.parallelFor(x.rows, cost: 8.0 * Double(x.count)) { rows in
        for r in rows {
            normalizeRow(x.data + r * n, into: out.data + r * n, count: n,
                         weight: weight.data, bias: bias.data, eps: eps)
        }
    }
    return out
}

/// Two-pass mean and variance in multi-lane accumulators, then the affine map.
@inline(__always)
private func normalizeRow(_ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int,
                          weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>, eps: Float) {
    var lanes = SIMD16<Float>()
    var i = 0
    while i + 16 <= n { lanes += x.loadVector(i); i += 16 }
    var sum = lanes.sum()
    while i < n { sum += x[i]; i += 1 }
    let mean = sum / Float(n)

    let m = SIMD16<Float>(repeating: mean)
    lanes = SIMD16<Float>()
    i = 0
    while i + 16 <= n { let d = x.loadVector(i) - m; lanes = lanes.addingProduct(d, d); i += 16 }
    var squares = lanes.sum()
    while i < n { let d = x[i] - mean; squares += d * d; i += 1 }
    let inverseStd = 1 / (squares / Float(n) + eps).squareRoot()

    let s = SIMD16<Float>(repeating: inverseStd)
    i = 0
    while i + 16 <= n {
        let v = bias.loadVector(i).addingProduct((x.loadVector(i) - m) * s, weight.loadVector(i))
        y.storeVector(v, i)
        i += 16
    }
    while i < n { y[i] = (x[i] - mean) * inverseStd * weight[i] + bias[i]; i += 1 }
}

/// Divides each row by its Euclidean norm (rows of zeros are left as they are).
public func l2Normalized(_ x: Tensor) -> Tensor {
    let out = x.copy()
    let n = x.columns
    for r in 0..<x.rows {
        let row = out.data + r * n
        var squares: Float = 0
        for j in 0..<n { squares += row[j] * row[j] }
        let norm = squares.squareRoot()
        if norm > 0 { for j in 0..<n { row[j] /= norm } }
    }
    return out
}
