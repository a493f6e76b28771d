import Foundation
import Tensor

/// Newton steps from near the optimum of the logistic objective, each direction solved by Jacobi-preconditioned
/// conjugate gradients on Hessian-vector products (the Hessian itself, (classes·(dimension+1))², is never formed).
///
/// L-BFGS ends when the float64 objective stops changing or its gradient tolerance is met, and on a flat optimum (a
/// large C) the parameters are then still gradient / curvature away (7.6e-6 × max|coef| on the digits at C=100). Newton steps use only the gradient, which keeps shrinking well past that
/// point, and converge quadratically: a few of them reach the optimum to float64 rounding.
struct NewtonPolish {
    /// Newton steps at most.
    var steps: Int
    /// Hessian-vector products at most over all steps (each costs about one gradient evaluation).
    var products: Int
    /// Each step's conjugate gradients stop once the residual is this fraction of the gradient (Euclidean norms).
    var relativeResidual = 1e-6

    /// The point reached, its value and gradient; the start's if no step made the gradient smaller.
    func run(_ objective: LogisticObjective, from start: [Double]) -> (x: [Double], value: Double, gradient: [Double]) {
        var x = start
        var gradient = [Double](repeating: 0, count: x.count)
        var value = objective.evaluate(x, &gradient)
        var norm = maxMagnitude(gradient)
        var budget = products
        for _ in 0..<steps {
            guard budget > 0, norm > 0, value.isFinite else { break }
            let curvature = objective.curvature(at: x)
            let step = solve(objective, curvature, gradient, budget: &budget)
            var trial = x
            axpy(1, step, &trial)
            var trialGradient = [Double](repeating: 0, count: x.count)
            let trialValue = objective.evaluate(trial, &trialGradient)
            let trialNorm = maxMagnitude(trialGradient)
            // Near the optimum a Newton step shrinks the gradient; once rounding stops it, or the value rises beyond
            // rounding, keep the last point.
            guard trialValue.isFinite, trialNorm < norm,
                  trialValue <= value + 64 * Double.ulpOfOne * abs(value) else { break }
            (x, value, gradient, norm) = (trial, trialValue, trialGradient, trialNorm)
        }
        return (x, value, gradient)
    }

    /// Approximately −H⁻¹·g by preconditioned conjugate gradients, within `budget` Hessian-vector products.
    private func solve(_ objective: LogisticObjective, _ curvature: LogisticObjective.Curvature, _ gradient: [Double],
                       budget: inout Int) -> [Double] {
        var residual = gradient.map { -$0 }
        objective.centreBias(&residual)
        let inverseDiagonal = objective.hessianDiagonal(curvature).map { $0 > 0 ? 1 / $0 : 1 }
        let target = relativeResidual * dot(residual, residual).squareRoot()
        var step = [Double](repeating: 0, count: gradient.count)
        var z = zip(residual, inverseDiagonal).map { $0 * $1 }
        var direction = z
        var rz = dot(residual, z)
        while budget > 0 {
            let hd = objective.hessianProduct(curvature, direction)
            budget -= 1
            let curvatureAlong = dot(direction, hd)
            guard curvatureAlong > 0, rz > 0 else { break }
            let alpha = rz / curvatureAlong
            axpy(alpha, direction, &step)
            axpy(-alpha, hd, &residual)
            if dot(residual, residual).squareRoot() <= target { break }
            z = zip(residual, inverseDiagonal).map { $0 * $1 }
            let next = dot(residual, z)
            let beta = next / rz
            rz = next
            for i in direction.indices { direction[i] = z[i] + beta * direction[i] }
        }
        return step
    }
}

extension LogisticObjective {
    /// What the Hessian depends on at a point: each example's softmax probabilities, `[n × classes]` row-major.
    struct Curvature: Sendable {
        let probabilities: [Double]
    }

    /// The softmax probabilities at `parameters`.
    func curvature(at parameters: [Double]) -> Curvature {
        let n = labels.count, k = classes
        var z = affine(rows: 0..<n, parameters)
        for r in 0..<n {
            let top = z[(r * k)..<((r + 1) * k)].max() ?? 0
            var sum = 0.0
            for c in 0..<k {
                z[r * k + c] = exp(z[r * k + c] - top)
                sum += z[r * k + c]
            }
            for c in 0..<k { z[r * k + c] /= sum }
        }
        return Curvature(probabilities: z)
    }

    /// The Hessian's diagonal: per weight (c, j) `scale·Σᵢ sᵢ·pᵢc(1−pᵢc)·xᵢⱼ² + penalty`, per bias without xᵢⱼ².
    func hessianDiagonal(_ curvature: Curvature) -> [Double] {
        let n = labels.count, d = dimension, k = classes
        var a = [Double](repeating: 0, count: n * k)
        for r in 0..<n {
            for c in 0..<k {
                let p = curvature.probabilities[r * k + c]
                a[r * k + c] = sampleWeights[r] * p * (1 - p)
            }
        }
        let squares = features.map { $0 * $0 }
        var diagonal = [Double](repeating: 0, count: k * (d + 1))
        a.withUnsafeBufferPointer { a in
            squares.withUnsafeBufferPointer { x in
                diagonal.withUnsafeMutableBufferPointer { out in
                    BLAS.dgemm(m: k, n: d, k: n, a: a, transposeA: true, b: x, c: UnsafeMutableBufferPointer(rebasing: out[0..<(k * d)]))
                }
            }
        }
        for i in 0..<(k * d) { diagonal[i] = diagonal[i] * scale + penalty }
        for c in 0..<k { diagonal[k * d + c] = scale * (0..<n).reduce(0) { $0 + a[$1 * k + c] } }
        return diagonal
    }

    /// H·v for v = `[V row-major, v_b]`: with uᵢ = V·xᵢ + v_b, each example adds sᵢ·(pᵢ⊙uᵢ − pᵢ·(pᵢ·uᵢ)) ⊗ [xᵢ, 1].
    func hessianProduct(_ curvature: Curvature, _ v: [Double]) -> [Double] {
        let d = dimension, k = classes
        var product = sumOverBlocks { rows in
            var u = affine(rows: rows, v)
            for r in 0..<rows.count {
                let i = rows.lowerBound + r
                var mean = 0.0
                for c in 0..<k { mean += curvature.probabilities[i * k + c] * u[r * k + c] }
                for c in 0..<k { u[r * k + c] = sampleWeights[i] * curvature.probabilities[i * k + c] * (u[r * k + c] - mean) }
            }
            return (backProject(rows: rows, u), 0)
        }.total
        for i in 0..<(k * d) { product[i] = product[i] * scale + penalty * v[i] }
        for i in (k * d)..<(k * (d + 1)) { product[i] *= scale }
        centreBias(&product)
        return product
    }

    /// Removes the biases' mean: softmax ignores a shift shared by all classes, so the Hessian is singular along it.
    func centreBias(_ v: inout [Double]) {
        let start = classes * dimension
        let mean = v[start...].reduce(0, +) / Double(classes)
        for i in start..<v.count { v[i] -= mean }
    }
}

/// The largest |component|.
func maxMagnitude(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
