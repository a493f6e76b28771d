import Foundation
import Tensor
import Testing

/// The backward kernels on inputs large enough to be split across threads (the model fixtures are too small
/// for that), against textbook definitions evaluated in double precision.
@Suite("Backward kernels on multi-threaded sizes")
struct BackwardKernelTests {
    func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let values = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        return Tensor(shape: shape, values: values)
    }

    @Test("matmul with either operand transposed, fresh and accumulating", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulTransposes(transposeA: Bool, transposeB: Bool) {
        let (m, n, k) = (300, 260, 280)   // 2·m·n·k ≈ 4.4e7 flops: split into row panels
        let a = random(transposeA ? [k, m] : [m, k], seed: 1), b = random(transposeB ? [n, k] : [k, n], seed: 2)
        let start = random([m, n], seed: 3)
        let c = matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, accumulating: start.copy())
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k {
                    s += Double(transposeA ? a.data[l * m + i] : a.data[i * k + l]) * Double(transposeB ? b.data[j * k + l] : b.data[l * n + j])
                }
                worst = max(worst, abs(Double(c.data[i * n + j]) - (Double(start.data[i * n + j]) + 0.5 * s)))
            }
        }
        #expect(worst <= 1e-4, "max |Δ| \(worst)")
    }

    @Test("layerNormBackward against the closed form in double precision")
    func layerNorm() {
        let (rows, n) = (2100, 800)   // 12·rows·n ≈ 2e7: rows and columns both split
        let x = random([rows, n], seed: 4), w = random([n], seed: 5), dy = random([rows, n], seed: 6)
        let dx = Tensor(zeros: x.shape), dw = Tensor(zeros: [n]), db = Tensor(zeros: [n])
        layerNormBackward(input: x, weight: w, eps: 1e-6, gradOutput: dy, inputGradient: dx, weightGradient: dw, biasGradient: db)
        var dwRef = [Double](repeating: 0, count: n), dbRef = dwRef, worstX = 0.0
        for r in 0..<rows {
            let row = (0..<n).map { Double(x.data[r * n + $0]) }, g = (0..<n).map { Double(dy.data[r * n + $0]) }
            let mean = row.reduce(0, +) / Double(n)
            let rstd = 1 / (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n) + 1e-6).squareRoot()
            let xhat = row.map { ($0 - mean) * rstd }
            let gw = (0..<n).map { g[$0] * Double(w.data[$0]) }
            let meanG = gw.reduce(0, +) / Double(n), meanGX = zip(gw, xhat).map(*).reduce(0, +) / Double(n)
            for j in 0..<n {
                worstX = max(worstX, abs(Double(dx.data[r * n + j]) - rstd * (gw[j] - meanG - xhat[j] * meanGX)))
                dwRef[j] += g[j] * xhat[j]
                dbRef[j] += g[j]
            }
        }
        let worstW = (0..<n).map { abs(Double(dw.data[$0]) - dwRef[$0]) }.max()!
        let worstB = (0..<n).map { abs(Double(db.data[$0]) - dbRef[$0]) }.max()!
        #expect(worstX <= 1e-4 && worstW <= 1e-2 && worstB <= 1e-3, "dx \(worstX) dw \(worstW) db \(worstB)")
    }

    @Test("GELU derivatives against the textbook formulas", arguments: [GELU.tanh, GELU.erf, GELU.quick])
    func gelu(kind: GELU) {
        let x = random([40_000], seed: 7)
        affine(x, scale: 8, shift: 0)   // −8…8: both tails and the middle
        let g = Tensor(shape: x.shape, values: .init(repeating: 1, count: x.count))
        kind.backward(input: x, gradient: g)
        var worst = 0.0
        for i in 0..<x.count {
            let v = Double(x.data[i])
            let expected: Double
            switch kind {
            case .tanh:
                let c = (2 / Double.pi).squareRoot(), u = c * (v + 0.044715 * v * v * v), t = Foundation.tanh(u)
                expected = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
            case .erf:
                expected = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())) + v * Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            case .quick:
                let s = 1 / (1 + Foundation.exp(-1.702 * v))
                expected = s + 1.702 * v * s * (1 - s)
            }
            worst = max(worst, abs(Double(g.data[i]) - expected))
        }
        #expect(worst <= 1e-5, "max |Δ| \(worst)")
    }

    @Test("attentionBackward agrees with a directional derivative of attention", arguments: [false, true])
    func attentionGradient(sharedQuery: Bool) {
        let (batch, heads, length, width) = (4, 4, 64, 128)   // ≈ 2e7 flops: split across threads
        let queryRows = sharedQuery ? 1 : length
        let q = random([sharedQuery ? queryRows : batch * queryRows, width], seed: 8)
        let kv = random([batch * length, 2 * width], seed: 9)
        let r = random([batch * queryRows, width], seed: 10)
        func objective(_ q: Tensor, _ kv: Tensor) -> Double {
            let o = attention(query: q.columns(0..<width), key: kv.columns(0..<width), value: kv.columns(width..<2 * width),
                              batch: batch, queryLength: queryRows, keyLength: length, heads: heads, sharedQuery: sharedQuery)
            return dot(o, r)
        }
        let dq = Tensor(zeros: [batch * queryRows, width]), dkv = Tensor(zeros: kv.shape)
        attentionBackward(query: q.columns(0..<width), key: kv.columns(0..<width), value: kv.columns(width..<2 * width), gradOutput: r,
                          queryGradient: dq.columns(0..<width), keyGradient: dkv.columns(0..<width), valueGradient: dkv.columns(width..<2 * width),
                          batch: batch, queryLength: queryRows, keyLength: length, heads: heads, sharedQuery: sharedQuery)
        let dQuery = Tensor(zeros: q.shape)
        sumRepeating(dq, into: dQuery)   // a shared probe's gradient is the sum of the items' shares

        // ⟨∇, E⟩ against (f(θ + εE) − f(θ − εE)) / 2ε along a random direction E, for q and for k/v together.
        let eps: Float = 1e-2
        for (input, gradient, seed) in [(q, dQuery, UInt64(11)), (kv, dkv, UInt64(12))] {
            let direction = random(input.shape, seed: seed)
            let plus = input.copy(), minus = input.copy()
            addScaled(direction, eps, to: plus)
            addScaled(direction, -eps, to: minus)
            let numeric = input === q ? (objective(plus, kv) - objective(minus, kv)) / Double(2 * eps)
                                      : (objective(q, plus) - objective(q, minus)) / Double(2 * eps)
            let analytic = dot(gradient, direction)
            #expect(abs(numeric - analytic) <= 1e-2 * max(1, abs(analytic)), "numeric \(numeric) vs analytic \(analytic)")
        }
    }
}
