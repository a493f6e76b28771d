/// Multi-head scaled dot-product attention with no mask: per batch item and head, `softmax(q·kᵀ/√d)·v`.
///
/// `query`, `key` and `value` are column windows `heads·headDim` wide (typically of one fused projection),
/// whose rows are grouped by batch item: `queryLength` rows per item, or the same rows for every item when
/// `sharedQuery` is set (a learned probe). The result is `[batch·queryLength, heads·headDim]` with the
/// heads side by side, ready for the output projection.
public func attention(
    query: ColumnSlice, key: ColumnSlice, value: ColumnSlice,
    batch: Int, queryLength: Int, keyLength: Int, heads: Int, sharedQuery: Bool = false
) -> Tensor {
    let width = query.width
    precondition(width % heads == 0 && key.width == width && value.width == width, "attention: widths do not split into \(heads) heads")
    precondition(key.rows == batch * keyLength && value.rows == batch * keyLength, "attention: key rows are not batch × keyLength")
    precondition(query.rows == (sharedQuery ? queryLength : batch * queryLength), "attention: query rows do not match")
    let headDim = width / heads
    let scale = 1 / Float(headDim).squareRoot()
    let out = Tensor(uninitialized: [batch * queryLength, width])   // each head's GEMM writes its columns
    let jobs = batch * heads
    let cost = 4.0 * Double(jobs) * Double(queryLength) * Double(keyLength) * Double(headDim)

    Compute.parallelFor(jobs, cost: cost) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
        defer { scores.deallocate() }
        for job in range {
            let (b, h) = job.quotientAndRemainder(dividingBy: heads)
            let column = h * headDim
            let q = query.origin + (sharedQuery ? 0 : b * queryLength) * query.rowStride + column
            let k = key.origin + b * keyLength * key.rowStride + column
            let v = value.origin + b * keyLength * value.rowStride + column
            BLAS.sgemm(m: queryLength, n: keyLength, k: headDim, alpha: scale,
                       a: q, lda: query.rowStride, b: k, ldb: key.rowStride, transposeB: true,
                       beta: 0, c: scores, ldc: keyLength)
            softmaxRows(scores, rows: queryLength, columns: keyLength, stride: keyLength)
            BLAS.sgemm(m: queryLength, n: headDim, k: keyLength,
                       a: scores, lda: keyLength, b: v, ldb: value.rowStride, transposeB: false,
                       beta: 0, c: out.data + b * queryLength * width + column, ldc: width)
        }
    }
    return out
}
