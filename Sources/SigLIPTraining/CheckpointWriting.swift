import Foundation
import SafeTensors
import Tensor

extension TrainableSiglip {
    /// Files besides the weights that a checkpoint directory carries over unchanged.
    static let companionFiles = ["config.json", "preprocessor_config.json", "tokenizer_config.json", "special_tokens_map.json",
                                 "spiece.model", "tokenizer.model", "tokenizer.json"]

    /// Writes the model as a Hugging Face checkpoint in `directory` (created if needed): `model.safetensors`
    /// under the reference's names and shapes (q/k/v split out again, the MAP in-projection packed), plus
    /// config, preprocessor and tokenizer files copied from the checkpoint the model was loaded from.
    public func save(to directory: URL) throws {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        if let source = sourceDirectory, source.standardizedFileURL != directory.standardizedFileURL {
            for name in Self.companionFiles {
                let from = source.appendingPathComponent(name), to = directory.appendingPathComponent(name)
                guard files.fileExists(atPath: from.path) else { continue }
                if files.fileExists(atPath: to.path) { try files.removeItem(at: to) }
                try files.copyItem(at: from, to: to)
            }
        }
        // Sorted names, as the reference's writer orders them; "format" tells transformers these are PyTorch tensors.
        let tensors = huggingFaceTensors { $0 }.sorted { $0.name < $1.name }
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
    }
}
