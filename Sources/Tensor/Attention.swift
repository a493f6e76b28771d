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
    let out = Tensor(uninitialized: [batch * queryLength, width])   // each head's GEMM writes its columns
    let jobs = batch * heads
    let cost = 4.0 * Double(jobs) * Double(queryLength) * Double(keyLength) * Double(headDim)

    Compute.parallelFor(jobs, cost: cost) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
        defer { scores.deallocate() }
        for job in range {
            let head = HeadJob(job, heads: heads, headDim: headDim, queryLength: queryLength, keyLength: keyLength, sharedQuery: sharedQuery)
            head.probabilities(query: query, key: key, into: scores)
            BLAS.sgemm(m: queryLength, n: headDim, k: keyLength,
                       a: scores, lda: keyLength, b: head.origin(value, length: keyLength), ldb: value.rowStride, transposeB: false,
                       beta: 0, c: out.data + head.batch * queryLength * width + head.column, ldc: width)
        }
    }
    return out
}

/// One (batch item, head) of a multi-head attention: where its rows and columns lie, shared by the forward and
/// backward passes.
struct HeadJob {
    let batch: Int, column: Int, headDim: Int, queryLength: Int, keyLength: Int, sharedQuery: Bool

    init(_ job: Int, heads: Int, headDim: Int, queryLength: Int, keyLength: Int, sharedQuery: Bool) {
        let (b, h) = job.quotientAndRemainder(dividingBy: heads)
        (batch, column, self.headDim, self.queryLength, self.keyLength, self.sharedQuery) = (b, h * headDim, headDim, queryLength, keyLength, sharedQuery)
    }

    /// The first element of this head's block in a window whose items have `length` rows each.
    func origin(_ window: ColumnSlice, length: Int) -> UnsafeMutablePointer<Float> {
        window.origin + batch * length * window.rowStride + column
    }

    /// This head's query rows (the same rows for every item when the query is shared).
    func queryOrigin(_ query: ColumnSlice) -> UnsafeMutablePointer<Float> {
        query.origin + (sharedQuery ? 0 : batch * queryLength) * query.rowStride + column
    }

    /// `softmax(q·kᵀ/√d)` for this head, `[queryLength × keyLength]`, into `buffer`.
    func probabilities(query: ColumnSlice, key: ColumnSlice, into buffer: UnsafeMutablePointer<Float>) {
        BLAS.sgemm(m: queryLength, n: keyLength, k: headDim, alpha: 1 / Float(headDim).squareRoot(),
                   a: queryOrigin(query), lda: query.rowStride, b: origin(key, length: keyLength), ldb: key.rowStride, transposeB: true,
                   beta: 0, c: buffer, ldc: keyLength)
        softmaxRows(buffer, rows: queryLength, columns: keyLength, stride: keyLength)
    }
}
