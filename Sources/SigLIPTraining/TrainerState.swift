import Foundation
import SafeTensors
import Tensor

extension Trainer {
    /// The optimizer-state file written beside a checkpoint, for `--resume`.
    public static let stateFileName = "optimizer.safetensors"

    /// Writes the optimiser's state and the step count to `url`, so that `restoreState(from:)` continues exactly.
    public func saveState(to url: URL) throws {
        let metadata = ["step": String(steps), "optimizer": String(describing: type(of: optimizer)),
                        "freeze": freeze.rawValue, "parameters": String(trainable.count)]
        try SafeTensorsWriter.write(optimizer.state(of: trainable), metadata: metadata, to: url)
    }

    /// Restores the state `saveState(to:)` wrote, for a trainer of the same model, optimiser and freezing.
    public func restoreState(from url: URL) throws {
        let file = try SafeTensorsFile(url: url)
        let optimizerName = String(describing: type(of: optimizer))
        guard file.metadata["optimizer"] == optimizerName, file.metadata["freeze"] == freeze.rawValue,
              file.metadata["parameters"] == String(trainable.count), let step = file.metadata["step"].flatMap(Int.init) else {
            throw TrainingError("\(url.path) was saved by a different optimiser or freezing (\(file.metadata)); expected \(optimizerName), freeze \(freeze.rawValue), \(trainable.count) parameters")
        }
        var saved: [String: Tensor] = [:]
        for name in file.entries.keys { saved[name] = try file.tensor(named: name) }
        try optimizer.restore(saved, parameters: trainable)
        steps = step
    }
}
