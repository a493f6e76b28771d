import Foundation
import SigLIP

/// A labelled zero-shot test file: the examples, the candidate labels, each example's answer and group.
/// Shared by the training-time evaluation (`ZeroShotEvaluation`, on the towers) and `evaluate(model:)` (any family).
public struct ZeroShotTestSet: Sendable {
    /// Every candidate label, in the order given.
    public let labels: [String]
    /// The rows of the file, in order.
    public let examples: [TrainingExample]
    /// For each example, the index of its caption in `labels`.
    let answers: [Int]
    /// For each example, the group it is counted in ("seen", "held-out", a "group" string, or "all").
    let groups: [String]

    /// Reads JSON Lines of `{"image", "text"}` rows, optionally with `"group": NAME` or `"held_out": BOOL` (as
    /// `siglip datasets shapes` writes); the labels are `labels`, or else every distinct caption in file order.
    /// A caption missing from `labels` is an error naming its line.
    public init(jsonLines url: URL, labels: [String]? = nil) throws {
        let examples = try TrainingData.jsonLines(at: url)
        var groups: [String] = []
        let text = try String(contentsOf: url, encoding: .utf8)
        for line in text.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            let group = object?["group"] as? String ?? (object?["held_out"] as? Bool).map { $0 ? "held-out" : "seen" }
            groups.append(group ?? "all")
        }
        var names = labels ?? []
        if labels == nil { for e in examples where !names.contains(e.caption) { names.append(e.caption) } }
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var answers: [Int] = []
        for (number, e) in examples.enumerated() {
            guard let answer = index[e.caption] else {
                throw TrainingError("\(url.path):\(number + 1): caption \"\(e.caption)\" is not among the labels")
            }
            answers.append(answer)
        }
        self.labels = names
        self.examples = examples
        self.answers = answers
        self.groups = groups
    }

    /// Accuracy per group and over all (key "all"), as fractions: `chosen[i]` is the label picked for the
    /// example at `rows[i]`.
    static func accuracy(chosen: [Int], answers: [Int], groups: [String]) -> [String: Double] {
        var correct: [String: Int] = [:], total: [String: Int] = [:]
        for (i, best) in chosen.enumerated() {
            for key in Set([groups[i], "all"]) {
                total[key, default: 0] += 1
                if best == answers[i] { correct[key, default: 0] += 1 }
            }
        }
        return total.reduce(into: [:]) { $0[$1.key] = Double(correct[$1.key] ?? 0) / Double($1.value) }
    }

    /// Top-1 accuracy of any image–text model: each image is right when its own label's text embedding is the
    /// nearest (every family's activation is monotonic in the cosine, so this is its top zero-shot label).
    /// Images that cannot be embedded are left out and listed; a label that cannot be embedded throws.
    public func evaluate(model: any ImageTextModel, batchSize: Int = 16)
        throws -> (accuracy: [String: Double], imageCount: Int, skipped: [(path: String, error: String)]) {
        let texts = try model.textEmbeddings(for: labels, batchSize: 64, normalized: true).map { try $0.get() }
        let images = model.imageEmbeddings(for: examples.map(\.image), batchSize: batchSize, side: nil, normalized: true)
        var chosen: [Int] = [], kept: [Int] = [], skipped: [(path: String, error: String)] = []
        for (i, result) in images.enumerated() {
            switch result {
            case .success(let image):
                let cosines = texts.map { zip(image, $0).reduce(0) { $0 + $1.0 * $1.1 } }
                chosen.append(cosines.indices.max { cosines[$0] < cosines[$1] } ?? 0)
                kept.append(i)
            case .failure(let error):
                skipped.append((examples[i].image.path, "\(error)"))
            }
        }
        let accuracy = Self.accuracy(chosen: chosen, answers: kept.map { answers[$0] }, groups: kept.map { groups[$0] })
        return (accuracy, kept.count, skipped)
    }
}
