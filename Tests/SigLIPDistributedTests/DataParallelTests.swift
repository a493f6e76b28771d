import Foundation
import NPY
import SafeTensors
import Testing

/// Data-parallel steps of the tiny fixture model against PyTorch autograd on the whole batch
/// (Tests/Fixtures/training, scripts/fixtures/training.py): the contract of issue 6, now across processes.
@Suite("Data-parallel training equals one process on the whole batch", .serialized)
struct DataParallelTests {
    /// The loss: |Δ| over |reference| (achieved: 3e-7 on 1–4 ranks).
    static let lossTolerance: Float = 2e-6
    /// Each gradient or updated tensor: max |Δ| over the reference's max |value| (achieved: at most 3.3e-6 on
    /// 1–4 ranks; ten times tighter than the single-process contract of GradientParityTests).
    static let tensorTolerance: Float = 1e-5
    static let tokenTable = "text_model.embeddings.token_embedding.weight"

    /// Compares `ours` tensor by tensor with a reference that keeps only the token-table rows `rows`.
    static func compare(_ ours: SafeTensorsFile, _ reference: SafeTensorsFile, rows: [Int]) throws -> (name: String, error: Float) {
        var worst = (name: "", error: Float(0))
        #expect(!rows.isEmpty)
        for name in reference.entries.keys.sorted() {
            let expected = try reference.tensor(named: name)
            var actual = try ours.tensor(named: name).scalars
            if name == tokenTable {
                let width = expected.shape[1]
                actual = rows.flatMap { actual[$0 * width..<($0 + 1) * width] }
            }
            let error = relativeError(actual, expected.scalars, scale: try keyBiasScale(name, reference))
            if error > worst.error || error.isNaN { worst = (name, error) }
        }
        return worst
    }

    /// The gradient of a key bias is zero in exact arithmetic (it shifts a whole row of scores, which softmax
    /// ignores), so the reference holds rounding noise: it is measured against the largest gradient of the same
    /// layer's q/k/v projections instead (GradientParityTests' rule), and only while the reference is noise at that scale.
    static func keyBiasScale(_ name: String, _ reference: SafeTensorsFile) throws -> Float? {
        guard name.hasSuffix("self_attn.k_proj.bias") else { return nil }
        let layer = name.dropLast("k_proj.bias".count)
        let scale = try ["q_proj.weight", "q_proj.bias", "k_proj.weight", "v_proj.weight", "v_proj.bias"]
            .map { try reference.tensor(named: layer + $0).scalars.reduce(0) { max($0, abs($1)) } }.reduce(0, max)
        let own = try reference.tensor(named: name).scalars.reduce(0) { max($0, abs($1)) }
        return own <= 1e-6 * scale ? scale : nil
    }

    @Test("loss and every parameter gradient (t′ and b too) on 1–4 ranks, whole and chunked loss",
          arguments: [(1, nil), (2, nil), (3, nil), (4, nil), (3, 2), (4, 1)] as [(Int, Int?)])
    func gradients(ranks: Int, chunk: Int?) throws {
        let training = MPIRun.fixtures.appendingPathComponent("training/tiny-siglip")
        let model = MPIRun.fixtures.appendingPathComponent("models/tiny-siglip")
        let out = try MPIRun.folder("dp-gradients")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try MPIRun.run(ranks: ranks, "siglip-distributed-runner",
                                 ["step", model.path, model.appendingPathComponent("expected/image_files_pixel_values.npy").path,
                                  training.appendingPathComponent("input_ids.npy").path, out.path] + (chunk.map { [String($0)] } ?? []))
        #expect(run.status == 0 && !run.timedOut, "\(run.stderr)")
        let ours = try SafeTensorsFile(url: out.appendingPathComponent("gradients.safetensors"))
        let loss = try ours.tensor(named: "loss")[0]
        let expectedLoss = try NPYArray(contentsOf: training.appendingPathComponent("loss.npy")).floats[0]
        #expect(abs(loss - expectedLoss) / abs(expectedLoss) <= Self.lossTolerance, "loss \(loss) vs \(expectedLoss)")
        let ids = try NPYArray(contentsOf: training.appendingPathComponent("input_ids.npy")).integers?.map { Int($0) } ?? []
        let reference = try SafeTensorsFile(url: training.appendingPathComponent("gradients.safetensors"))
        let worst = try Self.compare(ours, reference, rows: Array(Set(ids)).sorted())
        #expect(worst.error <= Self.tensorTolerance, "worst: \(worst.name) \(worst.error)")
        print("\(ranks) ranks, chunk \(chunk.map(String.init) ?? "none"): loss \(loss) vs \(expectedLoss), worst \(worst.name) \(worst.error)")
    }

    @Test("mpirun -np N siglip train --distributed: one SGD step writes torch.optim.SGD's weights", arguments: 1...4)
    func commandLineStep(ranks: Int) throws {
        let fixture = MPIRun.fixtures.appendingPathComponent("training/cli-sgd")
        let out = try MPIRun.folder("dp-cli")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try MPIRun.run(ranks: ranks, "siglip", ["train", "--distributed", "--model", MPIRun.fixtures.appendingPathComponent("models/tiny-siglip").path,
                                                          "--data", fixture.appendingPathComponent("data.jsonl").path, "--output", out.path,
                                                          "--optimizer", "sgd", "--lr", "0.5", "--steps", "1", "--no-shuffle",
                                                          "--batch-size", "7", "--threads", "1"])
        #expect(run.status == 0 && !run.timedOut, "\(run.stderr)")
        // Rank 0 alone reports progress.
        #expect(run.stderr.components(separatedBy: "step 1/1").count == 2, "\(run.stderr)")
        let rows = try NPYArray(contentsOf: fixture.appendingPathComponent("token_rows.npy")).integers?.map { Int($0) } ?? []
        let worst = try Self.compare(try SafeTensorsFile(url: out.appendingPathComponent("model.safetensors")),
                                     try SafeTensorsFile(url: fixture.appendingPathComponent("expected.safetensors")), rows: rows)
        #expect(worst.error <= Self.tensorTolerance, "worst: \(worst.name) \(worst.error)")
        print("siglip train on \(ranks) ranks: worst \(worst.name) \(worst.error)")
    }

    @Test("several ranks without --distributed are refused (each would write the same files)")
    func refusedWithoutFlag() throws {
        let out = try MPIRun.folder("dp-refused")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try MPIRun.run(ranks: 2, "siglip", ["train", "--model", MPIRun.fixtures.appendingPathComponent("models/tiny-siglip").path,
                                                      "--data", MPIRun.fixtures.appendingPathComponent("training/cli-sgd/data.jsonl").path,
                                                      "--output", out.path, "--steps", "1"])
        #expect(run.status != 0 && !run.timedOut)
        #expect(run.stderr.contains("add --distributed"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
    }
}
