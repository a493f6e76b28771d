import Foundation
import NPY
import SafeTensors
import SigLIP
import SigLIPTraining
import Tensor
import Testing

@Suite("Trainer: accumulation, non-finite losses, checkpoints")
struct TrainerTests {
    /// The fixture batch split in two micro-batches (4 + 3 pairs).
    func halves(_ fixture: TrainingFixture) throws -> [TrainingBatch] {
        let pixels = try fixture.pixelValues(), ids = try fixture.inputIDs()
        let perImage = pixels.count / pixels.shape[0]
        func part(_ r: Range<Int>) -> TrainingBatch {
            TrainingBatch(pixelValues: Tensor(shape: [r.count] + pixels.shape.dropFirst(), values: Array(pixels.scalars[r.lowerBound * perImage..<r.upperBound * perImage])),
                          inputIDs: Array(ids[r]))
        }
        return [part(0..<4), part(4..<7)]
    }

    @Test("accumulating two micro-batches steps on the mean of their gradients")
    func accumulation() throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let batches = try halves(fixture)
        let reference = try fixture.model()
        var separate: [Gradients] = []
        for b in batches {
            let g = Gradients()
            _ = try reference.accumulateGradients(pixelValues: b.pixelValues, inputIDs: b.inputIDs, into: g)
            separate.append(g)
        }
        let model = try fixture.model()
        let trainer = Trainer(model: model, optimizer: SGD(), schedule: LearningRateSchedule(peak: 0.5, totalSteps: 1, decay: .constant))
        _ = try trainer.step(batches)
        for (p, before) in zip(model.parameters, reference.parameters) {
            let expected = before.copy()
            addScaled(separate[0][before], -0.25, to: expected)
            addScaled(separate[1][before], -0.25, to: expected)
            #expect(relativeError(p, expected) <= 1e-6, "\(p.shape)")
        }
    }

    @Test("a non-finite loss stops the step, names it and leaves the weights alone")
    func nonFiniteLoss() throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let model = try fixture.model()
        let pixels = try fixture.pixelValues()
        pixels.data[5] = .nan
        let before = model.parameters.map { $0.copy() }
        let trainer = Trainer(model: model, optimizer: AdamW(), schedule: LearningRateSchedule(peak: 0.1, totalSteps: 1))
        let error = #expect(throws: TrainingError.self) { try trainer.step([TrainingBatch(pixelValues: pixels, inputIDs: try fixture.inputIDs())]) }
        #expect(error?.description.contains("at step 1") == true)
        #expect(trainer.steps == 0)
        for (p, b) in zip(model.parameters, before) { #expect(p.scalars == b.scalars) }
    }

    @Test("a trained model saved in the Hugging Face layout loads back with the same weights and outputs")
    func saveAndLoad() throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let model = try fixture.model()
        let trainer = Trainer(model: model, optimizer: AdamW(weightDecay: 0.1), schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 2),
                              clipNorm: 1, lossChunk: 3)
        let batch = TrainingBatch(pixelValues: try fixture.pixelValues(), inputIDs: try fixture.inputIDs())
        let first = try trainer.step([batch])
        let second = try trainer.step([batch])
        #expect(second.loss < first.loss)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try model.save(to: directory)
        let loaded = try SiglipModel(directory: directory)
        let reloaded = TrainableSiglip(loaded)
        let saved = model.huggingFaceTensors { $0 }, back = reloaded.huggingFaceTensors { $0 }
        #expect(saved.map(\.name) == back.map(\.name))
        for (a, b) in zip(saved, back) { #expect(a.tensor.shape == b.tensor.shape && a.tensor.scalars == b.tensor.scalars, "\(a.name)") }
        #expect(loaded.logitScale == model.logitScale[0] && loaded.logitBias == model.logitBias[0])

        // Loss on the batch from the reloaded model equals the trained model's (same weights, same arithmetic).
        let lossTrained = try model.accumulateGradients(pixelValues: batch.pixelValues, inputIDs: batch.inputIDs, into: Gradients())
        let lossLoaded = try reloaded.accumulateGradients(pixelValues: batch.pixelValues, inputIDs: batch.inputIDs, into: Gradients())
        #expect(lossTrained == lossLoaded)
    }
}

@Suite("Hugging Face layout")
struct LayoutTests {
    @Test("an untrained model exports exactly the checkpoint's tensors, names and shapes", arguments: ["tiny-siglip", "tiny-unequal"])
    func exportMatchesCheckpoint(name: String) throws {
        let fixture = TrainingFixture(name: name)
        let model = try fixture.model()
        let file = try SafeTensorsFile(url: fixture.modelDirectory.appendingPathComponent("model.safetensors"))
        let exported = model.huggingFaceTensors { $0 }
        #expect(Set(exported.map(\.name)) == Set(file.entries.keys) && exported.count == file.entries.count)
        for (tensorName, tensor) in exported {
            let original = try file.tensor(named: tensorName)
            #expect(tensor.shape == original.shape && tensor.scalars == original.scalars, "\(tensorName)")
        }
        #expect(model.parameters.count == Set(model.parameters.map(ObjectIdentifier.init)).count, "a parameter is listed twice")
    }
}

@Suite("Resuming")
struct ResumeTests {
    @Test("stopping after one step and resuming from the saved checkpoint and state equals two steps in one go")
    func resume() throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let batch = TrainingBatch(pixelValues: try fixture.pixelValues(), inputIDs: try fixture.inputIDs())
        let schedule = LearningRateSchedule(peak: 1e-3, warmupSteps: 1, totalSteps: 3)
        func trainer(_ model: TrainableSiglip) -> Trainer {
            Trainer(model: model, optimizer: AdamW(weightDecay: 0.1), schedule: schedule, freeze: .image, clipNorm: 0.5)
        }

