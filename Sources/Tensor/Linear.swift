import CKernels

/// What a fused linear layer does to its output after the matrix product, while the rows are in cache.
public enum Epilogue: Sendable {
    /// `y = x·Wᵀ + b`.
    case none
    /// `y = gelu(x·Wᵀ + b)` with the given approximation.
    case gelu(GELU)
    /// `residual += x·Wᵀ + b`: the layer's output is added into the residual stream in place.
    case addInto(Tensor)
}

/// A fully connected layer `y = x·Wᵀ + b` over the rows of `x`, in the PyTorch `[out, in]` weight layout.
///
/// Work is split across `Compute.threads` by row panels, or by output-column panels when there are
/// fewer rows than outputs (a batch of one image or text, the pooling probe), each panel being one
/// single-threaded GEMM. With `packed` (the same weight in bf16 or int8), the products run in that precision instead.
@discardableResult
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, epilogue: Epilogue = .none, packed: PackedWeight? = nil) -> Tensor {
    let m = x.rows, k = x.columns, n = weight.shape[0]
    precondition(weight.count == n * k, "linear: weight \(weight.shape) does not take \(k) inputs")
    precondition(bias.map { $0.count == n } ?? true, "linear: bias size differs from \(n) outputs")
    let out: Tensor
    if case .addInto(let residual) = epilogue {
        precondition(residual.rows == m && residual.columns == n, "linear: residual \(residual.shape) is not [\(m), \(n)]")
        out = residual
    } else {
        out = Tensor(uninitialized: x.shape.dropLast() + [n])   // beta = 0 overwrites every element
    }
    let accumulate: Float = if case .addInto = epilogue { 1 } else { 0 }
    let cost = 2.0 * Double(m) * Double(n) * Double(k)
    // Each panel's GEMM packs its share of the weights anew, so splitting the rows makes every thread pack all
    // of them. Splitting the columns instead halves that work whenever the rows are fewer than the outputs
    // (batch-1 images and texts): measured +10% images/s and +30% texts/s at batch 1 (docs/PERFORMANCE.md).
    // Packed (bf16/int8) weights are never repacked, but each panel converts its rows' activations, so there only
    // a handful of rows is worth splitting by columns.
    let splitColumns = (packed == nil ? m < n : m < 32 * Compute.threads) && n >= 64 * Compute.threads

    let panel: @Sendable (Range<Int>, Range<Int>) -> Void = { rowRange, colRange in
        #if canImport(CLowPrecision)
        if let packed {
            // The kernel adds the bias while the tile is in registers.
            packed.multiply(x.data, rows: rowRange, columns: colRange, bias: bias.map { UnsafePointer($0.data) }, out: out.data,
                            accumulate: accumulate != 0)
            if case .gelu = epilogue { applyBiasAndActivation(out, rows: rowRange, columns: colRange, bias: nil, epilogue: epilogue) }
            return
        }
        #endif
        BLAS.sgemm(
            m: rowRange.count, n: colRange.count, k: k,
            a: x.data + rowRange.lowerBound * k, lda: k,
            b: weight.data + colRange.lowerBound * k, ldb: k, transposeB: true,
            beta: accumulate, c: out.data + rowRange.lowerBound * n + colRange.lowerBound, ldc: n)
        applyBiasAndActivation(out, rows: rowRange, columns: colRange, bias: bias, epilogue: epilogue)
    }
    if splitColumns {
        Compute.parallelFor(n, cost: cost) { cols in panel(0..<m, cols) }
    } else {
        Compute.parallelFor(m, cost: cost) { rows in panel(rows, 0..<n) }
    }
    return out
}

/// Adds the bias and applies the activation to one rectangular panel of the output.
@inline(__always)
private func applyBiasAndActivation(_ out: Tensor, rows: Range<Int>, columns: Range<Int>, bias: Tensor?, epilogue: Epilogue) {
    let n = out.columns
    for r in rows {
        let row = out.data + r * n + columns.lowerBound
        if let bias { addVector(row, bias.data + columns.lowerBound, count: columns.count) }
        if case .gelu(let kind) = epilogue { kind.apply(row, count: columns.count) }
    }
}

/// `y[i] += x[i]` for `count` elements.
@inline(__always)
func addVector(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    ck_add(InstructionSet.current.rawValue, y, x, count)
}
