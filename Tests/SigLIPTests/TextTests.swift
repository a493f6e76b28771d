import Foundation
import Testing
import SigLIP
import Tensor

@Suite("From strings to embeddings, as a transformers user gets them")
struct TextTests {
    static let models = ["tiny-siglip", "tiny-unequal", "tiny-siglip2"]

    func texts(_ model: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model(model).appendingPathComponent("expected/texts.json")))
    }

    @Test("the checkpoint's tokenizer gives the reference ids", arguments: models)
    func idsAreIdentical(model: String) throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model(model))
        let ids = try Fixtures.array(model, "texts_input_ids")
        let ours = try texts(model).flatMap { try pipeline.tokenizer().encode($0).map(Int64.init) }
        #expect(ours == ids.integers)
    }

    @Test("text embeddings match", arguments: models)
    func embeddingsMatch(model: String) throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model(model))
        let expected = try Fixtures.tensor(model, "texts_embeds_raw")
        for batchSize in [1, 4, 64] {
            let rows = try pipeline.textEmbeddings(for: try texts(model), batchSize: batchSize, normalized: false).map { try $0.get() }
            try #require(rows.count == expected.shape[0] && rows.allSatisfy { $0.count == expected.shape[1] })
            let error = maxRelativeRowError(Tensor(shape: expected.shape, values: rows.flatMap { $0 }), expected)
            print("parity \(model) texts batch \(batchSize): \(error)")
            #expect(error <= Tolerance.relative)
        }
    }

    @Test("zero-shot scores are the reference's logits through a sigmoid", arguments: models)
    func zeroShot(model: String) throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model(model))
        let labels = try texts(model)
        let files = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model(model).appendingPathComponent("expected/image_files.json")))
            .map { Fixtures.root.appendingPathComponent("images/files/\($0)") }
        let expected = try Fixtures.tensor(model, "zero_shot_logits")
        let results = try pipeline.classify(images: files, labels: labels, template: "{}")
        try #require(!files.isEmpty && !labels.isEmpty && results.count == files.count && expected.count == files.count * labels.count)
        var worst: Float = 0
        defer { print("parity \(model) zero-shot logits: \(worst)") }
        for (i, result) in results.enumerated() {
            let scores = try result.get()
            #expect(scores.count == labels.count)
            #expect(scores.map(\.probability) == scores.map(\.probability).sorted(by: >))
            for (j, label) in labels.enumerated() {
                let score = try #require(scores.first { $0.label == label })
                worst = max(worst, abs(score.logit - expected[i * labels.count + j]))
                #expect(abs(score.logit - expected[i * labels.count + j]) <= Tolerance.logits)
                #expect(abs(score.probability - 1 / (1 + Foundation.exp(-score.logit))) <= 1e-6)
            }
        }
    }
}
