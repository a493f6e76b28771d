import SigLIP
import Tensor

/// Which parameters training leaves unchanged (`--freeze`); frozen parts run inference-only.
public enum Freeze: String, Sendable, CaseIterable {
    /// Everything trains.
    case none
    /// The image tower is locked, as in LiT ("Locked-image Tuning").
    case image
    /// The text tower is locked.
    case text
    /// Only the heads, the final LayerNorms, `t′` and `b` train; embeddings and encoders are locked.
    case encoders
}

extension TrainableSiglip {
    /// The parameters that `freeze` leaves trainable, in `parameters` order.
    public func trainableParameters(_ freeze: Freeze) -> [Tensor] {
        let frozen = Set(frozenParameters(freeze).map(ObjectIdentifier.init))
        return parameters.filter { !frozen.contains(ObjectIdentifier($0)) }
    }

    /// The parameters that `freeze` locks.
    public func frozenParameters(_ freeze: Freeze) -> [Tensor] {
        switch freeze {
        case .none: []
        case .image: visionParameters
        case .text: textParameters
        case .encoders:
            [text.embeddings.tokenEmbedding, text.embeddings.positionEmbedding] + encoderParameters(text.encoder)
                + [vision.embeddings.patchEmbedding.weight, vision.embeddings.patchEmbedding.bias, vision.embeddings.positionEmbedding]
                + encoderParameters(vision.encoder)
        }
    }
}