        let straight = try fixture.model()
        let one = trainer(straight)
        _ = try one.step([batch])
        let secondStraight = try one.step([batch])

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = trainer(try fixture.model())
        _ = try first.step([batch])
        try first.model.save(to: directory)
        try first.saveState(to: directory.appendingPathComponent(Trainer.stateFileName))

        let resumed = trainer(try TrainableSiglip(directory: directory))
        try resumed.restoreState(from: directory.appendingPathComponent(Trainer.stateFileName))
        #expect(resumed.steps == 1)
        let secondResumed = try resumed.step([batch])
        #expect(secondResumed.learningRate == secondStraight.learningRate && secondResumed.loss == secondStraight.loss)
        for (a, b) in zip(resumed.model.parameters, straight.parameters) { #expect(a.scalars == b.scalars, "\(a.shape)") }

        // A state file from another optimiser is refused rather than half-applied.
        let sgd = Trainer(model: try fixture.model(), optimizer: SGD(), schedule: schedule, freeze: .image)
        #expect(throws: TrainingError.self) { try sgd.restoreState(from: directory.appendingPathComponent(Trainer.stateFileName)) }
    }
}

@Suite("Training from scratch")
struct InitializationTests {
    @Test("a new model has the reference's tensors, t′ = log 10, b = −10, seeded weights of the intended scale")
    func initialize() throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let config = fixture.modelDirectory.appendingPathComponent("config.json")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try TrainableSiglip.initialize(configFile: config, seed: 1, in: root.appendingPathComponent("a"))
        let b = try TrainableSiglip.initialize(configFile: config, seed: 1, in: root.appendingPathComponent("b"))
        let c = try TrainableSiglip.initialize(configFile: config, seed: 2, in: root.appendingPathComponent("c"))

        let reference = try SafeTensorsFile(url: fixture.modelDirectory.appendingPathComponent("model.safetensors"))
        let tensors = a.huggingFaceTensors { $0 }
        #expect(Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor.shape) }) == reference.entries.mapValues(\.shape))
        #expect(abs(a.logitScale[0] - Float(log(10.0))) < 1e-7 && a.logitBias[0] == -10)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.scalars == $1.scalars })
        #expect(!zip(a.parameters, c.parameters).allSatisfy { $0.scalars == $1.scalars })

        let table = a.text.embeddings.tokenEmbedding
        let std = (sumOfSquares(table) / Double(table.count)).squareRoot()
        #expect(abs(std * Double(table.columns).squareRoot() - 1) < 0.05, "token embedding std \(std)")
        let qkv = a.text.encoder.layers[0].selfAttn.qkv.weight
        let bound = Float((6.0 / Double(2 * qkv.columns)).squareRoot())
        #expect(qkv.scalars.allSatisfy { abs($0) <= bound } && maxMagnitude(qkv) > 0.9 * bound)
        #expect(a.text.encoder.layers[0].layerNorm1.weight.scalars.allSatisfy { $0 == 1 })

        // It trains: a few AdamW steps on the fixture batch lower the loss.
        let trainer = Trainer(model: a, optimizer: AdamW(), schedule: LearningRateSchedule(peak: 1e-3, totalSteps: 4, decay: .constant))
        let batch = TrainingBatch(pixelValues: try fixture.pixelValues(), inputIDs: try fixture.inputIDs())
        let losses = try (0..<4).map { _ in try trainer.step([batch]).loss }
        #expect(losses.last! < losses.first!, "losses \(losses)")
    }
}

@Suite("Training trajectory against PyTorch")
struct TrajectoryTests {
    /// Five AdamW steps with warm-up, cosine decay and clipping, fully and with the image tower locked (LiT), against
    /// the losses, gradient norms and learning rates PyTorch recorded for the same steps (scripts/fixtures/training.py).
    @Test("losses, gradient norms and learning rates over five AdamW steps", arguments: [Freeze.none, .image])
    func fiveSteps(freeze: Freeze) throws {
        let fixture = TrainingFixture(name: "tiny-unequal")
        let expected = try NPYArray(contentsOf: fixture.directory.appendingPathComponent("trajectory-\(freeze.rawValue).npy"))
        let rows = expected.shape[0] - 1
        let reference = (0...rows).map { Array(expected.floats[$0 * 3..<$0 * 3 + 3]) }
        let trainer = Trainer(model: try fixture.model(), optimizer: AdamW(weightDecay: 0.1),
                              schedule: LearningRateSchedule(peak: 2e-3, warmupSteps: 2, totalSteps: rows, decay: .cosine),
                              freeze: freeze, clipNorm: 1, lossChunk: 3)
        let batch = TrainingBatch(pixelValues: try fixture.pixelValues(), inputIDs: try fixture.inputIDs())
        var worstLoss: Float = 0, worstNorm: Float = 0
        for step in 0..<rows {
            let report = try trainer.step([batch])
            worstLoss = max(worstLoss, abs(report.loss - reference[step][0]) / reference[step][0])
            worstNorm = max(worstNorm, abs(report.gradientNorm - reference[step][1]) / reference[step][1])
            #expect(abs(report.learningRate - reference[step][2]) <= 1e-9, "step \(step) learning rate")
        }
        let final = try trainer.model.accumulateGradients(pixelValues: batch.pixelValues, inputIDs: batch.inputIDs, into: Gradients())
        worstLoss = max(worstLoss, abs(final - reference[rows][0]) / reference[rows][0])
        #expect(worstLoss <= Tolerance.loss, "worst relative loss error \(worstLoss)")
        #expect(worstNorm <= Tolerance.tensor, "worst relative gradient-norm error \(worstNorm)")
        print("trajectory \(freeze): losses within \(worstLoss), gradient norms within \(worstNorm)")
    }
}
