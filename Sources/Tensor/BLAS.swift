#if canImport(Accelerate)
import Accelerate
#elseif canImport(COpenBLAS)
import COpenBLAS
#endif

/// The system BLAS: OpenBLAS on Linux, Accelerate on Apple platforms. Only single-precision GEMM is used.
public enum BLAS {
    /// The GEMM library's name, for diagnostics and benchmarks.
    public static var name: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return "OpenBLAS (\(String(cString: openblas_get_corename())))"
        #endif
    }

    private static let pinOnce: Void = {
        #if canImport(COpenBLAS) && !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
    }()

    /// Makes the BLAS library run in the calling thread only (see `Compute`).
    static func pinSingleThreaded() { _ = pinOnce }

    /// `C[m×n] = alpha · A[m×k] · op(B) + beta · C`, row-major, where op(B) is `B[k×n]` or, with
    /// `transposeB`, `B[n×k]ᵀ` (the `[out, in]` weight layout). `lda`, `ldb`, `ldc` are row strides.
    @inline(__always)
    static func sgemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        pinSingleThreaded()
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    /// Both OpenBLAS (this build) and Accelerate's classic CBLAS interface take 32-bit dimensions.
    @inline(__always) private static func blasInt(_ x: Int) -> Int32 { Int32(x) }
}
