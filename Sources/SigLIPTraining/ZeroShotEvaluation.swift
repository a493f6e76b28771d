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
        let set = try ZeroShotTestSet(jsonLines: url, labels: labels)
        let loaded = loader.load(set.examples)
        let keptPaths = Set(loaded.examples.map(\.image))
        let kept = set.examples.indices.filter { keptPaths.contains(set.examples[$0].image) }
        self.labels = set.labels
        labelIDs = set.labels.map { loader.tokenizer.encode($0).map(Int.init) }
        pixelValues = loaded.batch?.pixelValues ?? Tensor(zeros: [0])
        answers = kept.map { set.answers[$0] }
        groups = kept.map { set.groups[$0] }
        skipped = loaded.skipped.map { ($0.example.image.path, $0.error) }
    }

    /// Accuracy per group and over all images (key "all"), as fractions, for the given towers.
    public func accuracy(vision: VisionTransformer, text: TextTransformer, batchSize: Int = 256) throws -> [String: Double] {
        guard !answers.isEmpty else { return [:] }
        let texts = l2Normalized(try text(labelIDs).pooled)
        var chosen: [Int] = []
        for start in stride(from: 0, to: answers.count, by: batchSize) {
            let end = min(start + batchSize, answers.count)
            let perImage = pixelValues.count / answers.count
            let slice = Tensor(shape: [end - start] + pixelValues.shape.dropFirst(), borrowing: pixelValues.data + start * perImage,
                               owner: pixelValues)
            let images = l2Normalized(try vision(slice).pooled)
            let scores = linear(images, weight: texts, bias: nil)
            for i in start..<end {
                let row = (i - start) * labels.count
                chosen.append((0..<labels.count).max { scores.data[row + $0] < scores.data[row + $1] } ?? 0)
            }
        }
        return ZeroShotTestSet.accuracy(chosen: chosen, answers: answers, groups: groups)
    }
}
