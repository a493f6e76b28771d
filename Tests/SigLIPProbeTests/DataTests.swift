import Foundation
import SigLIPProbe
import Testing

@Suite("Folder-per-class data and evaluation")
struct DataTests {
    @Test func listsTheDigitsByClassFolder() throws {
        let data = try ClassFolders(directory: Fixtures.digits)
        // The class names are folder names in name order (as scripts/fixtures/probe.py numbers them).
        #expect(data.labels == ["eight", "five", "four", "nine", "one", "seven", "six", "three", "two", "zero"])
        #expect(data.files.count == 300)
        #expect((0..<10).allSatisfy { k in data.classes.filter { $0 == k }.count == 30 })
        #expect(data.files.allSatisfy { $0.pathExtension == "png" && $0.deletingLastPathComponent().lastPathComponent == data.labels[data.classes[data.files.firstIndex(of: $0) ?? 0]] })
    }

    @Test func splitIsStratifiedAndReproducible() throws {
        let data = try ClassFolders(directory: Fixtures.digits)
        let a = data.split(validationFraction: 0.2, seed: 7), b = data.split(validationFraction: 0.2, seed: 7)
        #expect(a.train == b.train && a.validation == b.validation)
        #expect(a.validation.count == 60 && a.train.count == 240)
        #expect(Set(a.train).isDisjoint(with: a.validation))
        #expect((0..<10).allSatisfy { k in a.validation.filter { data.classes[$0] == k }.count == 6 })
        #expect(data.split(validationFraction: 0.2, seed: 8).validation != a.validation)
        // A class of one image keeps it for training.
        #expect(data.split(validationFraction: 0.99, seed: 7).train.count == 10)
    }

    @Test func refusesAnEmptyClassFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probe-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("a/x.png"))
        try Data("notes".utf8).write(to: dir.appendingPathComponent("b/readme.txt"))
        #expect(throws: ProbeError("\(dir.path)/b: no images (gif, jpeg, jpg, png, webp)")) { try ClassFolders(directory: dir) }
    }

    @Test func confusionMatrixAndAccuracies() {
        let e = ProbeEvaluation(labels: ["a", "b", "c"], truth: [0, 0, 1, 1, 1, 2], predicted: [0, 1, 1, 1, 0, 0])
        #expect(e.confusion == [[1, 1, 0], [1, 2, 0], [1, 0, 0]])
        #expect(e.total == 6 && e.correct == 3 && e.accuracy == 0.5)
        #expect(e.perClassAccuracy == [0.5, 2.0 / 3.0, 0])
        #expect(ProbeEvaluation(labels: ["a", "b"], truth: [], predicted: []).accuracy == nil)
    }
}
