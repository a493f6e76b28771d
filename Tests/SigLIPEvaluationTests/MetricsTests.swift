import Foundation
import Testing
@testable import SigLIPEvaluation

@Suite("Evaluation metrics, by hand")
struct MetricsTests {
    // Three images, three classes. Row 0: truth 0 ranks first. Row 1: truth 2 ranks second. Row 2: truth 1 ranks third.
    let scores: [[Float]] = [[0.9, 0.1, 0.2], [0.5, 0.1, 0.3], [0.7, 0.1, 0.6]]
    let labels = [0, 2, 1]

    @Test func topKCountsTheTrueClassWithinK() {
        #expect(Metrics.topKAccuracy(scores: scores, labels: labels, k: 1) == 1.0 / 3)
        #expect(Metrics.topKAccuracy(scores: scores, labels: labels, k: 2) == 2.0 / 3)
        #expect(Metrics.topKAccuracy(scores: scores, labels: labels, k: 3) == 1)
        #expect(Metrics.topKAccuracy(scores: [], labels: [], k: 1) == 0)
    }

    @Test func tiesCountInTheQuerysFavour() {
        // Equal scores: the true class is not beaten by anything strictly higher, so it is a top-1 hit.
        #expect(Metrics.topKAccuracy(scores: [[0.5, 0.5]], labels: [1], k: 1) == 1)
    }

    @Test func confusionAndPerClassAccuracy() {
        let predicted = scores.map(Metrics.argmax)
        #expect(predicted == [0, 0, 0])
        let confusion = Metrics.confusion(predicted: predicted, labels: labels, classes: 3)
        #expect(confusion == [[1, 0, 0], [1, 0, 0], [1, 0, 0]])
        #expect(Metrics.perClassAccuracy(confusion: confusion) == [1, 0, 0])
        #expect(Metrics.perClassAccuracy(confusion: [[0, 0], [1, 1]]) == [nil, 0.5])
    }

    @Test func recallIsAHitWhenAnyRelevantCandidateIsWithinK() {
        // Query 0's relevant set {1, 2}: candidate 2 ranks second, candidate 1 last; query 1's {0} ranks third.
        let s: [[Float]] = [[0.9, 0.0, 0.5], [0.2, 0.8, 0.9]]
        let relevant: [Set<Int>] = [[1, 2], [0]]
        #expect(Metrics.recallAtK(scores: s, relevant: relevant, k: 1) == 0)
        #expect(Metrics.recallAtK(scores: s, relevant: relevant, k: 2) == 0.5)
        #expect(Metrics.recallAtK(scores: s, relevant: relevant, k: 3) == 1)
        #expect(Metrics.recallAtK(scores: s, relevant: [[], [0]], k: 3) == 0.5, "no relevant candidate is a miss")
    }

    @Test func topKListsBestFirst() {
        #expect(Metrics.topK([0.1, 0.9, 0.5, 0.9], k: 3) == [1, 3, 2])
    }

    @Test func ensembleIsTheRenormalisedMeanOfUnitRows() {
        // [3, 0] and [0, 0.5] normalise to the two axes; their mean renormalised is the diagonal.
        let e = Vectors.ensemble([[3, 0], [0, 0.5]])
        let r = Float(0.5).squareRoot()
        #expect(abs(e[0] - r) < 1e-6 && abs(e[1] - r) < 1e-6)
    }

    @Test func scaleCombinations() throws {
        let mean = ImageScales(sides: [16, 32], combine: .mean)
        let m = mean.combined([[2, 0], [0, 1]])
        let r = Float(0.5).squareRoot()
        #expect(abs(m[0] - r) < 1e-6 && abs(m[1] - r) < 1e-6)
        let concat = ImageScales(sides: [16, 32], combine: .concat)
        let c = concat.combined([[2, 0], [0, 1]])
        #expect(c.count == 4 && abs(c[0] - r) < 1e-6 && c[1] == 0 && c[2] == 0 && abs(c[3] - r) < 1e-6)
        // Concat cosines are the mean of the per-scale cosines: text [1, 0] matches scale 1 fully, scale 2 not at all.
        #expect(abs(Vectors.dot(c, concat.matchingText([4, 0])) - 0.5) < 1e-6)
        #expect(mean.matchingText([4, 0]) == [1, 0])
    }

    @Test func scaleListsAreParsedStrictly() throws {
        #expect(try ImageScales(parsing: "224, 384", combine: .mean).sides == [224, 384])
        #expect(throws: EvaluationError.self) { try ImageScales(parsing: "224,0", combine: .mean) }
        #expect(throws: EvaluationError.self) { try ImageScales(parsing: "224,224", combine: .mean) }
        #expect(throws: EvaluationError.self) { try ImageScales(parsing: "224,", combine: .mean) }
        #expect(ImageScales().label == "native")
        #expect(ImageScales(sides: [224, 384], combine: .concat).label == "224+384 (concat)")
    }

    @Test func templates() throws {
        #expect(PromptTemplates.photo.prompts(for: "cat") == ["a photo of a cat."])
        #expect(throws: EvaluationError.self) { try PromptTemplates(name: "x", templates: ["no placeholder"]) }
        #expect(throws: EvaluationError.self) { try PromptTemplates.named("/nonexistent/templates.txt") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID()).txt")
        try "# comment\n\na {} here\nthe {}\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try PromptTemplates.named(file.path).templates == ["a {} here", "the {}"])
    }

    @Test func htmlEscapesEverySpecialCharacter() {
        #expect(HTML.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
    }
}
