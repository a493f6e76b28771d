import Tensor

/// Gradient accumulators, one per parameter tensor, found by the parameter's identity.
///
/// Backward passes add into `self[parameter]`; nothing is allocated for parameters that are never reached
/// (a frozen tower) or that `isFrozen` excludes, so `contains` tells which parameters received a gradient.
public final class Gradients: @unchecked Sendable {
    private var table: [ObjectIdentifier: Tensor] = [:]
    /// Parameters for which no gradient is wanted (frozen); backward passes skip their weight gradients.
    package var frozen: Set<ObjectIdentifier> = []

    /// An empty set of accumulators.
    public init() {}

    /// The accumulator of `parameter` (same shape), created zero on first use.
    public subscript(_ parameter: Tensor) -> Tensor {
        let id = ObjectIdentifier(parameter)
        if let g = table[id] { return g }
        let g = Tensor(zeros: parameter.shape)
        table[id] = g
        return g
    }

    /// The accumulator of `parameter`, or nil when the parameter is frozen (its gradient is not computed).
    package func trainable(_ parameter: Tensor) -> Tensor? {
        frozen.contains(ObjectIdentifier(parameter)) ? nil : self[parameter]
    }

    /// Whether `parameter` has an accumulator.
    public func contains(_ parameter: Tensor) -> Bool { table[ObjectIdentifier(parameter)] != nil }

    /// Sets every accumulator to zero, keeping the memory for the next step.
    public func zero() {
        for g in table.values { g.data.update(repeating: 0, count: g.count) }
    }
}

extension Gradients {
    /// `√(Σ ‖g‖²)` over the gradients of `parameters` (those without one count as zero).
    public func globalNorm(_ parameters: [Tensor]) -> Float {
        Float(parameters.filter(contains).reduce(0.0) { $0 + sumOfSquares(self[$1]) }.squareRoot())
    }

    /// Scales the gradients of `parameters` so that their global norm is at most `maxNorm`, as
    /// `torch.nn.utils.clip_grad_norm_` does (factor `maxNorm / (norm + 1e-6)`, never above 1); returns the norm before.
    @discardableResult
    public func clipGlobalNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
        let norm = globalNorm(parameters)
        let factor = min(1, maxNorm / (norm + 1e-6))
        if factor < 1 { scale(parameters, by: factor) }
        return norm
    }

    /// Multiplies the gradients of `parameters` by `factor` (averaging accumulated micro-batches).
    public func scale(_ parameters: [Tensor], by factor: Float) {
        for p in parameters where contains(p) { affine(self[p], scale: factor, shift: 0) }
    }
}
