/// The interpolation kernels SigLIP checkpoints ask for, with Pillow's numeric codes.
public enum ResampleFilter: Int, Sendable, CaseIterable {
    /// Triangle filter, support 1 (Pillow `Image.BILINEAR`, code 2; SigLIP 2).
    case bilinear = 2
    /// Keys cubic with a = -0.5, support 2 (Pillow `Image.BICUBIC`, code 3; SigLIP v1).
    case bicubic = 3

    /// Half-width of the kernel at scale 1.
    var support: Double {
        switch self {
        case .bilinear: return 1.0
        case .bicubic: return 2.0
        }
    }

    /// The kernel weight at distance `x`, evaluated in Pillow's operation order.
    @inline(__always)
    func weight(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .bilinear:
            return x < 1.0 ? 1.0 - x : 0.0
        case .bicubic:
            let a = -0.5
            if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
            if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0.0
        }
    }
}

/// Which axis Pillow resamples first; it matters because the image is rounded to 8 bits between passes.
public enum PassOrder: Sendable {
    /// Pillow 13: vertical first when shrinking height by more than twice the width reduction, else horizontal.
    case pillow13
    /// Pillow 12 and earlier: always horizontal, then vertical.
    case horizontalFirst
}
