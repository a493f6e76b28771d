/// The gradient of `l2Normalized(x)`: for each row, `dx = (dy − y·(y·dy)) / ‖x‖` with `y = x/‖x‖`
/// (rows of zeros, which the forward pass leaves alone, pass the gradient through).
public func l2NormalizedBackward(input x: Tensor, gradOutput dy: Tensor) -> Tensor {
    precondition(x.shape == dy.shape, "l2NormalizedBackward: \(x.shape) vs \(dy.shape)")
    let n = x.columns
    let dx = Tensor(zeros: x.shape)
    for r in 0..<x.rows {
        let row = x.data + r * n, g = dy.data + r * n, out = dx.data + r * n
        var squares: Float = 0
        for j in 0..<n { squares += row[j] * row[j] }
        let norm = squares.squareRoot()
        guard norm > 0 else { out.update(from: g, count: n); continue }
        var projection: Float = 0
        for j in 0..<n { projection += row[j] * g[j] }
        projection /= norm
        for j in 0..<n { out[j] = (g[j] - row[j] / norm * projection) / norm }
    }
    return dx
}
