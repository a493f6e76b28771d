import Foundation
import SigLIPTraining
import Testing

@Suite("Checkpoints that survive kill -9")
struct RunCheckpointTests {
    /// A trainer on the tiny fixture, its batch, and a scratch output folder.
    struct Setup {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-ckpt-\(UUID().uuidString)")
        let batch: TrainingBatch
        init() throws { batch = TrainingBatch(pixelValues: try fixture.pixelValues(), inputIDs: try fixture.inputIDs()) }
        func trainer(_ model: TrainableSiglip) -> Trainer {
            Trainer(model: model, optimizer: AdamW(weightDecay: 0.1), schedule: LearningRateSchedule(peak: 1e-3, warmupSteps: 0, totalSteps: 4))
        }
        func copy(_ name: String) throws -> URL {
            let to = output.deletingLastPathComponent().appendingPathComponent(output.lastPathComponent + "-" + name)
            try FileManager.default.copyItem(at: output, to: to)
            return to
        }
        func remove(_ urls: URL...) { for url in [output] + urls { try? FileManager.default.removeItem(at: url) } }
    }

    /// Loads `folder` the way `--resume` does and returns the trainer.
    func resume(_ setup: Setup, from folder: URL) throws -> (RunCheckpoint, Trainer) {
        let checkpoint = try RunCheckpoint.last(in: folder)
        try checkpoint.linkModel(in: folder)
        let trainer = setup.trainer(try TrainableSiglip(directory: folder))
        try trainer.restore(checkpoint, in: folder)
        return (checkpoint, trainer)
    }

    @Test("a save cut short (new step files half-written, no marker yet) leaves the previous checkpoint loadable")
    func cutShortSaveKeepsPrevious() throws {
        let setup = try Setup()
        let trainer = setup.trainer(try setup.fixture.model())
        _ = try trainer.step([setup.batch])
        try trainer.saveCheckpoint(to: setup.output, elapsedSeconds: 1.5)
        let first = trainer.model.parameters.map(\.scalars)
        let cut = try setup.copy("cut")
        defer { setup.remove(cut) }
        _ = try trainer.step([setup.batch])
        try trainer.saveCheckpoint(to: setup.output, elapsedSeconds: 3)
        // What kill -9 part-way through saving step 2 leaves: a truncated weights file (renamed or not), a complete
        // optimiser file, a half-written marker.
        let weights = try Data(contentsOf: setup.output.appendingPathComponent("resume/model-2.safetensors"))
        try weights.prefix(weights.count / 2).write(to: cut.appendingPathComponent("resume/model-2.safetensors"))
        try weights.prefix(100).write(to: cut.appendingPathComponent("resume/model-2.safetensors.partial"))
        try FileManager.default.copyItem(at: setup.output.appendingPathComponent("resume/optimizer-2.safetensors"),
                                         to: cut.appendingPathComponent("resume/optimizer-2.safetensors"))
        try Data(#"{"step": 2, "#.utf8).write(to: cut.appendingPathComponent("checkpoint.json.partial"))

        let (checkpoint, resumed) = try resume(setup, from: cut)
        #expect(checkpoint.step == 1 && checkpoint.elapsedSeconds == 1.5)
        #expect(resumed.steps == 1)
        let loaded = resumed.model.parameters.map(\.scalars)
        #expect(loaded.count == first.count && loaded == first)
    }

    @Test("killed after the marker but before model.safetensors was relinked: resume loads the marker's weights")
    func markerWrittenLinkNot() throws {
        let setup = try Setup()
        let trainer = setup.trainer(try setup.fixture.model())
        _ = try trainer.step([setup.batch])
        try trainer.saveCheckpoint(to: setup.output, elapsedSeconds: 1)
        let stale = try Data(contentsOf: setup.output.appendingPathComponent("model.safetensors"))
        _ = try trainer.step([setup.batch])
        try trainer.saveCheckpoint(to: setup.output, elapsedSeconds: 2)
        let second = trainer.model.parameters.map(\.scalars)
        let late = try setup.copy("late")
        defer { setup.remove(late) }
        try FileManager.default.removeItem(at: late.appendingPathComponent("model.safetensors"))
        try stale.write(to: late.appendingPathComponent("model.safetensors"))

        let (checkpoint, resumed) = try resume(setup, from: late)
        #expect(checkpoint.step == 2 && resumed.steps == 2)
        let loaded = resumed.model.parameters.map(\.scalars)
        #expect(loaded.count == second.count && loaded == second)
        // Only the newest step's files are kept.
        let kept = try FileManager.default.contentsOfDirectory(atPath: setup.output.appendingPathComponent("resume").path).sorted()
        #expect(kept == ["model-2.safetensors", "optimizer-2.safetensors"])
    }

    @Test("no marker, or a marker naming a missing file, is refused with the folder named")
    func refusesWithoutCompleteCheckpoint() throws {
        let setup = try Setup()
        defer { setup.remove() }
        try FileManager.default.createDirectory(at: setup.output, withIntermediateDirectories: true)
        let none = #expect(throws: TrainingError.self) { try RunCheckpoint.last(in: setup.output) }
        #expect(none?.description.contains("no complete checkpoint") == true && none?.description.contains(setup.output.path) == true)
        let trainer = setup.trainer(try setup.fixture.model())
        try trainer.saveCheckpoint(to: setup.output, elapsedSeconds: 0)
        try FileManager.default.removeItem(at: setup.output.appendingPathComponent("resume/optimizer-0.safetensors"))
        let missing = #expect(throws: TrainingError.self) { try RunCheckpoint.last(in: setup.output) }
        #expect(missing?.description.contains("optimizer-0.safetensors") == true)
    }
}

@Suite("metrics.jsonl on resume")
struct MetricsLogTests {
    @Test("rows after the checkpoint's step and a line cut off by kill -9 are dropped; earlier rows kept byte for byte")
    func truncatesAfterStep() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        let rows = (0...5).map { #"{"step": \#($0), "loss": 0.5}"# }
        try Data((rows.joined(separator: "\n") + "\n" + #"{"step": 6, "lo"#).utf8).write(to: url)
        #expect(try MetricsLog.truncate(url, afterStep: 3) == 3)
        #expect(try String(contentsOf: url, encoding: .utf8) == rows[0...3].joined(separator: "\n") + "\n")
        #expect(try MetricsLog.truncate(url, afterStep: 3) == 0)
    }
}
