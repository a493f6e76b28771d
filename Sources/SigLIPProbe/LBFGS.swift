/// Limited-memory BFGS with a strong-Wolfe line search: minimises a smooth function given its value and gradient.
/// On a convex objective (a probe's regularised logistic loss) it converges to the optimum.
public struct LBFGS: Sendable {
    /// Stop once every gradient component is at most this in magnitude (scipy's `pgtol`, scikit-learn's `tol`).
    public var gradientTolerance = 1e-8
    /// Stop after this many iterations even if the gradient is still larger.
    public var maxIterations = 10_000
    /// Corrections kept for the inverse-Hessian estimate.
    public var memory = 20
    /// Most function evaluations one line search may take.
    public var maxLineSearchEvaluations = 50

    /// Defaults: converge to `gradientTolerance` 1e-8 within 10,000 iterations.
    public init() {}

    /// How a minimisation ended.
    public struct Outcome: Sendable {
        /// The point reached.
        public let x: [Double]
        /// The function's value there.
        public let value: Double
        /// The largest gradient component there.
        public let gradientNorm: Double
        /// Iterations taken.
        public let iterations: Int
        /// Whether the gradient tolerance was met or the value stopped changing (rather than the iteration limit or a
        /// failed line search).
        public let converged: Bool
    }

