import Foundation
#if canImport(Accelerate)
import Accelerate
#else
#if canImport(COpenBLAS)
import COpenBLAS
#endif
#if canImport(CDNNL)
import CDNNL
#endif
#endif

/// A library that multiplies Float32 matrices for the kernels.
public enum GEMMBackend: String, Sendable, CaseIterable {
    /// OpenBLAS `cblas_sgemm` (Linux).
    case openBLAS = "openblas"
    /// oneDNN `dnnl_sgemm` (Linux): JIT-generated AVX-512 kernels.
    case oneDNN = "onednn"
    /// Apple's Accelerate `cblas_sgemm` (macOS).
    case accelerate

    /// The libraries this build links.
    public static var available: [GEMMBackend] {
        #if canImport(Accelerate)
        return [.accelerate]
        #elseif canImport(CDNNL)
        return [.oneDNN, .openBLAS]
        #else
        return [.openBLAS]
        #endif
    }
}

/// Single-precision GEMM through the chosen library. Every call is single-threaded: `Compute` owns the threads.
public enum BLAS {
    /// The library in use: `SIGLIP_GEMM=openblas|onednn` in the environment, else the fastest measured here.
    nonisolated(unsafe) public static var backend: GEMMBackend = defaultBackend

    /// The library's name, for diagnostics and benchmarks.
    public static var name: String {
        switch backend {
        case .accelerate: return "Accelerate"
        case .oneDNN: return "oneDNN"
        case .openBLAS:
            #if canImport(COpenBLAS) && !canImport(Accelerate)
            return "OpenBLAS (\(String(cString: openblas_get_corename())))"
            #else
            return "OpenBLAS"
            #endif
        }
    }

    /// oneDNN's JIT kernels ran the encoder's GEMM shapes 1.4–1.5× faster than Debian's OpenBLAS here
    /// (docs/PERFORMANCE.md); OpenBLAS stays available as the fallback.
    static var defaultBackend: GEMMBackend {
        #if canImport(Accelerate)
        return .accelerate
        #else
        if let name = ProcessInfo.processInfo.environment["SIGLIP_GEMM"], let chosen = GEMMBackend(rawValue: name.lowercased()) {
            return chosen
        }
        #if canImport(CDNNL)
        return .oneDNN
        #else
        return .openBLAS
        #endif
        #endif
    }

    private static let pinOnce: Void = {
        #if canImport(COpenBLAS) && !canImport(Accelerate)
        openblas_set_num_threads(1)
        #endif
    }()

    /// Makes the BLAS library run in the calling thread only (see `Compute`).
    static func pinSingleThreaded() { _ = pinOnce }

    /// `C[m×n] = alpha · op(A) · op(B) + beta · C`, row-major, where op(A) is `A[m×k]` or, with `transposeA`,
    /// `A[k×m]ᵀ`, and op(B) is `B[k×n]` or, with `transposeB`, `B[n×k]ᵀ` (the `[out, in]` weight layout).
    /// `lda`, `ldb`, `ldc` are row strides.
    @inline(__always)
    static func sgemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        #if !canImport(Accelerate) && canImport(CDNNL)
        if backend == .oneDNN {
            // One thread per call: the calling thread is one of Compute's workers.
            omp_set_num_threads(1)
            let t = { (flag: Bool) -> CChar in CChar(UInt8(ascii: flag ? "T" : "N")) }
            _ = dnnl_sgemm(t(transposeA), t(transposeB), Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
                           b, Int64(ldb), beta, c, Int64(ldc))
            return
        }
        #endif
        pinSingleThreaded()
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    /// Both OpenBLAS (this build) and Accelerate's classic CBLAS interface take 32-bit dimensions.
    @inline(__always) private static func blasInt(_ x: Int) -> Int32 { Int32(x) }
}
