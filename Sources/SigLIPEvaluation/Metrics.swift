import Foundation

/// Evaluation metrics over score matrices (`scores[query][candidate]`, higher is better). A candidate's rank is
/// the number of candidates scoring strictly higher, so ties count in the query's favour (as sklearn's
/// `top_k_accuracy_score` does).
public enum Metrics {
    /// The rank (0 = best) of candidate `index` in one row of scores.
    public static func rank(of index: Int, in row: [Float]) -> Int {
        let score = row[index]
        return row.reduce(0) { $0 + ($1 > score ? 1 : 0) }
    }

    /// The share of rows whose true class (`labels[i]`) ranks within the top `k`; 0 for no rows.
    public static func topKAccuracy(scores: [[Float]], labels: [Int], k: Int) -> Double {
        precondition(scores.count == labels.count, "topKAccuracy: one label per row")
        guard !labels.isEmpty else { return 0 }
        let hits = zip(scores, labels).filter { rank(of: $0.1, in: $0.0) < k }.count
        return Double(hits) / Double(labels.count)
    }

    /// The highest-scoring candidate of a row (the first on ties); -1 for an empty row.
    public static func argmax(_ row: [Float]) -> Int {
        var best = -1
        for i in row.indices where best < 0 || row[i] > row[best] { best = i }
        return best
    }

    /// The `k` best candidates of a row, best first (earlier index first on ties).
    public static func topK(_ row: [Float], k: Int) -> [Int] {
        Array(row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(k))
    }

    /// `confusion[truth][predicted]` counts of top-1 predictions over `classes` classes.
    public static func confusion(predicted: [Int], labels: [Int], classes: Int) -> [[Int]] {
        precondition(predicted.count == labels.count, "confusion: one prediction per label")
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (p, t) in zip(predicted, labels) where (0..<classes).contains(p) && (0..<classes).contains(t) { matrix[t][p] += 1 }
        return matrix
    }

    /// Top-1 accuracy within each class (the confusion diagonal over its row sum); nil for a class with no rows.
    public static func perClassAccuracy(confusion: [[Int]]) -> [Double?] {
        confusion.enumerated().map { i, row in
            let total = row.reduce(0, +)
            return total > 0 ? Double(row[i]) / Double(total) : nil
        }
    }

    /// Recall@k for retrieval: the share of queries with at least one relevant candidate within the top `k`.
    /// A query with no relevant candidates counts as a miss.
    public static func recallAtK(scores: [[Float]], relevant: [Set<Int>], k: Int) -> Double {
        precondition(scores.count == relevant.count, "recallAtK: one relevant set per query")
        guard !scores.isEmpty else { return 0 }
        let hits = zip(scores, relevant).filter { row, rel in
            guard let best = rel.map({ rank(of: $0, in: row) }).min() else { return false }
            return best < k
        }.count
        return Double(hits) / Double(scores.count)
    }
}
