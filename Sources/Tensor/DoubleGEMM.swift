#if canImport(Accelerate)
import Accelerate
#elseif canImport(COpenBLAS)
import COpenBLAS
#endif

extension BLAS {
    /// `C[m×n] = op(A)·op(B) + beta·C` in Float64, row-major and densely packed: op(A) is `A[m×k]` or, with
    /// `transposeA`, `A[k×m]ᵀ`; op(B) is `B[k×n]` or, with `transposeB`, `B[n×k]ᵀ`. Single-threaded like `sgemm`;
    /// for solvers (a probe's logistic regression) whose optimum must not move with float32 rounding.
    public static func dgemm(
        m: Int, n: Int, k: Int,
        a: UnsafeBufferPointer<Double>, transposeA: Bool = false,
        b: UnsafeBufferPointer<Double>, transposeB: Bool = false,
        beta: Double = 0, c: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "dgemm: a buffer is smaller than its matrix")
        guard m > 0, n > 0 else { return }
        guard k > 0, let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else {
            // An empty inner dimension adds nothing: C = beta·C.
            for i in 0..<(m * n) { c[i] *= beta }
            return
        }
        pinSingleThreaded()
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, pa, Int32(transposeA ? m : k), pb, Int32(transposeB ? k : n), beta, pc, Int32(n))
    }
}
