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
        try saveCompanions(to: directory)
        try writeWeights(to: directory.appendingPathComponent("model.safetensors"))
    }

    /// Copies the config, preprocessor and tokenizer files of the source checkpoint into `directory` (created if
    /// needed), each renamed into place so an interrupted copy never leaves a file missing or half-written.
    func saveCompanions(to directory: URL) throws {
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        guard let source = sourceDirectory, source.standardizedFileURL != directory.standardizedFileURL else { return }
        for name in Self.companionFiles {
            let from = source.appendingPathComponent(name)
            guard files.fileExists(atPath: from.path) else { continue }
            try DurableFiles.write(to: directory.appendingPathComponent(name)) { try files.copyItem(at: from, to: $0) }
        }
        try DurableFiles.sync(directory)
    }

    /// Writes the weights alone as a safetensors file at `url`.
    func writeWeights(to url: URL) throws {
        // Sorted names, as the reference's writer orders them; "format" tells transformers these are PyTorch tensors.
        let tensors = huggingFaceTensors { $0 }.sorted { $0.name < $1.name }
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: url)
    }
}
