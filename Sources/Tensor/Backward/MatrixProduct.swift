/// `C = alpha · op(A) · op(B)`, or `C += …` into `accumulating`, where `op` optionally transposes.
///
/// The general product behind every backward pass: with the `[out, in]` weight layout, a linear layer's input
/// gradient is `dY·W` and its weight gradient `dYᵀ·X` (`transposeA`), so no operand is ever copied to be
/// transposed. Work is split into row panels of `C`, each one single-threaded GEMM.
@discardableResult
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1,
                   accumulating: Tensor? = nil) -> Tensor {
    let m = transposeA ? a.columns : a.rows, k = transposeA ? a.rows : a.columns
    let n = transposeB ? b.rows : b.columns
    precondition((transposeB ? b.columns : b.rows) == k, "matmul: inner dimensions \(a.shape) · \(b.shape) differ")
    let out = accumulating ?? Tensor(zeros: [m, n])
    precondition(out.rows == m && out.columns == n, "matmul: result \(out.shape) is not [\(m), \(n)]")
    let beta: Float = accumulating == nil ? 0 : 1
    guard k > 0 else { return out }
    Compute.parallelFor(m, cost: 2.0 * Double(m) * Double(n) * Double(k)) { rows in
        // A row panel of op(A) is a column window of A when A is transposed.
        let aPanel = a.data + (transposeA ? rows.lowerBound : rows.lowerBound * a.columns)
        BLAS.sgemm(m: rows.count, n: n, k: k, alpha: alpha,
                   a: aPanel, lda: a.columns, transposeA: transposeA,
                   b: b.data, ldb: b.columns, transposeB: transposeB,
                   beta: beta, c: out.data + rows.lowerBound * n, ldc: n)
    }
    return out
}
