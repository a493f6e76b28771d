/// Per-feature standardisation, `(x − mean) / scale`, as scikit-learn's `StandardScaler`: the population standard
/// deviation, and scale 1 for a feature that does not vary (so it passes through centred, not divided by zero).
public struct Standardizer: Sendable, Equatable {
    /// Each feature's mean over the training rows.
    public let mean: [Double]
    /// Each feature's standard deviation over the training rows, or 1 where that is 0.
    public let scale: [Double]

    /// A standardiser with given statistics.
    public init(mean: [Double], scale: [Double]) {
        self.mean = mean
        self.scale = scale
    }

    /// The statistics of `rows` rows of `dimension` features (row-major).
    public init(fitting features: [Double], dimension: Int) {
        let rows = features.count / max(dimension, 1)
        var mean = [Double](repeating: 0, count: dimension), variance = mean
        for r in 0..<rows { for j in 0..<dimension { mean[j] += features[r * dimension + j] } }
        for j in 0..<dimension { mean[j] /= Double(max(rows, 1)) }
        for r in 0..<rows {
            for j in 0..<dimension {
                let c = features[r * dimension + j] - mean[j]
                variance[j] += c * c
            }
        }
        self.mean = mean
        scale = variance.map { v in
            let s = (v / Double(max(rows, 1))).squareRoot()
            return s > 0 && s.isFinite ? s : 1
        }
    }

    /// `features` (rows of `mean.count`) standardised.
    public func apply(_ features: [Double]) -> [Double] {
        let d = mean.count
        return features.indices.map { (features[$0] - mean[$0 % d]) / scale[$0 % d] }
    }
}
