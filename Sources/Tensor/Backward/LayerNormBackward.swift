/// The gradients of `layerNorm(x, weight, bias, eps)` given `gradOutput`: adds `dL/dx` into `inputGradient`
/// and `dL/dweight`, `dL/dbias` into `weightGradient` and `biasGradient` (any may be nil to skip it).
///
/// With `x̂ = (x − μ)·r`, `r = 1/√(σ² + ε)` and `g = dy·w`, the input gradient is
/// `r·(g − mean(g) − x̂·mean(g·x̂))`; the statistics are recomputed from `x` as the forward pass did.
public func layerNormBackward(input x: Tensor, weight: Tensor, eps: Float, gradOutput dy: Tensor,
                              inputGradient: Tensor?, weightGradient: Tensor?, biasGradient: Tensor?) {
    let n = x.columns, rows = x.rows
    precondition(dy.shape == x.shape && weight.count == n, "layerNormBackward: shapes differ")
    precondition(inputGradient.map { $0.count == x.count } ?? true, "layerNormBackward: input gradient has the wrong size")
    let mean = Tensor(zeros: [rows]), inverseStd = Tensor(zeros: [rows])
    Compute.parallelFor(rows, cost: 12.0 * Double(x.count)) { range in
        for r in range {
            let row = x.data + r * n, g = dy.data + r * n
            var sum: Float = 0
            for j in 0..<n { sum += row[j] }
            let mu = sum / Float(n)
            var squares: Float = 0
            for j in 0..<n { let d = row[j] - mu; squares += d * d }
            let rstd = 1 / (squares / Float(n) + eps).squareRoot()
            mean.data[r] = mu
            inverseStd.data[r] = rstd
            guard let inputGradient else { continue }
            var meanG: Float = 0, meanGX: Float = 0
            for j in 0..<n {
                let gw = g[j] * weight.data[j]
                meanG += gw
                meanGX += gw * (row[j] - mu) * rstd
            }
            meanG /= Float(n)
            meanGX /= Float(n)
            let dx = inputGradient.data + r * n
            for j in 0..<n {
                let xhat = (row[j] - mu) * rstd
                dx[j] += rstd * (g[j] * weight.data[j] - meanG - xhat * meanGX)
            }
        }
    }
    guard weightGradient != nil || biasGradient != nil else { return }
    // Split by columns so each thread owns its slice of the parameter gradients.
    Compute.parallelFor(n, cost: 4.0 * Double(x.count)) { columns in
        for r in 0..<rows {
            let row = x.data + r * n, g = dy.data + r * n
            let mu = mean.data[r], rstd = inverseStd.data[r]
            for j in columns {
                if let weightGradient { weightGradient.data[j] += g[j] * (row[j] - mu) * rstd }
                if let biasGradient { biasGradient.data[j] += g[j] }
            }
        }
    }
}
