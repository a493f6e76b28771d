import Foundation
import Testing
import SigLIPProbe

/// The probe's logistic regression against the optimum of scikit-learn 1.9.1's `LogisticRegression` (found by its
/// second-order `solver="newton-cholesky"` at tol=1e-15, and checked by the script against newton-cg and lbfgs) on
/// tiny-siglip's embeddings of the digits (Tests/Fixtures/probe, written by scripts/fixtures/probe.py).
@Suite("Logistic regression matches scikit-learn")
struct ParityTests {
    /// Fits a case as scikit-learn was asked to, returning coefficients, centred intercepts and probabilities.
    static func fit(_ c: Fixtures.Case, C: Double? = nil) throws -> (coef: [Double], intercept: [Double], proba: [Double], fit: LogisticRegression.Fit) {
        var features = c.features
        if c.standardized {
            let standardizer = Standardizer(fitting: features, dimension: Fixtures.dimension)
            features = standardizer.apply(features)
        }
        let weights = c.classWeight.map { w in (0..<c.classes).map { w[$0] ?? 1 } }
        let fit = try LogisticRegression(C: C ?? c.C, classWeights: weights)
            .fit(features: features, dimension: Fixtures.dimension, labels: c.labels, classes: c.classes)
        let d = Fixtures.dimension
        var proba: [Double] = []
        for r in 0..<c.labels.count {
            let z = (0..<c.classes).map { k in
                fit.bias[k] + (0..<d).reduce(0) { $0 + fit.weight[k * d + $1] * features[r * d + $1] }
            }
            proba += softmax(z)
        }
        return (fit.weight, fit.bias, proba, fit)
    }

    /// Both fits reach the optimum to about float64 rounding (ours by Newton steps after L-BFGS) and the fixture is
    /// float32; measured worst: 4.1e-8 × max|coef| (c1-standardized). Without the Newton steps L-BFGS's end point is
    /// 7.6e-6 away (c100's intercept; 5.0e-6 for c1-standardized's), and scikit-learn's lbfgs 5.2e-6 (the script's).
    static let parameterTolerance = 5e-6
    /// Measured worst: 3.0e-8 (c1-standardized, c100).
    static let probabilityTolerance = 2e-6

    @Test(arguments: ["c1", "c100", "c0.05-weighted", "c1-standardized", "c2-binary-3-8"])
    func sameOptimumAsScikitLearn(_ name: String) throws {
        let c = try Fixtures.sklearnCase(name)
        let ours = try Self.fit(c)
        let converged = ours.fit.converged
        #expect(converged, "L-BFGS stopped at gradient \(ours.fit.gradientNorm) after \(ours.fit.iterations) iterations")
        let scale = max(c.coef.reduce(0) { max($0, abs($1)) }, 1)
        #expect(maxDifference(ours.coef, c.coef) <= Self.parameterTolerance * scale)
        let interceptDifference = maxDifference(ours.intercept, c.intercept)
        print("\(name): coef \(maxDifference(ours.coef, c.coef) / scale), intercept \(interceptDifference / scale) × max|coef|, "
              + "proba \(maxDifference(ours.proba, c.proba)); gradient \(ours.fit.gradientNorm) after \(ours.fit.iterations) iterations")
        #expect(interceptDifference <= Self.parameterTolerance * scale)
        #expect(maxDifference(ours.proba, c.proba) <= Self.probabilityTolerance)
        if let mean = c.mean, let scale = c.scale {
            let standardizer = Standardizer(fitting: c.features, dimension: Fixtures.dimension)
            #expect(maxDifference(standardizer.mean, mean) <= 1e-7)
            #expect(maxDifference(standardizer.scale, scale) <= 1e-7)
        }
    }
}

/// The tolerances above catch a regularisation that is off by a little, not only by a lot.
@Suite("A wrong regularisation scale fails parity")
struct RegularisationScaleTests {
    /// C 1% too large moves the c1 optimum far beyond the parity tolerance.
    @Test func onePercentWrongCFails() throws {
        let c = try Fixtures.sklearnCase("c1")
        let wrong = try ParityTests.fit(c, C: c.C * 1.01)
        let scale = max(c.coef.reduce(0) { max($0, abs($1)) }, 1)
        #expect(maxDifference(wrong.coef, c.coef) > 10 * ParityTests.parameterTolerance * scale)
    }

    /// The penalty of a mean loss (½‖W‖²/C beside the mean rather than the sum) is C·n in scikit-learn's terms.
    @Test func meanLossPenaltyFails() throws {
        let c = try Fixtures.sklearnCase("c1")
        let wrong = try ParityTests.fit(c, C: c.C * Double(c.labels.count))
        #expect(maxDifference(wrong.proba, c.proba) > 1000 * ParityTests.probabilityTolerance)
    }

    /// Two classes without halving C (the softmax pair's penalty counted as the sigmoid's) is scikit-learn's 2C.
    @Test func binaryWithoutHalvingFails() throws {
        let c = try Fixtures.sklearnCase("c2-binary-3-8")
        let wrong = try ParityTests.fit(c, C: c.C * 2)
        let scale = max(c.coef.reduce(0) { max($0, abs($1)) }, 1)
        #expect(maxDifference(wrong.coef, c.coef) > 10 * ParityTests.parameterTolerance * scale)
    }
}
