import Foundation
import Testing
import SigLIPProbe

@Suite("L-BFGS")
struct LBFGSTests {
    /// Rosenbrock's valley is the classic hard case for a line search: curved, badly scaled, minimum at (1, 1).
    @Test func findsRosenbrockMinimum() {
        let outcome = LBFGS().minimize(from: [-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            g[0] = -2 * a - 400 * x[0] * b
            g[1] = 200 * b
            return a * a + 100 * b * b
        }
        #expect(outcome.converged)
        #expect(abs(outcome.x[0] - 1) < 1e-6 && abs(outcome.x[1] - 1) < 1e-6)
        #expect(outcome.iterations < 100)
    }

    /// An ill-conditioned quadratic (curvatures 1…1e4) reaches its known minimum.
    @Test func findsQuadraticMinimum() {
        let n = 20
        let curvature = (0..<n).map { pow(1e4, Double($0) / Double(n - 1)) }
        let target = (0..<n).map { Double($0) - 7.5 }
        let outcome = LBFGS().minimize(from: [Double](repeating: 0, count: n)) { x, g in
            var f = 0.0
            for i in 0..<n {
                g[i] = curvature[i] * (x[i] - target[i])
                f += 0.5 * curvature[i] * (x[i] - target[i]) * (x[i] - target[i])
            }
            return f
        }
        #expect(outcome.converged)
        let error = zip(outcome.x, target).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        // The gradient tolerance 1e-8 over the smallest curvature 1 bounds the error by 1e-8 (measured 1.5e-9); an
        // objective-progress stop with scipy's absolute floor of 1 ended 4.1e-7 away.
        print("quadratic: max |x − minimum| = \(error) after \(outcome.iterations) iterations, gradient \(outcome.gradientNorm)")
        #expect(error < 1e-7)
    }

    /// The iteration limit ends the run unconverged rather than looping on.
    @Test func stopsAtIterationLimit() {
        var optimizer = LBFGS()
        optimizer.maxIterations = 3
        let outcome = optimizer.minimize(from: [-1.2, 1]) { x, g in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            g[0] = -2 * a - 400 * x[0] * b
            g[1] = 200 * b
            return a * a + 100 * b * b
        }
        #expect(!outcome.converged)
        #expect(outcome.iterations == 3)
    }
}
