import CKernels

/// The instruction set the vector kernels (LayerNorm, GELU, softmax, the backward passes, AdamW, image
/// resampling) run with. Each kernel is compiled for every one of them and picked at run time, so the package
/// needs no CPU flags and runs on any CPU of its architecture.
public enum InstructionSet: Int32, Sendable, CaseIterable, Comparable {
    /// The architecture's baseline (SSE2 on x86-64): products and sums rounded separately.
    case baseline = 0
    /// AVX2 with fused multiply-add.
    case avx2 = 1
    /// AVX-512 Foundation with fused multiply-add.
    case avx512 = 2

    /// The best instruction set this CPU and operating system run.
    public static let detected = InstructionSet(rawValue: ck_isa_detected()) ?? .baseline

    /// The instruction set in use: `detected`, or lower with `SIGLIP_KERNEL_ISA=baseline|avx2` in the environment.
    /// Setting a higher one than `detected` runs `detected` (the kernels never execute what the CPU lacks).
    nonisolated(unsafe) public static var current = InstructionSet(rawValue: ck_isa_selected()) ?? .baseline

    /// The name `SIGLIP_KERNEL_ISA` takes and benchmarks print.
    public var name: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    /// Orders the sets by what they include.
    public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }
}
