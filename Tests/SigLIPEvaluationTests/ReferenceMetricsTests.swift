import Foundation
import Testing
@testable import SigLIPEvaluation

/// Our metrics against what scikit-learn and numpy computed on the same fixed embeddings
/// (scripts/fixtures/eval_metrics.py, Tests/Fixtures/eval/metrics.json).
@Suite("Evaluation metrics against scikit-learn and numpy")
struct ReferenceMetricsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/eval/metrics.json")

    func part(_ name: String) throws -> [String: Any] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.fixture)) as? [String: Any])
        return try #require(object[name] as? [String: Any], "fixture part \(name)")
    }
    func matrix(_ value: Any?) throws -> [[Float]] {
        let rows = try #require(value as? [[NSNumber]])
        return rows.map { $0.map(\.floatValue) }
    }
    func matrix3(_ value: Any?) throws -> [[[Float]]] {
        let blocks = try #require(value as? [[[NSNumber]]])
        return blocks.map { $0.map { $0.map(\.floatValue) } }
    }
    func double(_ p: [String: Any], _ key: String) throws -> Double { try #require((p[key] as? NSNumber)?.doubleValue, "\(key)") }
    /// Shares are compared to 1e-9: one hit moves them by 1/40 or more, and Foundation's JSON reader may round
    /// a written double such as 0.4444444444444444 one bit away from 4/9.
    func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    @Test func zeroShotMatchesSklearn() throws {
        let z = try part("zero_shot")
        let scores = Vectors.similarities(try matrix(z["image_embeddings"]), try matrix(z["class_embeddings"]))
        let labels = try #require(z["labels"] as? [Int])
        #expect(scores.count == 40 && labels.count == 40)
        let top1 = try double(z, "top1"), top5 = try double(z, "top5")
        #expect(same(Metrics.topKAccuracy(scores: scores, labels: labels, k: 1), top1))
        #expect(same(Metrics.topKAccuracy(scores: scores, labels: labels, k: 5), top5))
        let confusion = Metrics.confusion(predicted: scores.map(Metrics.argmax), labels: labels, classes: 7)
        #expect(confusion == (try #require(z["confusion"] as? [[Int]])))
        let perClass = Metrics.perClassAccuracy(confusion: confusion).map { $0 ?? -1 }
        let expected = try #require(z["per_class"] as? [Double])
        #expect(perClass.count == 7 && expected.count == 7)
        #expect(zip(perClass, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func templateEnsemblesMatchNumpy() throws {
        let t = try part("templates")
        let templates = try matrix3(t["template_embeddings"])
        let expected = try matrix(t["ensembles"])
        #expect(templates.count == 3 && expected.count == 3)
        for (rows, want) in zip(templates, expected) {
            let got = Vectors.ensemble(rows)
            #expect(zip(got, want).allSatisfy { abs($0 - $1) < 1e-6 }, "\(got) vs \(want)")
        }
    }

    @Test func retrievalMatchesNumpy() throws {
        let r = try part("retrieval")
        let images = try matrix(r["image_embeddings"]), texts = try matrix(r["text_embeddings"])
        let owner = try #require(r["owner"] as? [Int])
        #expect(images.count == 9 && texts.count == 14 && owner.count == 14)
        let dataset = PairDataset(images: images.indices.map { URL(fileURLWithPath: "/\($0)") }, texts: texts.indices.map { "\($0)" },
                                  captionsOfImage: images.indices.map { i in Set(owner.indices.filter { owner[$0] == i }) })
        let scores = Vectors.similarities(images, texts)
        for k in [1, 5, 10] {
            let i2t = Metrics.recallAtK(scores: scores, relevant: dataset.captionsOfImage, k: k), want = try double(r, "i2t_r\(k)")
            #expect(same(i2t, want), "i2t R@\(k): \(i2t) vs \(want)")
            let t2i = Metrics.recallAtK(scores: Vectors.transposed(scores), relevant: dataset.imagesOfText, k: k), t2iWant = try double(r, "t2i_r\(k)")
            #expect(same(t2i, t2iWant), "t2i R@\(k): \(t2i) vs \(t2iWant)")
        }
    }

    @Test func scaleCombinationsMatchNumpy() throws {
        let m = try part("multi_scale")
        let perScale = try matrix3(m["scales"])
        #expect(perScale.count == 2 && perScale[0].count == 5)
        for (combine, key) in [(ScaleCombination.mean, "mean"), (.concat, "concat")] {
            let scales = ImageScales(sides: [16, 32], combine: combine)
            let expected = try matrix(m[key])
            #expect(expected.count == 5)
            for i in 0..<5 {
                let got = scales.combined([perScale[0][i], perScale[1][i]])
                #expect(got.count == expected[i].count && zip(got, expected[i]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(key) row \(i)")
            }
        }
        let texts = try matrix(m["texts"]), wide = try matrix(m["concat_texts"])
        let concat = ImageScales(sides: [16, 32], combine: .concat)
        #expect(texts.count == 3)
        for (t, want) in zip(texts, wide) {
            #expect(zip(concat.matchingText(t), want).allSatisfy { abs($0 - $1) < 1e-6 })
        }
    }
}
