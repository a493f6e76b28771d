import SafeTensors
import Tensor

/// Reads named tensors from a checkpoint, each checked against the shape the config implies.
struct Weights {
    let checkpoint: Checkpoint
    let prefix: String

    /// The tensor `prefix + name`, which must have exactly `shape`.
    func callAsFunction(_ name: String, _ shape: [Int]) throws -> Tensor {
        try checkpoint.tensor(named: prefix + name, shape: shape)
    }

    /// The weights under `prefix + name + "."`.
    func scope(_ name: String) -> Weights { Weights(checkpoint: checkpoint, prefix: prefix + name + ".") }
}
