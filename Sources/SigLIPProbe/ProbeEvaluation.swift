/// How a probe's predictions compare with the truth: accuracy overall and per class, and the confusion matrix.
public struct ProbeEvaluation: Sendable, Equatable {
    /// Class labels, the order of the matrix's rows and columns.
    public let labels: [String]
    /// `confusion[truth][predicted]`: how many examples of class `truth` were predicted as `predicted`.
    public let confusion: [[Int]]

    /// Tallies `predicted` against `truth` (label indices into `labels`).
    public init(labels: [String], truth: [Int], predicted: [Int]) {
        precondition(truth.count == predicted.count, "one prediction per example")
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
        for (t, p) in zip(truth, predicted) { confusion[t][p] += 1 }
        self.labels = labels
        self.confusion = confusion
    }

    /// Examples counted.
    public var total: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    /// Examples predicted correctly.
    public var correct: Int { labels.indices.reduce(0) { $0 + confusion[$1][$1] } }
    /// `correct / total`, or nil with no examples.
    public var accuracy: Double? { total == 0 ? nil : Double(correct) / Double(total) }
    /// Examples of each class.
    public var support: [Int] { confusion.map { $0.reduce(0, +) } }
    /// Accuracy within each class (recall), nil for a class with no examples.
    public var perClassAccuracy: [Double?] {
        labels.indices.map { k in support[k] == 0 ? nil : Double(confusion[k][k]) / Double(support[k]) }
    }
}
