import Foundation
import Tensor

/// Images and the token ids of their captions; row `i` of each is a matching pair.
public struct TrainingBatch: Sendable {
    /// `[B, 3, H, W]` pixel values at the checkpoint's image size.
    public let pixelValues: Tensor
    /// `B` rows of equal length.
    public let inputIDs: [[Int]]

    /// A batch of `B` pairs.
    public init(pixelValues: Tensor, inputIDs: [[Int]]) {
        self.pixelValues = pixelValues
        self.inputIDs = inputIDs
    }
}

/// What one optimiser step did, for progress bars and `metrics.jsonl`.
public struct StepReport: Sendable {
    /// The step just taken, counting from 1.
    public let step: Int
    /// The loss averaged over the step's micro-batches (before the update).
    public let loss: Float
    /// The learning rate the update used.
    public let learningRate: Float
    /// The global gradient norm before clipping.
    public let gradientNorm: Float
    /// `t = exp(t′)` after the update.
    public let temperature: Float
    /// `b` after the update.
    public let bias: Float
}

/// Runs optimiser steps on a model: accumulation over micro-batches, clipping, schedule and freezing.
public final class Trainer {
    /// The model being trained, updated in place.
    public let model: TrainableSiglip
    /// The update rule.
    public let optimizer: Optimizer
    /// The learning rate per step.
    public let schedule: LearningRateSchedule
    /// What stays fixed.
    public let freeze: Freeze
    /// The largest global gradient norm, or nil for no clipping.
    public let clipNorm: Float?
    /// Texts per chunk of the loss, or nil for the full B×B loss.
    public let lossChunk: Int?
    /// Optimiser steps taken so far.
    public internal(set) var steps = 0
    /// The parameters the optimiser updates.
    public let trainable: [Tensor]
    /// Combines this process's share of each step with other processes' (data-parallel training), or nil.
    public var collective: StepCollective?
    private let gradients = Gradients()

    /// A trainer starting at step 0.
    public init(model: TrainableSiglip, optimizer: Optimizer, schedule: LearningRateSchedule, freeze: Freeze = .none,
                clipNorm: Float? = nil, lossChunk: Int? = nil) {
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.freeze = freeze
        self.clipNorm = clipNorm
        self.lossChunk = lossChunk
        trainable = model.trainableParameters(freeze)
        gradients.frozen = Set(model.frozenParameters(freeze).map(ObjectIdentifier.init))
    }

    /// One optimiser step on the mean gradient of `microBatches` (gradient accumulation when there are several).
    /// Throws, leaving the model untouched, when the loss is not finite.
    public func step(_ microBatches: [TrainingBatch]) throws -> StepReport {
        guard !microBatches.isEmpty else { throw TrainingError("a step needs at least one batch") }
        gradients.zero()
        var loss: Float = 0
        for batch in microBatches {
            if let collective {
                loss += try model.accumulateGradients(pixelValues: batch.pixelValues, inputIDs: batch.inputIDs, freeze: freeze, into: gradients) {
                    try collective.sigmoidLoss(images: $0, texts: $1, logitScale: $2, logitBias: $3, chunk: lossChunk)
                }
            } else {
                loss += try model.accumulateGradients(pixelValues: batch.pixelValues, inputIDs: batch.inputIDs,
                                                      lossChunk: lossChunk, freeze: freeze, into: gradients)
            }
        }
        loss /= Float(microBatches.count)
        // Before the finiteness check, so that every process sees the same loss and stops (or not) together.
        try collective?.sum(trainable.filter(gradients.contains), of: gradients, loss: &loss)
        guard loss.isFinite else { throw TrainingError("the loss is \(loss) at step \(steps + 1); stopping without updating") }
        if microBatches.count > 1 { gradients.scale(trainable, by: 1 / Float(microBatches.count)) }
        let norm = clipNorm.map { gradients.clipGlobalNorm(trainable, maxNorm: $0) } ?? gradients.globalNorm(trainable)
        let rate = schedule.rate(atStep: steps)
        optimizer.step(trainable, gradients, learningRate: rate)
        steps += 1
        return StepReport(step: steps, loss: loss, learningRate: rate, gradientNorm: norm,
                          temperature: Foundation.exp(model.logitScale[0]), bias: model.logitBias[0])
    }
}
