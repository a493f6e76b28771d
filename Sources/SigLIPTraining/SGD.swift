import Tensor

/// Plain stochastic gradient descent, no momentum: `p ← p − lr·g` for every parameter with a gradient.
public struct SGD {
    /// The learning rate.
    public var learningRate: Float

    /// An optimiser stepping with `learningRate`.
    public init(learningRate: Float) { self.learningRate = learningRate }

    /// Updates each of `parameters` that has an accumulator in `gradients`, in place.
    public func step(_ parameters: [Tensor], _ gradients: Gradients) {
        for p in parameters where gradients.contains(p) {
            addScaled(gradients[p], -learningRate, to: p)
        }
    }
}
