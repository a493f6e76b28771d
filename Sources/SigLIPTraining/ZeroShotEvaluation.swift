import Foundation
import SigLIP
import Tensor

/// Top-1 zero-shot accuracy of a model over labelled test images: each image's caption must be the label whose
/// text embedding is nearest (the sigmoid is monotonic, so t and b do not change the ranking).
public struct ZeroShotEvaluation: Sendable {
    /// Every candidate label, in the order given.
    public let labels: [String]
    /// The labels' token ids.
    let labelIDs: [[Int]]
    /// `[N, 3, H, W]` pixels of the readable test images.
    let pixelValues: Tensor
    /// For each image, the index of its caption in `labels`.
    let answers: [Int]
    /// For each image, the group it is counted in ("seen", "held-out", or "all").
    let groups: [String]
    /// How many test images are counted.
    public var imageCount: Int { answers.count }
    /// Test images that could not be read, with the reason.
    public let skipped: [(path: String, error: String)]

    /// Reads a JSON Lines test file of `{"image", "text"}` rows, optionally with `"group": NAME` or
    /// `"held_out": BOOL` (as `siglip datasets shapes` writes); the labels are `labels`, or else every distinct
    /// caption in file order. A caption missing from `labels` is an error naming its line.
    public init(jsonLines url: URL, labels: [String]? = nil, loader: BatchLoader) throws {
        let examples = try TrainingData.jsonLines(at: url)
        var groupOf: [String] = []
        let text = try String(contentsOf: url, encoding: .utf8)
        for line in text.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            let group = object?["group"] as? String ?? (object?["held_out"] as? Bool).map { $0 ? "held-out" : "seen" }
            groupOf.append(group ?? "all")
        }
        var names = labels ?? []
        if labels == nil { for e in examples where !names.contains(e.caption) { names.append(e.caption) } }
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (number, e) in examples.enumerated() where index[e.caption] == nil {
            throw TrainingError("\(url.path):\(number + 1): caption \"\(e.caption)\" is not among the labels")
        }
        let loaded = loader.load(examples)
        let keptPaths = Set(loaded.examples.map(\.image))
        self.labels = names
        labelIDs = names.map { loader.tokenizer.encode($0).map(Int.init) }
        pixelValues = loaded.batch?.pixelValues ?? Tensor(zeros: [0])
        answers = loaded.examples.compactMap { index[$0.caption] }
        groups = zip(examples, groupOf).filter { keptPaths.contains($0.0.image) }.map(\.1)
        skipped = loaded.skipped.map { ($0.example.image.path, $0.error) }
    }

    /// Accuracy per group and over all images (key "all"), as fractions, for the given towers.
    public func accuracy(vision: VisionTransformer, text: TextTransformer, batchSize: Int = 256) throws -> [String: Double] {
        guard !answers.isEmpty else { return [:] }
        let texts = l2Normalized(try text(labelIDs).pooled)
        var correct: [String: Int] = [:], total: [String: Int] = [:]
        for start in stride(from: 0, to: answers.count, by: batchSize) {
            let end = min(start + batchSize, answers.count)
            let perImage = pixelValues.count / answers.count
            let slice = Tensor(shape: [end - start] + pixelValues.shape.dropFirst(), borrowing: pixelValues.data + start * perImage,
                               owner: pixelValues)
            let images = l2Normalized(try vision(slice).pooled)
            let scores = linear(images, weight: texts, bias: nil)
            for i in start..<end {
                let row = (i - start) * labels.count
                let best = (0..<labels.count).max { scores.data[row + $0] < scores.data[row + $1] } ?? 0
                for key in Set([groups[i], "all"]) {
                    total[key, default: 0] += 1
                    if best == answers[i] { correct[key, default: 0] += 1 }
                }
            }
        }
        return total.mapValues { Double($0) }.reduce(into: [:]) { $0[$1.key] = Double(correct[$1.key] ?? 0) / $1.value }
    }
}
