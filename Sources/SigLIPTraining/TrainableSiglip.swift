import Foundation
import SigLIP
import Tensor

/// A SigLIP model whose parameters are updated in place by training: the towers' weight tensors plus the
/// temperature `t′` (`logit_scale`, `t = exp(t′)`) and bias `b` (`logit_bias`) as one-element tensors.
///
/// The towers share their tensors with the `SiglipModel` they came from, so that model sees every update
/// of the tower weights (but keeps its own copies of `t′` and `b`).
public final class TrainableSiglip: @unchecked Sendable {
    /// The architecture.
    public let config: SiglipConfig
    /// The image tower.
    public let vision: VisionTransformer
    /// The text tower.
    public let text: TextTransformer
    /// `t′`, shape `[1]`: the logarithm of the temperature.
    public let logitScale: Tensor
    /// `b`, shape `[1]`: the bias added to every scaled cosine.
    public let logitBias: Tensor
    /// The checkpoint directory the model was loaded from, whose config and tokenizer `save(to:)` copies.
    public let sourceDirectory: URL?

    /// Wraps a loaded model for training.
    public init(_ model: SiglipModel) {
        config = model.config
        vision = model.vision
        text = model.text
        logitScale = Tensor(shape: [1], values: [model.logitScale])
        logitBias = Tensor(shape: [1], values: [model.logitBias])
        sourceDirectory = model.directory
    }

    /// Loads the checkpoint in `directory` for training.
    public convenience init(directory: URL) throws {
        self.init(try SiglipModel(directory: directory))
    }
}
