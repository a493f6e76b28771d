import Foundation
import NPY
import SafeTensors
import Tensor
import Testing

@Suite("siglip train against PyTorch")
struct CLITrainParityTests {
    /// Per tensor: max |ours − reference| over max |reference| (the training parity contract of issue 6).
    static let tolerance: Float = 1e-4

    @Test("one SGD step through the command line (files in, checkpoint out) equals torch.optim.SGD on the same batch")
    func oneSGDStepEqualsPyTorch() throws {
        let fixture = CLI.fixtures.appendingPathComponent("training/cli-sgd")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("cli-sgd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try CLI.run(["train", "--model", CLI.model("tiny-siglip"), "--data", fixture.appendingPathComponent("data.jsonl").path,
                               "--output", out.path, "--optimizer", "sgd", "--lr", "0.5", "--steps", "1", "--no-shuffle",
                               "--batch-size", "7", "--threads", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try SafeTensorsFile(url: out.appendingPathComponent("model.safetensors"))
        let reference = try SafeTensorsFile(url: fixture.appendingPathComponent("expected.safetensors"))
        let rows = try NPYArray(contentsOf: fixture.appendingPathComponent("token_rows.npy")).integers?.map { Int($0) } ?? []
        #expect(!rows.isEmpty)
        #expect(Set(ours.entries.keys) == Set(reference.entries.keys))
        var worst: (name: String, error: Float) = ("", 0)
        for name in reference.entries.keys.sorted() {
            let expected = try reference.tensor(named: name)
            var actual = try ours.tensor(named: name).scalars
            if name == "text_model.embeddings.token_embedding.weight" {   // the reference keeps the batch's rows only
                let width = expected.shape[1]
                actual = rows.flatMap { actual[$0 * width..<($0 + 1) * width] }
            }
            let reference = expected.scalars
            #expect(actual.count == reference.count, "\(name)")
            guard actual.count == reference.count else { continue }
            let scale = reference.reduce(0) { max($0, abs($1)) }
            let error = zip(actual, reference).reduce(0) { max($0, abs($1.0 - $1.1)) } / max(scale, .leastNormalMagnitude)
            if error > worst.error { worst = (name, error) }
        }
        #expect(worst.error <= Self.tolerance, "worst: \(worst.name) \(worst.error)")
    }
}
