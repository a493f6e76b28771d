import CKernels

/// Layer normalisation over each row: `(x − mean) / √(var + eps) · weight + bias`, biased variance.
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
    let n = x.columns
    precondition(weight.count == n && bias.count == n, "layerNorm: parameters do not match width \(n)")
    let out = Tensor(uninitialized: x.shape)
    let isa = InstructionSet.current.rawValue
    Compute.parallelFor(x.rows, cost: 8.0 * Double(x.count)) { rows in
        // Two-pass mean and variance in sixteen-lane accumulators, then the affine map.
        ck_layer_norm_rows(isa, x.data + rows.lowerBound * n, out.data + rows.lowerBound * n, Int32(rows.count), Int32(n),
                           weight.data, bias.data, eps)
    }
    return out
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
