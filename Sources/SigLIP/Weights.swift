import SafeTensors
import Tensor

/// Reads named tensors from a checkpoint, each checked against the shape the config implies.
package struct Weights {
    package let checkpoint: Checkpoint
    package let prefix: String
    /// The precision linear layers built from these weights compute in.
    package var precision: Precision = .fp32

    /// The weights of `checkpoint` under `prefix` (a tower's, say `"text_model."`).
    package init(checkpoint: Checkpoint, prefix: String, precision: Precision = .fp32) {
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.precision = precision
    }

    /// The tensor `prefix + name`, which must have exactly `shape`.
    package func callAsFunction(_ name: String, _ shape: [Int]) throws -> Tensor {
        try checkpoint.tensor(named: prefix + name, shape: shape)
    }

    /// The weights under `prefix + name + "."`.
    package func scope(_ name: String) -> Weights {
        Weights(checkpoint: checkpoint, prefix: prefix + name + ".", precision: precision)
    }
}
