/// Multi-head scaled dot-product attention: per batch item and head, `softmax(q·kᵀ/√d)·v`, with no mask, or
/// with `causal` each query row attending only to the keys at or before its own position (CLIP's text tower).
///
/// `query`, `key` and `value` are column windows `heads·headDim` wide (typically of one fused projection),
/// whose rows are grouped by batch item: `queryLength` rows per item, or the same rows for every item when
/// `sharedQuery` is set (a learned probe). The result is `[batch·queryLength, heads·headDim]` with the
/// heads side by side, ready for the output projection.
///
/// `keyLengths`, when given, masks keys: item `b` attends only to its first `keyLengths[b]` keys (at least one),
/// the rest being padding. This equals adding a mask of the most negative float to the masked scores, whose
/// exponentials underflow to exactly zero; skipping them also skips their work.
public func attention(
    query: ColumnSlice, key: ColumnSlice, value: ColumnSlice,
    batch: Int, queryLength: Int, keyLength: Int, heads: Int, sharedQuery: Bool = false, keyLengths: [Int]? = nil,
    causal: Bool = false
) -> Tensor {
    let width = query.width
    precondition(!causal || queryLength == keyLength, "attention: a causal mask needs as many queries as keys")
    precondition(width % heads == 0 && key.width == width && value.width == width, "attention: widths do not split into \(heads) heads")
    precondition(key.rows == batch * keyLength && value.rows == batch * keyLength, "attention: key rows are not batch × keyLength")
    precondition(query.rows == (sharedQuery ? queryLength : batch * queryLength), "attention: query rows do not match")
    precondition(keyLengths.map { $0.count == batch && $0.allSatisfy { (1...keyLength).contains($0) } } ?? true,
                 "attention: keyLengths needs one count in 1...keyLength per batch item")
    let headDim = width / heads
    let out = Tensor(uninitialized: [batch * queryLength, width])   // each head's GEMM writes its columns
    let jobs = batch * heads
    let cost = 4.0 * Double(jobs) * Double(queryLength) * Double(keyLength) * Double(headDim)

    Compute.parallelFor(jobs, cost: cost) { range in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryLength * keyLength)
        defer { scores.deallocate() }
        for job in range {
            var head = HeadJob(job, heads: heads, headDim: headDim, queryLength: queryLength, keyLength: keyLength, sharedQuery: sharedQuery)
            if let keyLengths { head.keys = keyLengths[head.batch] }
            head.probabilities(query: query, key: key, into: scores, causal: causal)
            BLAS.sgemm(m: queryLength, n: headDim, k: head.keys,
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
    /// The keys attended to: the first `keys` of the item's `keyLength` (all of them unless masked).
    var keys: Int

    init(_ job: Int, heads: Int, headDim: Int, queryLength: Int, keyLength: Int, sharedQuery: Bool) {
        let (b, h) = job.quotientAndRemainder(dividingBy: heads)
        (batch, column, self.headDim, self.queryLength, self.keyLength, self.sharedQuery) = (b, h * headDim, headDim, queryLength, keyLength, sharedQuery)
        keys = keyLength
    }

    /// The first element of this head's block in a window whose items have `length` rows each.
    func origin(_ window: ColumnSlice, length: Int) -> UnsafeMutablePointer<Float> {
        window.origin + batch * length * window.rowStride + column
    }

    /// This head's query rows (the same rows for every item when the query is shared).
    func queryOrigin(_ query: ColumnSlice) -> UnsafeMutablePointer<Float> {
        query.origin + (sharedQuery ? 0 : batch * queryLength) * query.rowStride + column
    }

    /// `softmax(q·kᵀ/√d)` for this head, `[queryLength × keys]` with row stride `keyLength`, into `buffer`; with
    /// `causal`, row i's softmax runs over keys 0...i only and its later keys get exactly 0 (as the reference's
    /// −∞ mask gives).
    func probabilities(query: ColumnSlice, key: ColumnSlice, into buffer: UnsafeMutablePointer<Float>, causal: Bool = false) {
        BLAS.sgemm(m: queryLength, n: keys, k: headDim, alpha: 1 / Float(headDim).squareRoot(),
                   a: queryOrigin(query), lda: query.rowStride, b: origin(key, length: keyLength), ldb: key.rowStride, transposeB: true,
                   beta: 0, c: buffer, ldc: keyLength)
        guard causal else {
            softmaxRows(buffer, rows: queryLength, columns: keys, stride: keyLength)
            return
        }
        for i in 0..<queryLength {
            let row = buffer + i * keyLength
            let visible = min(i + 1, keys)
            softmaxRows(row, rows: 1, columns: visible, stride: keyLength)
            (row + visible).update(repeating: 0, count: keys - visible)
        }
    }
}
