import CKernels

/// `y += alpha · x` over all elements (an SGD step, gradient accumulation).
public func addScaled(_ x: Tensor, _ alpha: Float, to y: Tensor) {
    precondition(x.count == y.count, "addScaled: \(x.shape) vs \(y.shape)")
    ck_axpy(InstructionSet.current.rawValue, y.data, alpha, x.data, x.count)
}

/// `x = scale · x + shift` over all elements, in place.
public func affine(_ x: Tensor, scale: Float, shift: Float) {
    for i in 0..<x.count { x.data[i] = x.data[i] * scale + shift }
}

/// `Σ aᵢ·bᵢ` over all elements, accumulated in double precision.
public func dot(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.count == b.count, "dot: \(a.shape) vs \(b.shape)")
    var s: Double = 0
    for i in 0..<a.count { s += Double(a.data[i]) * Double(b.data[i]) }
    return s
}

/// `Σ xᵢ` over all elements, accumulated in double precision.
public func sum(_ x: Tensor) -> Double {
    var s: Double = 0
    for i in 0..<x.count { s += Double(x.data[i]) }
    return s
}

/// `Σ xᵢ²` over all elements, accumulated in double precision (for gradient norms).
public func sumOfSquares(_ x: Tensor) -> Double { dot(x, x) }
