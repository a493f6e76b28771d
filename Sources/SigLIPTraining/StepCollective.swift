import Tensor

/// How one process's share of a step is combined with the other processes' in data-parallel training; a
/// `Trainer` without one trains alone.
public protocol StepCollective: AnyObject {
    /// The sigmoid loss of this process's L2-normalised `images` and `texts` (row `i` of each a pair) as its share
    /// of the loss over every process's pairs: `loss`, `logitScale` and `logitBias` are this process's terms of
    /// sums over processes, `images` and `texts` the whole gradients of this process's rows.
    func sigmoidLoss(images: Tensor, texts: Tensor, logitScale: Float, logitBias: Float, chunk: Int?) throws -> SigmoidLossResult

    /// Replaces `loss` and the gradients of `parameters` by their sums over every process, so all take one step.
    func sum(_ parameters: [Tensor], of gradients: Gradients, loss: inout Float) throws
}
