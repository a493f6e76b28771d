import Foundation
#if canImport(CLowPrecision)
import CLowPrecision
#endif

/// The number format of a model's linear-layer weights and products.
public enum Precision: String, Sendable, CaseIterable {
    /// Float32 weights and products (the reference).
    case fp32
    /// bfloat16 weights and activations, float32 sums (AVX-512 BF16 `vdpbf16ps` where the CPU has it).
    case bf16
    /// Per-output-channel symmetric int8 weights, per-row asymmetric u8 activations, int32 sums
    /// (AVX-512 VNNI `vpdpbusd` where the CPU has it). LayerNorm, softmax and GELU stay float32.
    case int8
}

/// Which low-precision kernels run: the AVX-512 instructions when the CPU has them, else portable C loops
/// over the same packed layout.
public enum LowPrecisionKernels {
    /// `SIGLIP_LOWP_PORTABLE=1` in the environment forces the portable loops (for testing the fallback);
    /// read when weights are packed, so set it before loading a model.
    nonisolated(unsafe) public static var forcePortable: Bool =
        ProcessInfo.processInfo.environment["SIGLIP_LOWP_PORTABLE"].map { $0 != "" && $0 != "0" } ?? false

    /// Whether this CPU has AVX-512 BF16 dot products.
    public static var cpuHasBF16: Bool {
        #if canImport(CLowPrecision)
        lowp_cpu_has_bf16() != 0
        #else
        false
        #endif
    }

    /// Whether this CPU has AVX-512 VNNI dot products.
    public static var cpuHasVNNI: Bool {
        #if canImport(CLowPrecision)
        lowp_cpu_has_vnni() != 0
        #else
        false
        #endif
    }

    /// The kernel `precision` runs on here, for diagnostics and benchmarks.
    public static func name(_ precision: Precision) -> String {
        switch precision {
        case .fp32: return BLAS.name
        case .bf16: return !forcePortable && cpuHasBF16 ? "AVX-512 BF16" : "portable bf16"
        case .int8: return !forcePortable && cpuHasVNNI ? "AVX-512 VNNI" : "portable int8"
        }
    }
}
