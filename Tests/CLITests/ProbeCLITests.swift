import Foundation
import Testing

/// `siglip probe train|predict|eval` end to end on the digits with the tiny model.
@Suite("siglip probe")
struct ProbeCLITests {
    static let digits = CLI.fixtures.appendingPathComponent("datasets/digits")

    static func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("probe-cli-\(name)-\(UUID().uuidString)")
    }

    @Test func trainPredictEvalAgree() throws {
        let probe = Self.scratch("probe")
        defer { try? FileManager.default.removeItem(at: probe) }
        let train = try CLI.run(["probe", "train", "--model", CLI.model("tiny-siglip"), "--classes", Self.digits.path, "--output", probe.path,
                                 "--standardize", "--C", "1", "--validation-split", "0.2", "--threads", "1"])
        #expect(train.status == 0, "\(train.stderr)")
        let report = try #require(train.lines.first)
        #expect(report["classes"] as? Int == 10 && report["dimension"] as? Int == 64)
        #expect(report["train_images"] as? Int == 240 && report["validation_images"] as? Int == 60 && report["skipped"] as? Int == 0)
        #expect(report["converged"] as? Bool == true)
        let trainAccuracy = try #require(report["train_accuracy"] as? Double), validationAccuracy = try #require(report["validation_accuracy"] as? Double)
        #expect(FileManager.default.fileExists(atPath: probe.appendingPathComponent("probe.safetensors").path))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: probe.appendingPathComponent("probe.json"))) as? [String: Any]
        #expect((manifest?["labels"] as? [String])?.sorted() == ["eight", "five", "four", "nine", "one", "seven", "six", "three", "two", "zero"])

        // eval over every image counts the train and validation hits the training run reported, no more, no fewer.
        let eval = try CLI.run(["probe", "eval", "--probe", probe.path, "--classes", Self.digits.path, "--threads", "1"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let scores = try #require(eval.lines.first)
        #expect(scores["images"] as? Int == 300)
        #expect(scores["correct"] as? Int == Int((trainAccuracy * 240).rounded()) + Int((validationAccuracy * 60).rounded()))
        let confusion = (scores["confusion"] as? [Any] ?? []).map { ($0 as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue } }
        #expect(confusion.count == 10 && confusion.allSatisfy { $0.reduce(0, +) == 30 })

        // predict: one line per image in order, a softmax over the labels, and a bad file reported in place.
        let broken = Self.scratch("broken.png")
        try Data("not an image".utf8).write(to: broken)
        defer { try? FileManager.default.removeItem(at: broken) }
        let images = [Self.digits.appendingPathComponent("three/0000.png").path, broken.path, Self.digits.appendingPathComponent("seven/0001.png").path]
        let predict = try CLI.run(["probe", "predict", "--probe", probe.path, "--model", CLI.model("tiny-siglip"), "--top", "10"] + images)
        #expect(predict.status == 1)
        #expect(predict.lines.map { $0["input"] as? String } == images)
        #expect(predict.lines[1]["error"] != nil && predict.lines[0]["error"] == nil && predict.lines[2]["error"] == nil)
        for line in [predict.lines[0], predict.lines[2]] {
            let list = line["scores"] as? [[String: Any]] ?? []
            let probabilities = list.compactMap { ($0["probability"] as? NSNumber)?.doubleValue }
            #expect(list.count == 10 && abs(probabilities.reduce(0, +) - 1) < 1e-5)
            #expect(probabilities == probabilities.sorted(by: >) && line["label"] as? String == list.first?["label"] as? String)
        }
    }

    @Test func refusesAnotherModelsEmbeddings() throws {
        let probe = Self.scratch("probe")
        defer { try? FileManager.default.removeItem(at: probe) }
        let train = try CLI.run(["probe", "train", "--model", CLI.model("tiny-siglip"), "--classes", Self.digits.path, "--output", probe.path,
                                 "--validation-split", "0", "--threads", "1"])
        #expect(train.status == 0, "\(train.stderr)")
        let image = Self.digits.appendingPathComponent("one/0000.png").path
        let other = try CLI.run(["probe", "predict", "--probe", probe.path, "--model", CLI.model("tiny-unequal"), image])
        #expect(other.status != 0 && other.lines.isEmpty)
        #expect(other.stderr.contains("\(probe.path): trained on the siglip model at ") && other.stderr.contains("is a different model"))
    }

    @Test func refusesAnEvalFolderThatIsNotALabel() throws {
        let probe = Self.scratch("probe"), data = Self.scratch("data")
        defer { for d in [probe, data] { try? FileManager.default.removeItem(at: d) } }
        let train = try CLI.run(["probe", "train", "--model", CLI.model("tiny-siglip"), "--classes", Self.digits.path, "--output", probe.path,
                                 "--validation-split", "0", "--threads", "1"])
        #expect(train.status == 0, "\(train.stderr)")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("eleven"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.digits.appendingPathComponent("one/0000.png"), to: data.appendingPathComponent("eleven/a.png"))
        let eval = try CLI.run(["probe", "eval", "--probe", probe.path, "--classes", data.path])
        #expect(eval.status != 0)
        #expect(eval.stderr.contains("\(data.path)/eleven: 'eleven' is not one of the probe's labels"))
    }
}
