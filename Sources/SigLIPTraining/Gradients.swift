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
