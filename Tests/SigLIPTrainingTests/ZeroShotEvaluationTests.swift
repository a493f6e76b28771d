import Foundation
import NPY
import SigLIP
import SigLIPTraining
import Testing

@Suite("Zero-shot evaluation: top-1 per group against the reference's embeddings")
struct ZeroShotEvaluationTests {
    let model = TrainingFixture.root.appendingPathComponent("models/tiny-siglip")

    func matrix(_ name: String) throws -> [[Float]] {
        let a = try NPYArray(contentsOf: model.appendingPathComponent("expected/\(name).npy"))
        let f = a.floats, n = a.shape[1]
        return stride(from: 0, to: f.count, by: n).map { row in
            let v = Array(f[row..<(row + n)])
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }

    @Test("each image counts as right exactly when the reference ranks its caption first; groups counted apart")
    func accuracyFollowsTheReferenceRanking() throws {
        // transformers' raw embeddings of the seven fixture image files and six fixture texts.
        let images = try matrix("image_files_embeds_raw"), texts = try matrix("texts_embeds_raw")
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: model.appendingPathComponent("expected/image_files.json")))
        let labels = try JSONDecoder().decode([String].self, from: Data(contentsOf: model.appendingPathComponent("expected/texts.json")))
        var rows: [String] = [], expected: [String: (right: Int, total: Int)] = [:]
        for (k, image) in images.enumerated() {
            let scores = texts.map { zip(image, $0).reduce(0) { $0 + $1.0 * $1.1 } }
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
            #expect(scores[ranked[0]] - scores[ranked[1]] > 1e-4, "the fixture's top two must not tie")
            // Even images get the reference's first choice as caption, odd ones its second: right, then wrong.
            let group = k % 2 == 0 ? "first" : "second"
            let caption = labels[ranked[k % 2]]
            let path = TrainingFixture.root.appendingPathComponent("images/files/\(names[k])").path
            let object: [String: Any] = ["image": path, "text": caption, "group": group]
            rows.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
            for key in [group, "all"] {
                expected[key, default: (0, 0)].total += 1
                if k % 2 == 0 { expected[key, default: (0, 0)].right += 1 }
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zero-shot-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        try rows.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)

        let pipeline = try SiglipPipeline(directory: model)
        let loader = BatchLoader(processor: try pipeline.imageProcessor(), tokenizer: try pipeline.tokenizer())
        let evaluation = try ZeroShotEvaluation(jsonLines: file, labels: labels, loader: loader)
        #expect(evaluation.imageCount == 7 && evaluation.skipped.isEmpty)
        for batchSize in [256, 3] {
            let accuracy = try evaluation.accuracy(vision: pipeline.model.vision, text: pipeline.model.text, batchSize: batchSize)
            #expect(Set(accuracy.keys) == ["first", "second", "all"])
            for (key, count) in expected { #expect(accuracy[key] == Double(count.right) / Double(count.total), "\(key)") }
        }
    }

    @Test("a caption outside the labels is an error naming the line; an unreadable image is skipped and listed")
    func badRowsAreReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zero-shot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = TrainingFixture.root.appendingPathComponent("images/files/photo_rocket.jpg").path
        let file = dir.appendingPathComponent("test.jsonl")
        try "{\"image\": \"\(good)\", \"text\": \"a dog\", \"held_out\": true}\n{\"image\": \"missing.png\", \"text\": \"a cat\", \"held_out\": false}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let pipeline = try SiglipPipeline(directory: model)
        let loader = BatchLoader(processor: try pipeline.imageProcessor(), tokenizer: try pipeline.tokenizer())
        #expect(throws: TrainingError.self) { try ZeroShotEvaluation(jsonLines: file, labels: ["a dog"], loader: loader) }
        let evaluation = try ZeroShotEvaluation(jsonLines: file, loader: loader)
        #expect(evaluation.labels == ["a dog", "a cat"])
        #expect(evaluation.imageCount == 1 && evaluation.skipped.count == 1 && evaluation.skipped[0].path.hasSuffix("missing.png"))
        let accuracy = try evaluation.accuracy(vision: pipeline.model.vision, text: pipeline.model.text)
        #expect(Set(accuracy.keys) == ["held-out", "all"])
    }
}