    /// Minimises `f` from `x0`; `f(x, &gradient)` returns the value at `x` and writes the gradient.
    public func minimize(from x0: [Double], _ f: ([Double], inout [Double]) -> Double) -> Outcome {
        var x = x0
        var g = [Double](repeating: 0, count: x.count)
        var value = f(x, &g)
        var sHistory: [[Double]] = [], yHistory: [[Double]] = [], rhoHistory: [Double] = []
        var iteration = 0
        while true {
            let gNorm = g.reduce(0) { max($0, abs($1)) }
            if gNorm <= gradientTolerance || !value.isFinite || iteration >= maxIterations {
                return Outcome(x: x, value: value, gradientNorm: gNorm, iterations: iteration, converged: gNorm <= gradientTolerance)
            }
            var d = direction(g, sHistory, yHistory, rhoHistory)
            var slope = dot(d, g)
            if !(slope < 0) {
                // The estimate lost positive definiteness (rounding): restart from steepest descent.
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                d = g.map { -$0 }
                slope = dot(d, g)
            }
            // The first step of steepest descent has no curvature to scale it: take a unit-length move.
            let initial = sHistory.isEmpty ? min(1, 1 / max(d.reduce(0) { $0 + $1 * $1 }.squareRoot(), .leastNormalMagnitude)) : 1
            guard let step = lineSearch(f, x: x, value: value, direction: d, slope: slope, initial: initial) else {
                return Outcome(x: x, value: value, gradientNorm: gNorm, iterations: iteration, converged: false)
            }
            let s = d.map { $0 * step.alpha }
            let y = zip(step.gradient, g).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                if sHistory.count == memory { sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst() }
                sHistory.append(s); yHistory.append(y); rhoHistory.append(1 / sy)
            }
            x = step.x
            g = step.gradient
            let previous = value
            value = step.value
            iteration += 1
            // No representable progress left (64 ulps of the value, scikit-learn's ftol): the optimum is reached to
            // machine precision even if the gradient, computed in rounded arithmetic, is above tolerance. Unlike
            // scipy's ftol the scale has no floor of 1: a minimum near 0 (a quadratic's) would otherwise stop the
            // run on an absolute 1e-14 decrease far from it, and the gradient tolerance decides there instead.
            if previous - value <= 64 * Double.ulpOfOne * max(abs(previous), abs(value)) && sHistory.count > 1 {
                return Outcome(x: x, value: value, gradientNorm: g.reduce(0) { max($0, abs($1)) }, iterations: iteration, converged: true)
            }
        }
    }

    /// The two-loop recursion: −H·g with H the inverse-Hessian estimate from the stored corrections.
    private func direction(_ g: [Double], _ s: [[Double]], _ y: [[Double]], _ rho: [Double]) -> [Double] {
        var q = g
        var alphas = [Double](repeating: 0, count: s.count)
        for i in s.indices.reversed() {
            alphas[i] = rho[i] * dot(s[i], q)
            axpy(-alphas[i], y[i], &q)
        }
        if let lastS = s.last, let lastY = y.last {
            let gamma = dot(lastS, lastY) / dot(lastY, lastY)
            for i in q.indices { q[i] *= gamma }
        }
        for i in s.indices {
            let beta = rho[i] * dot(y[i], q)
            axpy(alphas[i] - beta, s[i], &q)
        }
        return q.map { -$0 }
    }

    private struct Point {
        let alpha: Double, x: [Double], value: Double, gradient: [Double], slope: Double
    }

    /// A step satisfying the strong Wolfe conditions (sufficient decrease, curvature 0.9), by bracketing and
    /// bisection-safeguarded cubic interpolation (Nocedal & Wright, algorithms 3.5 and 3.6); nil if none is found.
    private func lineSearch(_ f: ([Double], inout [Double]) -> Double, x: [Double], value: Double, direction d: [Double],
                            slope: Double, initial: Double) -> Point? {
        let c1 = 1e-4, c2 = 0.9
        var evaluations = 0
        func evaluate(_ alpha: Double) -> Point {
            evaluations += 1
            var trial = x
            axpy(alpha, d, &trial)
            var gradient = [Double](repeating: 0, count: x.count)
            let v = f(trial, &gradient)
            return Point(alpha: alpha, x: trial, value: v, gradient: gradient, slope: dot(gradient, d))
        }
        let start = Point(alpha: 0, x: x, value: value, gradient: [], slope: slope)
        func acceptable(_ p: Point) -> Bool { p.value.isFinite && p.value <= value + c1 * p.alpha * slope }
        func zoom(_ loIn: Point, _ hiIn: Point) -> Point? {
            var lo = loIn, hi = hiIn
            while evaluations < maxLineSearchEvaluations {
                let alpha = interpolate(lo, hi)
                let p = evaluate(alpha)
                if !acceptable(p) || p.value >= lo.value {
                    hi = p
                } else {
                    if abs(p.slope) <= -c2 * slope { return p }
                    if p.slope * (hi.alpha - lo.alpha) >= 0 { hi = lo }
                    lo = p
                }
                if abs(hi.alpha - lo.alpha) <= 1e-16 * max(abs(lo.alpha), 1) { break }
            }
            // The interval collapsed: a point with sufficient decrease still makes progress.
            return lo.alpha > 0 ? lo : nil
        }
        var previous = start
        var alpha = initial
        while evaluations < maxLineSearchEvaluations {
            let p = evaluate(alpha)
            if !acceptable(p) || (evaluations > 1 && p.value >= previous.value) { return zoom(previous, p) }
            if abs(p.slope) <= -c2 * slope { return p }
            if p.slope >= 0 { return zoom(p, previous) }
            previous = p
            alpha *= 2
        }
        return previous.alpha > 0 ? previous : nil
    }

    /// The minimiser of the cubic through two points' values and slopes, kept well inside the interval.
    private func interpolate(_ a: Point, _ b: Point) -> Double {
        let lo = min(a.alpha, b.alpha), hi = max(a.alpha, b.alpha), width = hi - lo
        guard a.value.isFinite, b.value.isFinite else { return (lo + hi) / 2 }
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.alpha - b.alpha)
        let radicand = d1 * d1 - a.slope * b.slope
        guard radicand >= 0 else { return (lo + hi) / 2 }
        let d2 = (b.alpha > a.alpha ? 1.0 : -1.0) * radicand.squareRoot()
        let t = b.alpha - (b.alpha - a.alpha) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
        // Safeguard: never within 10% of either end, so the interval shrinks geometrically.
        guard t.isFinite else { return (lo + hi) / 2 }
        return min(max(t, lo + 0.1 * width), hi - 0.1 * width)
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

@inline(__always) func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for i in y.indices { y[i] += alpha * x[i] }
}
