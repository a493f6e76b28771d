import Foundation
import Testing
import Tensor

/// Deterministic pseudo-random floats in [-1, 1), so failures reproduce.
struct Noise {
    var bits: SplitMix64
    init(seed: UInt64) { bits = SplitMix64(seed: seed) }
    mutating func next() -> Float { bits.float(in: -1...1) }
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in next() * scale })
    }
}

/// x·Wᵀ + b in double precision, the textbook definition.
func referenceLinear(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> [Double] {
    let (m, k, n) = (x.rows, x.columns, w.shape[0])
    var y = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = Double(b?[j] ?? 0)
            for p in 0..<k { s += Double(x[i * k + p]) * Double(w[j * k + p]) }
            y[i * n + j] = s
        }
    }
    return y
}

/// Largest |a − b|; a size mismatch (which `zip` would hide by truncating) or an empty pair counts as infinitely far.
func maxDifference(_ a: Tensor, _ b: [Double]) -> Double {
    guard a.count == b.count, !b.isEmpty else { return .infinity }
    return zip(a.scalars, b).map { abs(Double($0) - $1) }.max() ?? .infinity
}

@Suite("Kernels against their textbook definitions")
struct KernelTests {
    @Test("linear, split by rows or by columns, with every epilogue", arguments: [(1, 300, 70), (5, 64, 33), (200, 96, 130), (3, 2048, 40)])
    func linearLayer(m: Int, n: Int, k: Int) {
        var noise = Noise(seed: UInt64(m * 1000 + n))
        let x = noise.tensor([m, k]), w = noise.tensor([n, k]), b = noise.tensor([n])
        let expected = referenceLinear(x, w, b)
        #expect(maxDifference(linear(x, weight: w, bias: b), expected) < 1e-4)

        let residual = noise.tensor([m, n])
        let before = residual.scalars
        linear(x, weight: w, bias: b, epilogue: .addInto(residual))
        #expect(maxDifference(residual, zip(before, expected).map { Double($0) + $1 }) < 1e-4)

        let activated = linear(x, weight: w, bias: b, epilogue: .gelu(.tanh))
        let geluExpected = expected.map { v in 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))) }
        #expect(maxDifference(activated, geluExpected) < 1e-4)
    }

    #if os(Linux)
    @Test("every GEMM library gives the same products", arguments: [GEMMBackend.openBLAS, .oneDNN])
    func everyBackend(backend: GEMMBackend) {
        var noise = Noise(seed: 5)
        let x = noise.tensor([70, 96]), w = noise.tensor([130, 96]), b = noise.tensor([130])
        let saved = BLAS.backend
        defer { BLAS.backend = saved }
        BLAS.backend = backend
        #expect(maxDifference(linear(x, weight: w, bias: b), referenceLinear(x, w, b)) < 1e-4, "\(backend)")
        let qkv = noise.tensor([2 * 9, 3 * 32])
        let out = attention(query: qkv.columns(0..<32), key: qkv.columns(32..<64), value: qkv.columns(64..<96),
                            batch: 2, queryLength: 9, keyLength: 9, heads: 4)
        #expect(maxDifference(out, AttentionTests().reference(qkv, batch: 2, length: 9, heads: 4)) < 1e-5, "\(backend)")
    }
    #endif

    @Test func linearUsesAllThreadCounts() {
        var noise = Noise(seed: 7)
        let x = noise.tensor([300, 256]), w = noise.tensor([512, 256]), b = noise.tensor([512])
        let expected = referenceLinear(x, w, b)
        let saved = Compute.threads
        defer { Compute.threads = saved }
        for threads in [1, 2, 3] {
            Compute.threads = threads
            #expect(maxDifference(linear(x, weight: w, bias: b), expected) < 1e-3, "\(threads) threads")
        }
    }

    @Test func vectorExponentialMatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD16<Float>((0..<16).map { x + Float($0) * 0.0037 })
            let e = exp(lanes)
            for i in 0..<16 {
                let reference = Foundation.exp(Double(lanes[i]))
                worst = max(worst, Float(abs(Double(e[i]) - reference) / reference))
            }
            x += 0.0591
        }
        #expect(worst < 3e-7, "relative error \(worst)")
        #expect(exp(SIMD16<Float>(repeating: -200))[0] < 1.2e-38)
    }

    @Test func geluVariants() {
        for v: Float in [-6, -2.5, -1, -0.3, 0, 0.001, 0.5, 1.7, 4, 9] {
            let x = Double(v)
            let tanhForm = 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
            let erfForm = 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
            #expect(abs(Double(GELU.tanh(v)) - tanhForm) <= 2e-7 * max(1, abs(x)), "tanh-GELU(\(v))")
            #expect(abs(Double(GELU.erf(v)) - erfForm) <= 2e-7 * max(1, abs(x)), "erf-GELU(\(v))")
        }
    }

    @Test("layer norm", arguments: [7, 16, 64, 1153])
    func layerNormRows(width: Int) {
        var noise = Noise(seed: UInt64(width))
        let x = noise.tensor([5, width], scale: 3), w = noise.tensor([width]), b = noise.tensor([width])
        let y = layerNorm(x, weight: w, bias: b, eps: 1e-6)
        var expected: [Double] = []
        for r in 0..<5 {
            let row = (0..<width).map { Double(x[r * width + $0]) }
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            expected += row.enumerated().map { j, v in (v - mean) / (variance + 1e-6).squareRoot() * Double(w[j]) + Double(b[j]) }
        }
        #expect(maxDifference(y, expected) < 1e-5)
    }

    @Test func l2Normalisation() {
        let x = Tensor(shape: [3, 2], values: [3, 4, 0, 0, -1, 0])
        #expect(l2Normalized(x).scalars == [0.6, 0.8, 0, 0, -1, 0])
    }
}
