import Foundation
import Testing

/// `siglip eval` and `siglip embed --scales` end to end, on the committed datasets (Tests/Fixtures/datasets).
@Suite("siglip eval and multi-scale embeddings")
struct EvalCLITests {
    static let digits = CLI.fixtures.appendingPathComponent("datasets/digits").path
    static let photos = CLI.fixtures.appendingPathComponent("datasets/photos/pairs.jsonl").path

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-eval-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func jsonObject(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func twoModelsSideBySideOnClassFolders() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json"), html = dir.appendingPathComponent("r.html")
        let out = try CLI.run(["eval", "--model", CLI.model("tiny-siglip"), "--model", CLI.model("tiny-unequal"), "--classes", Self.digits,
                               "--templates", "ensemble", "--json", json.path, "--report", html.path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.count == 2)
        #expect(out.lines.map { $0["images"] as? Int } == [300, 300])
        let report = try jsonObject(json)
        let dataset = try #require(report["dataset"] as? [String: Any])
        #expect(dataset["images"] as? Int == 300 && dataset["classes"] as? Int == 10 && dataset["kind"] as? String == "classes")
        let models = try #require(report["models"] as? [[String: Any]])
        #expect(models.count == 2)
        #expect(models.map { URL(fileURLWithPath: $0["model"] as? String ?? "").lastPathComponent } == ["tiny-siglip", "tiny-unequal"])
        let zeroShot = try #require(models.first?["zeroShot"] as? [String: Any])
        let perClass = try #require(zeroShot["perClass"] as? [[String: Any]])
        #expect(perClass.map { $0["name"] as? String } == ["eight", "five", "four", "nine", "one", "seven", "six", "three", "two", "zero"])
        #expect(perClass.allSatisfy { $0["images"] as? Int == 30 })
        let confusion = try #require(zeroShot["confusion"] as? [[Int]])
        #expect(confusion.count == 10 && confusion.joined().reduce(0, +) == 300)
        // The top-1 line printed equals the diagonal of the confusion written.
        let diagonal = confusion.indices.map { confusion[$0][$0] }.reduce(0, +)
        #expect(abs((out.lines[0]["top1"] as? Double ?? -1) - Double(diagonal) / 300) < 1e-4)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("data:image/png;base64,") && page.contains("1. tiny-siglip [native]"))
        #expect(page.contains("2. tiny-unequal [native]"))
    }

    /// SigLIP, SigLIP 2 (fixed size) and SigLIP 2 NaFlex through the one `ImageTextModel` path, in one report.
    @Test func siglipAndSiglip2FamiliesSideBySide() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json"), html = dir.appendingPathComponent("r.html")
        let names = ["tiny-siglip", "tiny-siglip2", "tiny-naflex"]
        let out = try CLI.run(["eval", "--pairs", Self.photos, "--json", json.path, "--report", html.path] + names.flatMap { ["--model", CLI.model($0)] })
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.map { $0["images"] as? Int } == [12, 12, 12])
        let models = try #require(try jsonObject(json)["models"] as? [[String: Any]])
        #expect(models.map { $0["modelType"] as? String } == ["siglip", "siglip", "siglip2"])
        #expect(models.map { URL(fileURLWithPath: $0["model"] as? String ?? "").lastPathComponent } == names)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(names.enumerated().allSatisfy { page.contains("\($0.offset + 1). \($0.element) [native]") })
    }

    /// A model that cannot be loaded, or cannot run at the scales asked, is reported; the others are still
    /// evaluated and written, and the exit status is 1.
    @Test func aFailingModelDoesNotStopTheOthers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json"), html = dir.appendingPathComponent("r.html")
        let missing = dir.appendingPathComponent("no-such-model").path
        let out = try CLI.run(["eval", "--model", missing, "--model", CLI.model("tiny-siglip"), "--model", CLI.model("tiny-naflex"),
                               "--pairs", Self.photos, "--scales", "32,48", "--json", json.path, "--report", html.path])
        #expect(out.status == 1, "\(out.stderr)")
        #expect(out.lines.count == 3)
        #expect(out.lines.map { $0["model"] as? String } == [missing, CLI.model("tiny-siglip"), CLI.model("tiny-naflex")])
        #expect(out.lines[0]["error"] != nil && out.lines[2]["error"] != nil)
        #expect(out.lines[1]["images"] as? Int == 12 && out.lines[1]["scales"] as? String == "32+48 (mean)")
        #expect(out.stderr.contains("no-such-model") && out.stderr.contains("NaFlex"))
        let report = try jsonObject(json)
        #expect((report["models"] as? [[String: Any]])?.count == 1)
        let failures = try #require(report["failures"] as? [[String: Any]])
        #expect(failures.map { $0["model"] as? String } == [missing, CLI.model("tiny-naflex")])
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("Models not evaluated") && page.contains("no-such-model"))
    }

    @Test func unreadableImagesAreSkippedAndListedAndNamesAreEscaped() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = FileManager.default
        let root = dir.appendingPathComponent("classes")
        for (folder, source) in [("<b>&cat", "three"), ("dog", "seven")] {
            try files.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            for name in ["0000.png", "0001.png"] {
                try files.copyItem(atPath: Self.digits + "/\(source)/\(name)", toPath: root.appendingPathComponent("\(folder)/\(name)").path)
            }
        }
        try Data("not an image".utf8).write(to: root.appendingPathComponent("dog/broken.png"))
        let json = dir.appendingPathComponent("r.json"), html = dir.appendingPathComponent("r.html")
        let out = try CLI.run(["eval", "--model", CLI.model("tiny-siglip"), "--classes", root.path, "--templates", "bare",
                               "--json", json.path, "--report", html.path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.first?["images"] as? Int == 4 && out.lines.first?["unreadable"] as? Int == 1)
        #expect(out.stderr.contains("broken.png"))
        let models = try #require(try jsonObject(json)["models"] as? [[String: Any]])
        let unreadable = try #require(models.first?["unreadable"] as? [[String: Any]])
        #expect(unreadable.count == 1 && (unreadable.first?["path"] as? String)?.hasSuffix("dog/broken.png") == true)
        // The reason is the decoder's own message, not Foundation's generic "The operation could not be completed".
        let reason = unreadable.first?["error"] as? String ?? ""
        #expect(!reason.isEmpty && !reason.contains("could not be completed"), "\(reason)")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.contains("&lt;b&gt;&amp;cat"))
        #expect(!page.contains("<b>&cat"))
    }

    @Test func pairsGiveRetrievalRecall() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("r.json")
        let out = try CLI.run(["eval", "--model", CLI.model("tiny-siglip"), "--pairs", Self.photos, "--json", json.path])
        #expect(out.status == 0, "\(out.stderr)")
        let line = try #require(out.lines.first)
        let value = { (key: String) in line[key] as? Double ?? -1 }
        for direction in ["i2t", "t2i"] {
            #expect(0 <= value("\(direction)_r1") && value("\(direction)_r1") <= value("\(direction)_r5"))
            #expect(value("\(direction)_r5") <= value("\(direction)_r10") && value("\(direction)_r10") <= 1)
        }
        // Zero-shot counts only an image's first caption; image-to-text R@1 accepts either of its two.
        #expect(0 <= value("top1") && value("top1") <= value("i2t_r1"))
        let report = try jsonObject(json)
        let dataset = try #require(report["dataset"] as? [String: Any])
        #expect(dataset["images"] as? Int == 12 && dataset["texts"] as? Int == 24 && dataset["kind"] as? String == "pairs")
        let retrieval = try #require((report["models"] as? [[String: Any]])?.first?["retrieval"] as? [String: Any])
        #expect(retrieval["images"] as? Int == 12 && retrieval["texts"] as? Int == 24)
    }

    /// The trained shapes model is far above chance (1 in 30) on new generated images; a random model is not.
    @Test func aTrainedModelScoresAboveChance() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try CLI.run(["datasets", "shapes", "--output", dir.path, "--count", "0", "--test-count", "60", "--seed", "7"])
        #expect(made.status == 0, "\(made.stderr)")
        let shapes = CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models/shapes-siglip").path
        let out = try CLI.run(["eval", "--model", shapes, "--model", CLI.model("tiny-siglip"), "--pairs", dir.appendingPathComponent("test.jsonl").path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.count == 2)
        // Measured: 0.8833 top-1 for the trained model on these 60 images (seed 7), 30 captions.
        #expect(abs((out.lines[0]["top1"] as? Double ?? 0) - 0.8833) < 1e-3)
        #expect((out.lines[1]["top1"] as? Double ?? 1) < 0.2)
    }

    @Test func usageErrorsExit64() throws {
        let m = CLI.model("tiny-siglip")
        for arguments in [["eval", "--model", m], ["eval", "--model", m, "--classes", Self.digits, "--pairs", Self.photos],
                          ["eval", "--classes", Self.digits], ["eval", "--model", m, "--classes", Self.digits, "--scales", "32,0"],
                          ["eval", "--model", m, "--classes", Self.digits, "--templates", "/nonexistent/templates.txt"],
                          ["embed", "--model", m, "--text", "x", "--scales", "32,48", "--raw"]] {
            let out = try CLI.run(arguments)
            #expect(out.status == 64, "\(arguments): \(out.stderr)")
        }
    }

    @Test func embedScalesCombineSeparateRuns() throws {
        let m = CLI.model("tiny-siglip")
        let image = Self.digits + "/three/0000.png"
        func embedding(_ extra: [String]) throws -> [Float] {
            let out = try CLI.run(["embed", "--model", m, "--image", image] + extra)
            #expect(out.status == 0, "\(out.stderr)")
            return floats(out.lines.first?["embedding"])
        }
        let a = try embedding(["--image-size", "32"]), b = try embedding(["--image-size", "48"])
        #expect(a.count == 64 && b.count == 64)
        let mean = try embedding(["--scales", "32,48"])
        let sum = zip(a, b).map { $0 + $1 }
        let norm = sum.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(mean.count == 64 && zip(mean, sum).allSatisfy { abs($0 - $1 / norm) < 1e-5 })
        let concat = try embedding(["--scales", "32,48", "--combine", "concat"])
        let r = Float(0.5).squareRoot()
        #expect(concat.count == 128 && zip(concat, (a + b).map { $0 * r }).allSatisfy { abs($0 - $1) < 1e-5 })
        // Texts repeat to the concatenated width, still unit norm.
        let text = try CLI.run(["embed", "--model", m, "--text", "a cat", "--scales", "32,48", "--combine", "concat"])
        let t = floats(text.lines.first?["embedding"])
        #expect(t.count == 128 && abs(t.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5 && Array(t[0..<64]) == Array(t[64...]))
    }
}
