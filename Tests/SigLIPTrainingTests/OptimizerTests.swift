import Foundation
import SafeTensors
import SigLIPTraining
import Tensor
import Testing

@Suite("Optimisers, schedule and clipping match torch.optim")
struct OptimizerTests {
    /// Replays the fixture's five steps: fixed gradients, clip_grad_norm_, the optimiser, LambdaLR warm-up + decay.
    @Test("AdamW with cosine decay and SGD with a constant rate, both warmed up and clipped", arguments: ["adamw", "sgd"])
    func replay(optimizerName: String) throws {
        let file = try SafeTensorsFile(url: TrainingFixture.root.appendingPathComponent("training/optimizers.safetensors"))
        func setting(_ key: String) throws -> Double { try #require(file.metadata[key].flatMap(Double.init)) }
        let steps = Int(try setting("steps"))
        let weight = try file.tensor(named: "init.weight"), bias = try file.tensor(named: "init.bias")
        let parameters = [weight, bias]
        #expect(AdamW.decays(weight) && !AdamW.decays(bias))

        let optimizer: Optimizer = optimizerName == "adamw"
            ? AdamW(weightDecay: Float(try setting("weight_decay")), beta1: Float(try setting("beta1")),
                    beta2: Float(try setting("beta2")), epsilon: Float(try setting("eps")))
            : SGD()
        let schedule = LearningRateSchedule(peak: Float(try setting("lr")), warmupSteps: Int(try setting("warmup")), totalSteps: steps,
                                            decay: optimizerName == "adamw" ? .cosine : .constant)
        let gradients = Gradients()
        var clipped = 0, worst: Float = 0
        for step in 0..<steps {
            for (name, p) in [("weight", weight), ("bias", bias)] {
                let g = try file.tensor(named: "grad\(step).\(name)")
                gradients[p].data.update(from: g.data, count: g.count)
            }
            let norm = gradients.clipGlobalNorm(parameters, maxNorm: Float(try setting("clip_norm")))
            if norm > Float(try setting("clip_norm")) { clipped += 1 }
            optimizer.step(parameters, gradients, learningRate: schedule.rate(atStep: step))
            for (name, p) in [("weight", weight), ("bias", bias)] {
                let expected = try file.tensor(named: "\(optimizerName)\(step).\(name)")
                let error = relativeError(p, expected)
                worst = max(worst, error)
                #expect(error <= Tolerance.tensor, "step \(step) \(name): relative error \(error)")
            }
        }
        #expect(clipped > 0 && clipped < steps, "the fixture should exercise clipping on some steps only")
        print("\(optimizerName): worst relative error over \(steps) steps \(worst), \(clipped) steps clipped")
    }

    @Test("warm-up is linear, cosine ends at zero, constant stays at the peak")
    func schedule() {
        let cosine = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 12, decay: .cosine)
        #expect((0..<4).map(cosine.rate(atStep:)) == [0.25, 0.5, 0.75, 1])
        #expect(abs(cosine.rate(atStep: 8) - 0.5) < 1e-6)
        #expect(abs(cosine.rate(atStep: 12)) < 1e-6)
        let constant = LearningRateSchedule(peak: 0.3, totalSteps: 5, decay: .constant)
        #expect((0..<5).allSatisfy { constant.rate(atStep: $0) == 0.3 })
    }
}
