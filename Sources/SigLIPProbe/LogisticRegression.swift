import Foundation
import Tensor

/// Multinomial logistic regression: softmax cross-entropy with an L2 penalty on the weights (the bias is not
/// penalised), fitted by L-BFGS and then Newton steps to the optimum of
///
///     C · Σᵢ sᵢ · CE(softmax(W·xᵢ + b), yᵢ) + ½‖W‖²
///
/// as scikit-learn's `LogisticRegression(C=…)` defines it, `sᵢ` the weight of example i's class.
/// With two classes scikit-learn fits one sigmoid instead, whose penalty counts the weight difference once; the
/// fit matches it by halving C (see `fit`), so the same C means the same model for any number of classes.
public struct LogisticRegression: Sendable {
    /// Inverse regularisation strength: larger C, weaker penalty.
    public var C: Double
    /// A weight per class multiplying its examples' loss (scikit-learn's `class_weight`), or nil for all 1.
    public var classWeights: [Double]?
    /// The optimiser and its stopping rule (the gradient is of the objective divided by C·Σsᵢ, as scikit-learn's).
    public var optimizer = LBFGS()
    /// Newton steps (conjugate gradients on Hessian-vector products) after a converged L-BFGS, taking its end point
    /// to the optimum to about float64 rounding; 0 keeps L-BFGS's point. They stop early once the gradient stops
    /// shrinking or a budget of Hessian-vector products (as many as L-BFGS iterations, at least 200) is spent.
    public var newtonSteps = 5

    /// A model with regularisation `C` and optional class weights.
    public init(C: Double = 1, classWeights: [Double]? = nil) {
        self.C = C
        self.classWeights = classWeights
    }

    /// A fitted model: `weight` is `[classes × dimension]` row-major, `bias` per class (centred: softmax ignores a
    /// constant shared by all classes, so the unpenalised bias is made unique by giving it mean zero).
    public struct Fit: Sendable {
        /// Weights, one row of `dimension` per class.
        public let weight: [Double]
        /// Bias per class, summing to zero.
        public let bias: [Double]
        /// The objective divided by C·Σsᵢ at the optimum.
        public let loss: Double
        /// The optimiser's report.
        public let iterations: Int
        /// The largest component of the (scaled) gradient at the end.
        public let gradientNorm: Double
        /// Whether the optimiser converged (see `LBFGS.Outcome.converged`).
        public let converged: Bool
    }

    /// scikit-learn's `class_weight="balanced"`: n / (classes · count of the class), 0 for a class with no examples.
    public static func balancedWeights(labels: [Int], classes: Int) -> [Double] {
        var counts = [Int](repeating: 0, count: classes)
        for y in labels { counts[y] += 1 }
        return counts.map { $0 == 0 ? 0 : Double(labels.count) / Double(classes * $0) }
    }

    /// Fits `features` (`labels.count` rows of `dimension`, row-major) to `labels` in `0..<classes`.
    public func fit(features: [Double], dimension: Int, labels: [Int], classes: Int) throws -> Fit {
        let n = labels.count
        guard classes >= 2 else { throw ProbeError("a probe needs at least two classes, not \(classes)") }
        guard n > 0, dimension > 0, features.count == n * dimension else {
            throw ProbeError("\(features.count) feature values are not \(n) examples of dimension \(dimension)")
        }
        guard C > 0, C.isFinite else { throw ProbeError("C must be a positive finite number, not \(C)") }
        guard features.allSatisfy(\.isFinite) else { throw ProbeError("the features hold a NaN or infinite value") }
        if let bad = labels.first(where: { !(0..<classes).contains($0) }) { throw ProbeError("label \(bad) is not in 0..<\(classes)") }
        let perClass = classWeights ?? [Double](repeating: 1, count: classes)
        guard perClass.count == classes, perClass.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw ProbeError("class weights must be \(classes) non-negative finite numbers")
        }
        let sampleWeights = labels.map { perClass[$0] }
        let total = sampleWeights.reduce(0, +)
        guard total > 0 else { throw ProbeError("every example has class weight 0") }
        // Two classes: scikit-learn's single sigmoid v·x + c has penalty ½‖v‖²; the softmax pair ±v/2 has ¼‖v‖².
        let effectiveC = classes == 2 ? C / 2 : C
        let objective = LogisticObjective(features: features, dimension: dimension, labels: labels, classes: classes,
                                          sampleWeights: sampleWeights, scale: 1 / total, penalty: 1 / (effectiveC * total))
        let outcome = optimizer.minimize(from: [Double](repeating: 0, count: classes * (dimension + 1)), objective.evaluate)
        var x = outcome.x, value = outcome.value, gradientNorm = outcome.gradientNorm
        if newtonSteps > 0, outcome.converged {
            // At most as many Hessian-vector products as L-BFGS took iterations (and 200 for a quick L-BFGS):
            // polishing at most about doubles the fit's time.
            let polish = NewtonPolish(steps: newtonSteps, products: max(200, outcome.iterations))
                .run(objective, from: outcome.x)
            (x, value, gradientNorm) = (polish.x, polish.value, maxMagnitude(polish.gradient))
        }
        let weight = Array(x[0..<(classes * dimension)])
        var bias = Array(x[(classes * dimension)...])
        let mean = bias.reduce(0, +) / Double(classes)
        for k in bias.indices { bias[k] -= mean }
        return Fit(weight: weight, bias: bias, loss: value, iterations: outcome.iterations,
                   gradientNorm: gradientNorm, converged: outcome.converged)
    }
}
