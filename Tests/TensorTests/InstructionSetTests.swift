import CKernels
import Foundation
import Testing
import Tensor

/// Every instruction set this CPU runs, the baseline first (the model only ever runs the best one, so the others
/// are exercised here).
let runnableSets = InstructionSet.allCases.filter { $0 <= InstructionSet.detected }

/// `count` floats in [-scale, scale), the same for every call with this seed.
func noiseArray(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var noise = Noise(seed: seed)
    return (0..<count).map { _ in noise.next() * scale }
}

@Suite("Every compiled instruction-set variant of the vector kernels")
struct InstructionSetTests {
    #if os(Linux) && arch(x86_64)
    @Test("the detected set matches the CPU flags the kernel reports")
    func detection() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flagsLine = try #require(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") })
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        let expected: InstructionSet = flags.contains("avx512f") ? .avx512 : (flags.contains("avx2") && flags.contains("fma") ? .avx2 : .baseline)
        #expect(InstructionSet.detected == expected)
    }
    #endif

    @Test("a set above the CPU's is lowered to the detected one, not executed")
    func requestAboveCPU() {
        let x = noiseArray(37, seed: 1, scale: 10)
        var best = [Float](repeating: 0, count: 37), highest = best
        ck_exp(InstructionSet.detected.rawValue, x, &best, 37)
        ck_exp(InstructionSet.avx512.rawValue + 5, x, &highest, 37)
        #expect(best == highest)
    }

    @Test("eˣ within 3e-7 of libm, including a partial last vector", arguments: runnableSets)
    func exponential(isa: InstructionSet) {
        var worst: Double = 0, checked = 0
        var start: Float = -87
        while start < 88 {
            let x = (0..<37).map { start + Float($0) * 0.0037 }
            var y = [Float](repeating: 0, count: 37)
            ck_exp(isa.rawValue, x, &y, 37)
            for (v, e) in zip(x, y) {
                let reference = Foundation.exp(Double(v))
                worst = max(worst, abs(Double(e) - reference) / reference)
                checked += 1
            }
            start += 0.0591
        }
        #expect(checked > 100_000)
        #expect(worst < 3e-7, "\(isa.name): relative error \(worst)")
    }

    @Test("tanh-GELU and its derivative against double precision", arguments: runnableSets)
    func gelu(isa: InstructionSet) {
        let x = noiseArray(37, seed: 2, scale: 6)
        var y = x
        ck_gelu_tanh(isa.rawValue, &y, 37)
        var g = [Float](repeating: 1, count: 37)
        ck_gelu_tanh_backward(isa.rawValue, x, &g, 37)
        for i in 0..<37 {
            let v = Double(x[i]), c = 0.7978845608028654, u = c * (v + 0.044715 * v * v * v)
            let t = Foundation.tanh(u)
            let derivative = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
            #expect(abs(Double(y[i]) - 0.5 * v * (1 + t)) <= 3e-7 * max(1, abs(v)), "\(isa.name) at \(v)")
            // The slope term's factors reach ~10 for |x| near 6, so its roundings add up to ~2e-6 (1.97e-6 worst on a
            // dense grid over [-6, 6]).
            #expect(abs(Double(g[i]) - derivative) <= 2.5e-6, "\(isa.name) derivative at \(v)")
        }
    }

    @Test("softmax rows and their backward pass against double precision", arguments: runnableSets)
    func softmax(isa: InstructionSet) {
        let (rows, columns, stride) = (3, 37, 40)
        let x = noiseArray(rows * stride, seed: 3, scale: 8)
        var p = x
        ck_softmax_rows(isa.rawValue, &p, Int32(rows), Int32(columns), Int32(stride))
        let upstream = noiseArray(rows * columns, seed: 4)
        var dense = [Float](repeating: 0, count: rows * columns), g = upstream
        for r in 0..<rows { for j in 0..<columns { dense[r * columns + j] = p[r * stride + j] } }
        ck_softmax_backward_rows(isa.rawValue, dense, &g, Int32(rows), Int32(columns))
        for r in 0..<rows {
            let row = (0..<columns).map { Double(x[r * stride + $0]) }
            let m = row.max() ?? 0
            let e = row.map { Foundation.exp($0 - m) }
            let probabilities = e.map { $0 / e.reduce(0, +) }
            let dot = (0..<columns).reduce(0.0) { $0 + probabilities[$1] * Double(upstream[r * columns + $1]) }
            for j in 0..<columns {
                #expect(abs(Double(p[r * stride + j]) - probabilities[j]) <= 1e-7, "\(isa.name) row \(r)")
                let expected = probabilities[j] * (Double(upstream[r * columns + j]) - dot)
                #expect(abs(Double(g[r * columns + j]) - expected) <= 1e-7, "\(isa.name) gradient row \(r)")
            }
            // The padding between rows is not touched.
            #expect(p[r * stride + columns] == x[r * stride + columns])
        }
    }

    @Test("layer norm forward and backward against double precision", arguments: runnableSets)
    func layerNorm(isa: InstructionSet) {
        let (rows, n) = (4, 53)
        let x = noiseArray(rows * n, seed: 5, scale: 3), w = noiseArray(n, seed: 6), b = noiseArray(n, seed: 7)
        let dy = noiseArray(rows * n, seed: 8)
        var y = [Float](repeating: 0, count: rows * n), dx = [Float](repeating: 0.25, count: rows * n)
        var dw = [Float](repeating: 0, count: n), db = [Float](repeating: 0, count: n)
        ck_layer_norm_rows(isa.rawValue, x, &y, Int32(rows), Int32(n), w, b, 1e-6)
        var expectedDW = [Double](repeating: 0, count: n), expectedDB = [Double](repeating: 0, count: n)
        for r in 0..<rows {
            var mean: Float = 0, inverseStd: Float = 0
            ck_row_moments(isa.rawValue, Array(x[r * n..<(r + 1) * n]), Int32(n), 1e-6, &mean, &inverseStd)
            dx.withUnsafeMutableBufferPointer { dx in
                ck_layer_norm_backward_row(isa.rawValue, Array(x[r * n..<(r + 1) * n]), Array(dy[r * n..<(r + 1) * n]), w, Int32(n),
                                           mean, inverseStd, dx.baseAddress! + r * n)
            }
            ck_layer_norm_parameter_grads(isa.rawValue, Array(x[r * n..<(r + 1) * n]), Array(dy[r * n..<(r + 1) * n]), Int32(n),
                                          mean, inverseStd, &dw, &db)

            let row = (0..<n).map { Double(x[r * n + $0]) }, g = (0..<n).map { Double(dy[r * n + $0]) }
            let mu = row.reduce(0, +) / Double(n)
            let rstd = 1 / (row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(n) + 1e-6).squareRoot()
            #expect(abs(Double(mean) - mu) <= 1e-6 && abs(Double(inverseStd) - rstd) <= 1e-6 * rstd, "\(isa.name) moments of row \(r)")
            let xhat = row.map { ($0 - mu) * rstd }
            let gw = (0..<n).map { g[$0] * Double(w[$0]) }
            let meanG = gw.reduce(0, +) / Double(n), meanGX = zip(gw, xhat).map(*).reduce(0, +) / Double(n)
            for j in 0..<n {
                #expect(abs(Double(y[r * n + j]) - (xhat[j] * Double(w[j]) + Double(b[j]))) <= 1e-5, "\(isa.name) y[\(r), \(j)]")
                #expect(abs(Double(dx[r * n + j]) - (0.25 + rstd * (gw[j] - meanG - xhat[j] * meanGX))) <= 1e-5, "\(isa.name) dx[\(r), \(j)]")
                expectedDW[j] += g[j] * xhat[j]
                expectedDB[j] += g[j]
            }
        }
        for j in 0..<n {
            #expect(abs(Double(dw[j]) - expectedDW[j]) <= 1e-5 && abs(Double(db[j]) - expectedDB[j]) <= 1e-6, "\(isa.name) parameter gradient \(j)")
        }
    }

    @Test("add, axpy and AdamW: the scalar formulas, AdamW to the bit", arguments: runnableSets)
    func elementwise(isa: InstructionSet) {
        let n = 45
        let x = noiseArray(n, seed: 9), y0 = noiseArray(n, seed: 10)
        var sum = y0, axpy = y0
        ck_add(isa.rawValue, &sum, x, n)
        ck_axpy(isa.rawValue, &axpy, -0.37, x, n)
        for i in 0..<n {
            #expect(sum[i] == y0[i] + x[i])
            // Fused (one rounding) or not (two), within 1e-7 of the exact value for |x|, |y| < 1.
            #expect(abs(Double(axpy[i]) - (Double(y0[i]) + Double(Float(-0.37)) * Double(x[i]))) <= 1e-7, "\(isa.name) axpy \(i)")
        }

        var p = noiseArray(n, seed: 11), m = noiseArray(n, seed: 12, scale: 0.1), v = noiseArray(n, seed: 13).map { $0 * $0 }
        let g = noiseArray(n, seed: 14)
        var (ep, em, ev) = (p, m, v)
        for decay: Float in [0.999, 1] {
            ck_adamw(isa.rawValue, &p, g, &m, &v, n, decay, 0.1, 0.999, 0.001, 0.01, 0.3, 1e-8)
            for i in 0..<n {
                if decay != 1 { ep[i] *= decay }
                em[i] += 0.1 * (g[i] - em[i])
                ev[i] = ev[i] * 0.999 + 0.001 * g[i] * g[i]
                ep[i] -= 0.01 * em[i] / (ev[i].squareRoot() / 0.3 + 1e-8)
            }
            #expect(p == ep && m == em && v == ev, "\(isa.name) decay \(decay)")
        }
    }

    @Test("8-bit resampling passes give the fixed-point reference's bytes", arguments: runnableSets)
    func resampling(isa: InstructionSet) {
        // 7 × 6 RGB pixels into 5 × 4, three taps with a negative lobe (weights sum to 2²²), clamping both ways.
        let (width, height, outWidth, outHeight, taps, bits) = (7, 6, 5, 4, 3, Int32(22))
        var bits64 = SplitMix64(seed: 15)
        let src = (0..<width * height * 3).map { _ in UInt8(truncatingIfNeeded: bits64.next()) }
        let lobes: [Int32] = [-(1 << 20), 6 << 20, -(1 << 20)]
        func reference(_ value: (Int, Int) -> Int32, start: [Int], count: [Int], outputs: Int) -> [[Int32]] {
            (0..<outputs).map { o in (0..<3).map { c in
                var acc: Int32 = 1 << (bits - 1)
                for t in 0..<count[o] { acc &+= value(start[o] + t, c) &* lobes[t] }
                return min(max(acc >> bits, 0), 255)
            } }
        }
        let hStart = [0, 1, 2, 4, 5], hCount = [2, 3, 3, 3, 2]
        var horizontal = [UInt8](repeating: 0, count: outWidth * height * 3), scratch = [UInt8](repeating: 0, count: width * 16)
        ck_resample_horizontal(isa.rawValue, src, Int32(width), Int32(height), &horizontal, Int32(outWidth), hStart, hCount,
                               lobes + lobes + lobes + lobes + lobes, Int32(taps), bits, &scratch)
        let vStart = [0, 1, 3, 4], vCount = [3, 3, 2, 2]
        let rowBytes = width * 3
        var vertical = [UInt8](repeating: 0, count: rowBytes * outHeight)
        ck_resample_vertical(isa.rawValue, src, Int32(rowBytes), &vertical, Int32(outHeight), vStart, vCount,
                             lobes + lobes + lobes + lobes, Int32(taps), bits)
        var clamped = 0
        for y in 0..<height {
            let expected = reference({ x, c in Int32(src[(y * width + x) * 3 + c]) }, start: hStart, count: hCount, outputs: outWidth)
            for x in 0..<outWidth { for c in 0..<3 {
                #expect(horizontal[(y * outWidth + x) * 3 + c] == UInt8(expected[x][c]), "\(isa.name) horizontal (\(x), \(y))")
                if expected[x][c] == 0 || expected[x][c] == 255 { clamped += 1 }
            } }
        }
        for x in 0..<width {
            let expected = reference({ y, c in Int32(src[(y * width + x) * 3 + c]) }, start: vStart, count: vCount, outputs: outHeight)
            for y in 0..<outHeight { for c in 0..<3 {
                #expect(vertical[y * rowBytes + x * 3 + c] == UInt8(expected[y][c]), "\(isa.name) vertical (\(x), \(y))")
            } }
        }
        #expect(clamped > 0, "the input exercises the clamp")
    }
}
