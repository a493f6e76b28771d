import CKernels

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
    let isa = InstructionSet.current.rawValue
    Compute.parallelFor(rows, cost: 12.0 * Double(x.count)) { range in
        for r in range {
            // The statistics exactly as the forward pass computed them.
            ck_row_moments(isa, x.data + r * n, Int32(n), eps, mean.data + r, inverseStd.data + r)
            guard let inputGradient else { continue }
            ck_layer_norm_backward_row(isa, x.data + r * n, dy.data + r * n, weight.data, Int32(n), mean.data[r], inverseStd.data[r],
                                       inputGradient.data + r * n)
        }
    }
    guard weightGradient != nil || biasGradient != nil else { return }
    // Split by columns so each thread owns its slice of the parameter gradients.
    Compute.parallelFor(n, cost: 4.0 * Double(x.count)) { columns in
        let c = columns.lowerBound
        for r in 0..<rows {
            ck_layer_norm_parameter_grads(isa, x.data + r * n + c, dy.data + r * n + c, Int32(columns.count), mean.data[r], inverseStd.data[r],
                                          weightGradient.map { $0.data + c }, biasGradient.map { $0.data + c })
        }
    }
}
