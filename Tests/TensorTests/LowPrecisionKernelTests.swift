import Testing
import Tensor

/// `x` rounded to bfloat16 (nearest even), as the kernels round weights and activations.
func bf16Rounded(_ x: Float) -> Float {
    let bits = x.bitPattern
    return Float(bitPattern: ((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16) << 16)
}

/// For every output element, Σ_k |x[i, k]|·|w[j, k]|: the scale rounding errors are measured against.
func magnitudeSums(_ x: Tensor, _ w: Tensor) -> [Double] {
    referenceLinear(Tensor(shape: x.shape, values: x.scalars.map(abs)), Tensor(shape: w.shape, values: w.scalars.map(abs)), nil)
}

@Suite("bf16 and int8 linear kernels against float references, on shapes that are not multiples of the blocks")
struct LowPrecisionKernelTests {
    /// (m, n, k): rows not a multiple of the 8-row micro-kernel, columns not a multiple of the 32-column panel,
    /// reductions not a multiple of the bf16 pair or int8 quad; (3, 2048, 41) splits the work by columns.
    static let shapes = [(1, 300, 70), (13, 45, 37), (70, 100, 130), (3, 2048, 41), (200, 33, 7), (9, 1, 1)]

    @Test("bf16: exact sums of the rounded operands, within bf16 rounding of the fp32 product", arguments: shapes)
    func bf16(m: Int, n: Int, k: Int) {
        var noise = Noise(seed: UInt64(m * 7919 + n * 31 + k))
        let x = noise.tensor([m, k]), w = noise.tensor([n, k]), b = noise.tensor([n])
        let rounded = referenceLinear(Tensor(shape: x.shape, values: x.scalars.map(bf16Rounded)),
                                      Tensor(shape: w.shape, values: w.scalars.map(bf16Rounded)), b)
        let exact = referenceLinear(x, w, b), magnitude = magnitudeSums(x, w)
        for portable in [false, true] {
            let y = linear(x, weight: w, bias: b, packed: PackedWeight(w, precision: .bf16, portable: portable))
            #expect(y.count == m * n)
            // The only error left against the rounded operands is fp32 summation: k additions of terms ≤ Σ|x||w|.
            for (i, v) in y.scalars.enumerated() {
                #expect(abs(Double(v) - rounded[i]) <= Double(k + 1) * 0x1p-24 * (magnitude[i] + 1), "portable \(portable) at \(i)")
                // bf16 keeps 8 significant bits: each operand rounds by at most 2⁻⁸ relative, each product by about 2⁻⁷.
                #expect(abs(Double(v) - exact[i]) <= 0x1p-7 * magnitude[i] + Double(k + 1) * 0x1p-24 * (magnitude[i] + 1), "portable \(portable) at \(i)")
            }
        }
    }

    @Test("int8: within the quantisation error bound of the fp32 product; AVX-512 VNNI and portable agree exactly", arguments: shapes)
    func int8(m: Int, n: Int, k: Int) {
        var noise = Noise(seed: UInt64(m * 104_729 + n * 17 + k))
        // Activations shifted off zero, so the zero point is not trivial.
        let x = Tensor(shape: [m, k], values: noise.tensor([m, k]).scalars.map { $0 * 3 + 0.7 })
        let w = noise.tensor([n, k], scale: 0.2), b = noise.tensor([n])
        let exact = referenceLinear(x, w, b)
        let fast = linear(x, weight: w, bias: b, packed: PackedWeight(w, precision: .int8, portable: false))
        let portable = linear(x, weight: w, bias: b, packed: PackedWeight(w, precision: .int8, portable: true))
        #expect(fast.scalars == portable.scalars)
        // x = sₓ(q − z) + eₓ with |eₓ| ≤ sₓ/2 and w = s_w·q + e_w with |e_w| ≤ s_w/2, so
        // |y − ŷ| ≤ sₓ/2·Σ|w| + s_w/2·Σ|x| + k·sₓ·s_w/4 (plus float rounding in the epilogue).
        for i in 0..<m {
            let row = (0..<k).map { x[i * k + $0] }
            let sx = Double(max(row.max()!, 0) - min(row.min()!, 0)) / 255
            for j in 0..<n {
                let col = (0..<k).map { w[j * k + $0] }
                let sw = Double(col.map(abs).max()!) / 127
                let bound = sx / 2 * col.reduce(0) { $0 + Double(abs($1)) } * 1.01 + sw / 2 * row.reduce(0) { $0 + Double(abs($1)) } * 1.01
                    + Double(k) * sx * sw / 4 + 1e-5 * (1 + abs(exact[i * n + j]))
                #expect(abs(Double(fast[i * n + j]) - exact[i * n + j]) <= bound, "row \(i) column \(j)")
            }
        }
    }

    @Test("the accumulate and GELU epilogues act on low-precision products as on fp32 ones", arguments: [Precision.bf16, .int8])
    func epilogues(precision: Precision) {
        var noise = Noise(seed: 42)
        for (m, n, k) in [(3, 2048, 41), (70, 100, 130)] {
            let x = noise.tensor([m, k]), w = noise.tensor([n, k]), b = noise.tensor([n]), residual = noise.tensor([m, n])
            let packed = PackedWeight(w, precision: precision)
            let plain = linear(x, weight: w, bias: b, packed: packed)
            let sum = residual.copy()
            linear(x, weight: w, bias: b, epilogue: .addInto(sum), packed: packed)
            let activated = linear(x, weight: w, bias: b, epilogue: .gelu(.tanh), packed: packed)
            let reference = plain.copy()
            GELU.tanh.apply(reference.data, count: reference.count)
            for i in 0..<m * n {
                #expect(abs(sum[i] - (residual[i] + plain[i])) <= 1e-5 * (1 + abs(sum[i])))
                #expect(abs(activated[i] - reference[i]) <= 1e-6 * (1 + abs(reference[i])))
            }
        }
    }

    @Test("the CPU checks agree with what the kernels report")
    func kernelNames() {
        #expect(LowPrecisionKernels.name(.bf16) == (LowPrecisionKernels.cpuHasBF16 && !LowPrecisionKernels.forcePortable ? "AVX-512 BF16" : "portable bf16"))
        #expect(LowPrecisionKernels.name(.int8) == (LowPrecisionKernels.cpuHasVNNI && !LowPrecisionKernels.forcePortable ? "AVX-512 VNNI" : "portable int8"))
    }
}
