import Tensor

/// Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW` computes it.
///
/// Decay applies to matrices only (`decays`): weights, embeddings, the probe; not to biases, LayerNorm
/// parameters, `t′` or `b`, which are all vectors or scalars.
public final class AdamW: Optimizer {
    /// The first-moment decay β₁.
    public let beta1: Float
    /// The second-moment decay β₂.
    public let beta2: Float
    /// The denominator's ε.
    public let epsilon: Float
    /// The decoupled weight decay λ (the update multiplies decayed weights by `1 − lr·λ`).
    public let weightDecay: Float
    private var state: [ObjectIdentifier: (m: Tensor, v: Tensor, steps: Int)] = [:]

    /// An optimiser with PyTorch's defaults for the moments and the given decay.
    public init(weightDecay: Float = 0.01, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.weightDecay = weightDecay
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Whether weight decay applies to `parameter`: matrices decay, vectors and scalars do not.
    public static func decays(_ parameter: Tensor) -> Bool { parameter.shape.count >= 2 }

    /// One AdamW update of every parameter with a gradient; moments are created on first use.
    public func step(_ parameters: [Tensor], _ gradients: Gradients, learningRate: Float) {
        for p in parameters where gradients.contains(p) {
            let id = ObjectIdentifier(p)
            var s = state[id] ?? (Tensor(zeros: p.shape), Tensor(zeros: p.shape), 0)
            s.steps += 1
            state[id] = s
            adamWUpdate(parameter: p, gradient: gradients[p], firstMoment: s.m, secondMoment: s.v,
                        learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                        weightDecay: Self.decays(p) ? weightDecay : 0, step: s.steps)
        }
    }

    /// The moments and step count of each parameter `i` as `i.exp_avg`, `i.exp_avg_sq`, `i.step` (PyTorch's names).
    public func state(of parameters: [Tensor]) -> [(name: String, tensor: Tensor)] {
        parameters.enumerated().flatMap { i, p -> [(name: String, tensor: Tensor)] in
            guard let s = state[ObjectIdentifier(p)] else { return [] }
            return [("\(i).exp_avg", s.m), ("\(i).exp_avg_sq", s.v), ("\(i).step", Tensor(shape: [1], values: [Float(s.steps)]))]
        }
    }

    /// Restores moments saved by `state(of:)`, checking each against its parameter's shape.
    public func restore(_ saved: [String: Tensor], parameters: [Tensor]) throws {
        for (i, p) in parameters.enumerated() {
            guard let m = saved["\(i).exp_avg"], let v = saved["\(i).exp_avg_sq"], let steps = saved["\(i).step"] else { continue }
            guard m.count == p.count, v.count == p.count, steps.count == 1 else {
                throw TrainingError("optimizer state for parameter \(i) has \(m.count) values but the parameter has \(p.count)")
            }
            state[ObjectIdentifier(p)] = (m.copy().reshaped(p.shape), v.copy().reshaped(p.shape), Int(steps[0]))
        }
    }
}
