import Tensor

/// Updates parameters in place from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// Updates each of `parameters` that has a gradient in `gradients`, at this step's `learningRate`.
    func step(_ parameters: [Tensor], _ gradients: Gradients, learningRate: Float)
    /// The per-parameter state for `parameters` (in that order) under stable names, to save for resuming.
    func state(of parameters: [Tensor]) -> [(name: String, tensor: Tensor)]
    /// Restores what `state(of:)` returned for the same parameters in the same order.
    func restore(_ state: [String: Tensor], parameters: [Tensor]) throws
}

/// Plain stochastic gradient descent, no momentum: `p ← p − lr·g`.
public final class SGD: Optimizer {
    /// A stateless optimiser.
    public init() {}

    /// `p ← p − lr·g` for every parameter with a gradient.
    public func step(_ parameters: [Tensor], _ gradients: Gradients, learningRate: Float) {
        for p in parameters where gradients.contains(p) {
            addScaled(gradients[p], -learningRate, to: p)
        }
    }

    /// SGD keeps no state.
    public func state(of parameters: [Tensor]) -> [(name: String, tensor: Tensor)] { [] }

    /// Nothing to restore.
    public func restore(_ state: [String: Tensor], parameters: [Tensor]) throws {}
}
