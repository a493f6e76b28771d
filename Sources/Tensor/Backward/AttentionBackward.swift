import CKernels

/// The gradients of `attention(query:key:value:…)` given `gradOutput` (`[batch·queryLength, width]`).
///
/// Writes `dQ`, `dK`, `dV` into the column windows `queryGradient`, `keyGradient`, `valueGradient`
/// (typically of one fused `[rows, 3·width]` gradient, mirroring the fused projection). The attention
/// weights are recomputed per (batch item, head) rather than kept from the forward pass. With
/// `P = softmax(s·Q·Kᵀ)` and `O = P·V`:
/// `dV = Pᵀ·dO`, `dP = dO·Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = s·dS·K`, `dK = s·dSᵀ·Q`.
/// With `sharedQuery`, `queryGradient` still has one block of rows per batch item, each item's share of
/// the probe's gradient, so that no two threads write the same rows; the caller sums them.
public func attentionBackward(
    query: ColumnSlice, key: ColumnSlice, value: ColumnSlice, gradOutput: Tensor,
    queryGradient: ColumnSlice, keyGradient: ColumnSlice, valueGradient: ColumnSlice,
    batch: Int, queryLength: Int, keyLength: Int, heads: Int, sharedQuery: Bool = false
) {
    let width = query.width
    precondition(width % heads == 0 && key.width == width && value.width == width, "attentionBackward: widths do not split into \(heads) heads")
    precondition(gradOutput.rows == batch * queryLength && gradOutput.columns == width, "attentionBackward: gradOutput is not [batch·queryLength, width]")
    precondition(queryGradient.rows == batch * queryLength && keyGradient.rows == batch * keyLength && valueGradient.rows == batch * keyLength,
                 "attentionBackward: gradient windows have the wrong row counts")
    let headDim = width / heads
    let scale = 1 / Float(headDim).squareRoot()
    let jobs = batch * heads
    let cost = 10.0 * Double(jobs) * Double(queryLength) * Double(keyLength) * Double(headDim)

    Compute.parallelFor(jobs, cost: cost) { range in
        let probabilities = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
        defer { probabilities.deallocate(); scores.deallocate() }
        for job in range {
            let head = HeadJob(job, heads: heads, headDim: headDim, queryLength: queryLength, keyLength: keyLength, sharedQuery: sharedQuery)
            let (b, column) = (head.batch, head.column)
            let q = head.queryOrigin(query), k = head.origin(key, length: keyLength), v = head.origin(value, length: keyLength)
            let dO = gradOutput.data + b * queryLength * width + column
            let dQ = head.origin(queryGradient, length: queryLength)
            let dK = head.origin(keyGradient, length: keyLength), dV = head.origin(valueGradient, length: keyLength)

            head.probabilities(query: query, key: key, into: probabilities)
            BLAS.sgemm(m: keyLength, n: headDim, k: queryLength,
                       a: probabilities, lda: keyLength, transposeA: true, b: dO, ldb: width, transposeB: false,
                       beta: 0, c: dV, ldc: valueGradient.rowStride)
            BLAS.sgemm(m: queryLength, n: keyLength, k: headDim,
                       a: dO, lda: width, b: v, ldb: value.rowStride, transposeB: true,
                       beta: 0, c: scores, ldc: keyLength)
            softmaxBackwardRows(probabilities, gradient: scores, rows: queryLength, columns: keyLength)
            BLAS.sgemm(m: queryLength, n: headDim, k: keyLength, alpha: scale,
                       a: scores, lda: keyLength, b: k, ldb: key.rowStride, transposeB: false,
                       beta: 0, c: dQ, ldc: queryGradient.rowStride)
            BLAS.sgemm(m: keyLength, n: headDim, k: queryLength, alpha: scale,
                       a: scores, lda: keyLength, transposeA: true, b: q, ldb: query.rowStride, transposeB: false,
                       beta: 0, c: dK, ldc: keyGradient.rowStride)
        }
    }
}

/// Turns `dP` into `dS = P ⊙ (dP − Σⱼ dPⱼ·Pⱼ)` row by row, in place: the softmax's Jacobian applied to `dP`.
private func softmaxBackwardRows(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    ck_softmax_backward_rows(InstructionSet.current.rawValue, p, g, Int32(rows), Int32(columns))
}
