import Foundation
import Testing
import SigLIP
import Tensor

@Suite("Loading refuses checkpoints that do not fit their config")
struct LoadingTests {
    /// A copy of a fixture model in a scratch directory, with `edit` applied to its config.json.
    func copy(_ model: String, editConfig edit: ((inout [String: Any]) -> Void)? = nil) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixtures.model(model), to: dir)
        if let edit {
            let url = dir.appendingPathComponent("config.json")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
        }
        return dir
    }

    func loadError(_ dir: URL) -> String? {
        defer { try? FileManager.default.removeItem(at: dir) }
        do { _ = try SiglipModel(directory: dir); return nil } catch { return "\(error)" }
    }

    @Test func weightShapeThatDisagreesWithTheConfig() throws {
        let message = loadError(try copy("tiny-siglip") { json in
            var text = json["text_config"] as? [String: Any] ?? [:]
            text["intermediate_size"] = 76
            json["text_config"] = text
        })
        #expect(message?.contains("text_model.encoder.layers.0.mlp.fc1.weight") == true)
        #expect(message?.contains("has shape [75, 64] but the config implies [76, 64]") == true)
        #expect(message?.contains("model.safetensors") == true)
    }

    @Test func configWithMoreLayersThanTheWeights() throws {
        let message = loadError(try copy("tiny-siglip") { json in
            var vision = json["vision_config"] as? [String: Any] ?? [:]
            vision["num_hidden_layers"] = 3
            json["vision_config"] = vision
        })
        #expect(message?.contains("vision_model.encoder.layers.2.layer_norm1.weight") == true)
        #expect(message?.contains("missing") == true)
    }

    @Test func missingConfig() throws {
        let dir = try copy("tiny-siglip")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
        #expect(loadError(dir)?.contains("config.json") == true)
    }

    @Test func inputsTheModelCannotTake() throws {
        let model = try SiglipModel(directory: Fixtures.model("tiny-unequal"))
        #expect(throws: SiglipError.self) { try model.textEmbeddings(inputIDs: [Array(repeating: 1, count: 17)]) }
        #expect(throws: SiglipError.self) { try model.textEmbeddings(inputIDs: [[1, 2, 1000]]) }
        #expect(throws: SiglipError.self) { try model.textEmbeddings(inputIDs: [[1, 2], [1]]) }
        #expect(throws: SiglipError.self) { try model.imageEmbeddings(pixelValues: Tensor(zeros: [1, 1, 46, 46])) }
        #expect(throws: SiglipError.self) { try model.imageEmbeddings(pixelValues: Tensor(zeros: [1, 3, 13, 46])) }
        // Shorter rows than the model's length are the caller's choice, and still run.
        #expect(try model.textEmbeddings(inputIDs: [[5, 6, 1]]).shape == [1, 48])
    }
}
