import Foundation
import SigLIP
import SigLIPProbe
import Testing

/// End to end on real images: the digits through the tiny random-init model, a probe on its features.
@Suite("Training a probe on the digits")
struct TrainerTests {
    @Test func beatsChanceOnHeldOutDigits() throws {
        let model = try loadImageTextModel(directory: Fixtures.model("tiny-siglip"))
        let identity = try ModelIdentity(checkpoint: Fixtures.model("tiny-siglip"))
        var options = ProbeTrainingOptions()
        options.standardize = true
        let result = try ProbeTrainer.train(data: try ClassFolders(directory: Fixtures.digits), model: model, identity: identity, options: options)
        #expect(result.failures.isEmpty)
        #expect(result.probe.manifest.training.converged)
        #expect(result.probe.manifest.training.trainCounts == [Int](repeating: 24, count: 10))
        let validation = try #require(result.validation)
        #expect(validation.total == 60)
        // Measured: train 0.954, validation 0.483 (chance is 0.1); random features of 8×8 digits.
        print("train \(result.train.accuracy ?? -1) validation \(validation.accuracy ?? -1)")
        #expect((result.train.accuracy ?? 0) >= 0.9)
        #expect((validation.accuracy ?? 0) >= 0.35)
    }

    /// Our embeddings of the digit files are the reference's (the fixture's, from transformers), so a probe trained by
    /// `siglip probe train` sees the features scikit-learn was fitted on.
    @Test func ourDigitEmbeddingsAreTheReferences() throws {
        let model = try loadImageTextModel(directory: Fixtures.model("tiny-siglip"))
        let data = try ClassFolders(directory: Fixtures.digits)
        let ours = try ProbeTrainer.embed(data.files, model: model, batchSize: 16).flatMap { try $0.get().map(Double.init) }
        let reference = try Fixtures.referenceEmbeddings()
        #expect(reference.labels == data.classes)
        // Unit vectors from float32 towers, file to embedding: 1e-4 per component (not yet measured here).
        let worst = maxDifference(ours, reference.embeddings)
        print("digit embeddings: max |ours − reference| = \(worst)")
        #expect(worst <= 1e-4)
    }

    @Test func identityTellsACopyFromAnAlteredCheckpoint() throws {
        let original = Fixtures.model("tiny-siglip")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("probe-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: original, to: copy)
        let a = try ModelIdentity(checkpoint: original), b = try ModelIdentity(checkpoint: copy)
        try a.check(offered: b, probe: URL(fileURLWithPath: "/p"))
        var bytes = try Data(contentsOf: copy.appendingPathComponent("model.safetensors"))
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: copy.appendingPathComponent("model.safetensors"))
        let altered = try ModelIdentity(checkpoint: copy)
        let error = #expect(throws: ProbeError.self) { try a.check(offered: altered, probe: URL(fileURLWithPath: "/p")) }
        #expect(error?.description.hasPrefix("/p: trained on the siglip model at \(a.path); \(copy.standardizedFileURL.path) is a different model (weights sha256") == true)
    }
}
