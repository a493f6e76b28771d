import Foundation

/// The learning rate per step: linear warm-up to `peak`, then cosine decay to zero at `totalSteps` or constant.
public struct LearningRateSchedule: Sendable {
    /// What follows the warm-up.
    public enum Decay: String, Sendable, CaseIterable {
        /// `peak · ½(1 + cos(π·progress))`, reaching zero at the last step.
        case cosine
        /// `peak` until the end.
        case constant
    }

    /// The rate reached at the end of warm-up.
    public var peak: Float
    /// Steps of linear warm-up: step `s < warmupSteps` uses `peak·(s+1)/warmupSteps`.
    public var warmupSteps: Int
    /// The number of optimiser steps in the run.
    public var totalSteps: Int
    /// The shape after warm-up.
    public var decay: Decay

    /// A schedule; `warmupSteps` 0 starts at `peak`.
    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int, decay: Decay = .cosine) {
        self.peak = peak
        self.warmupSteps = max(0, warmupSteps)
        self.totalSteps = totalSteps
        self.decay = decay
    }

    /// The learning rate of step `step` (counting from 0).
    public func rate(atStep step: Int) -> Float {
        if step < warmupSteps { return peak * Float(Double(step + 1) / Double(warmupSteps)) }
        switch decay {
        case .constant: return peak
        case .cosine:
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            return peak * Float(0.5 * (1 + cos(Double.pi * min(progress, 1))))
        }
    }
}
