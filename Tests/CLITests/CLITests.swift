import Foundation
import Testing
import NPY

/// Runs the built `siglip` executable and captures what it prints.
struct CLI {
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["SIGLIP_BINARY"] { return URL(fileURLWithPath: path) }
        // swift test runs the test bundle from the build products directory, next to the executable.
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return products.appendingPathComponent("siglip")
    }()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    struct Output {
        let status: Int32
        let lines: [[String: Any]]
        let stderr: String
    }

    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: stdout, as: UTF8.self).split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsed": String(line)]
        }
        return Output(status: process.terminationStatus, lines: lines, stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func model(_ name: String) -> String { fixtures.appendingPathComponent("models/\(name)").path }
    static func expected(_ model: String, _ file: String) -> String { fixtures.appendingPathComponent("models/\(model)/expected/\(file).npy").path }
}

func floats(_ value: Any?) -> [Float] { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } ?? [] }

@Suite("The siglip command line")
struct CLITests {
    @Test func embedPrintsOneLinePerInputInOrder() throws {
        let m = "tiny-unequal"
        let out = try CLI.run(["embed", "--model", CLI.model(m), "--pixel-values", CLI.expected(m, "pixel_values"),
                               "--input-ids", CLI.expected(m, "input_ids"), "--batch-size", "2"])
        #expect(out.status == 0, "\(out.stderr)")
        let images = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected(m, "image_embeds"))).floats
        let texts = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected(m, "text_embeds"))).floats
        let reference = stride(from: 0, to: images.count, by: 48).map { Array(images[$0..<$0 + 48]) }
            + stride(from: 0, to: texts.count, by: 48).map { Array(texts[$0..<$0 + 48]) }
        #expect(out.lines.map { $0["input"] as? String } == ["npy:0", "npy:1", "npy:0", "npy:1", "npy:2"])
        #expect(out.lines.count == reference.count)
        for (line, ref) in zip(out.lines, reference) {
            let v = floats(line["embedding"])
            let cosine = zip(v, ref).map { $0 * $1 }.reduce(0, +)
            #expect(v.count == 48 && cosine >= 0.99999)
        }
    }

    @Test func rawPrintsPooledOutputs() throws {
        let m = "tiny-siglip"
        let out = try CLI.run(["embed", "--model", CLI.model(m), "--pixel-values", CLI.expected(m, "pixel_values"), "--raw", "--threads", "1"])
        #expect(out.status == 0)
        let raw = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected(m, "image_embeds_raw"))).floats
        for (i, line) in out.lines.enumerated() {
            let v = floats(line["embedding"]), ref = Array(raw[(i * 64)..<((i + 1) * 64)])
            let scale = ref.map(abs).max() ?? 1
            #expect(zip(v, ref).map { abs($0 - $1) }.max() ?? 1 <= 1e-4 * scale)
        }
    }

    @Test func aBadInputIsReportedInPlaceAndTheRestStillRun() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ids-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Row 1 holds an id past the 1000-entry vocabulary; rows 0 and 2 are fine.
        let ids: [Int64] = [5, 6, 1, 1, 7, 5000, 1, 1, 9, 9, 9, 1]
        try NPYArray(shape: [3, 4], values: .int(ids)).write(to: scratch)
        let out = try CLI.run(["embed", "--model", CLI.model("tiny-siglip"), "--pixel-values", "/nonexistent/pixels.npy",
                               "--input-ids", scratch.path])
        #expect(out.status != 0)
        #expect(out.lines.count == 4)
        #expect(out.lines[0]["input"] as? String == "npy:/nonexistent/pixels.npy")
        #expect((out.lines[0]["error"] as? String)?.contains("cannot read") == true)
        #expect(floats(out.lines[1]["embedding"]).count == 64)
        #expect((out.lines[2]["error"] as? String)?.contains("token id 5000") == true)
        #expect(out.lines[2]["input"] as? String == "npy:1")
        #expect(floats(out.lines[3]["embedding"]).count == 64)
        #expect(out.stderr.contains("token id 5000"))
    }

    @Test func aModelThatCannotLoadFailsWithItsReason() throws {
        let out = try CLI.run(["embed", "--model", "/nonexistent/model", "--input-ids", CLI.expected("tiny-siglip", "input_ids")])
        #expect(out.status != 0)
        #expect(out.stderr.contains("/nonexistent/model/config.json"))
    }

    @Test func argumentsAreValidated() throws {
        #expect(try CLI.run(["embed", "--model", CLI.model("tiny-siglip")]).status != 0)
        #expect(try CLI.run(["embed", "--model", CLI.model("tiny-siglip"), "--threads", "0", "--input-ids", "x.npy"]).status != 0)
    }
}

@Suite("siglip with image files")
struct CLIImageTests {
    static let images = ["photo_chelsea_q90.jpg", "photo_rocket.jpg"].map { CLI.fixtures.appendingPathComponent("images/files/\($0)").path }

    @Test func embedImagesMatchesTheReference() throws {
        let out = try CLI.run(["embed", "--model", CLI.model("tiny-siglip"), "--raw"] + Self.images.flatMap { ["--image", $0] })
        #expect(out.status == 0, "\(out.stderr)")
        let raw = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-siglip", "image_files_embeds_raw"))).floats
        #expect(out.lines.map { $0["input"] as? String } == Self.images)
        for (i, line) in out.lines.enumerated() {
            let v = floats(line["embedding"]), ref = Array(raw[(i * 64)..<((i + 1) * 64)])
            #expect(zip(v, ref).map { abs($0 - $1) }.max() ?? 1 <= 1e-4 * (ref.map(abs).max() ?? 1))
        }
    }

    @Test func preprocessWritesTheReferencePixels() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pixels-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let out = try CLI.run(["preprocess", "--model", CLI.model("tiny-siglip")] + Self.images + ["--output", output.path])
        #expect(out.status == 0, "\(out.stderr)")
        let ours = try NPYArray(contentsOf: output)
        let reference = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-siglip", "image_files_pixel_values")))
        #expect(ours.shape == [2, 3, 32, 32])
        #expect(ours.floats == Array(reference.floats.prefix(2 * 3 * 32 * 32)))
    }

    @Test func imageSizeRunsAnotherResolution() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pixels-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let out = try CLI.run(["preprocess", "--model", CLI.model("tiny-siglip"), "--image-size", "48", Self.images[0], "--output", output.path])
        #expect(out.status == 0)
        #expect(try NPYArray(contentsOf: output).shape == [1, 3, 48, 48])
        let embedded = try CLI.run(["embed", "--model", CLI.model("tiny-siglip"), "--image-size", "48", "--image", Self.images[0]])
        #expect(embedded.status == 0 && floats(embedded.lines.first?["embedding"]).count == 64)
    }

    @Test func unreadableImagesAreReportedAndTheRestWritten() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pixels-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let out = try CLI.run(["preprocess", "--model", CLI.model("tiny-siglip"), "/nonexistent.png", Self.images[1], "--output", output.path])
        #expect(out.status == 1)
        #expect(out.lines.count == 1 && out.lines[0]["input"] as? String == "/nonexistent.png")
        #expect(try NPYArray(contentsOf: output).shape == [1, 3, 32, 32])
    }
}

@Suite("siglip with texts")
struct CLITextTests {
    func texts(_ model: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: CLI.fixtures.appendingPathComponent("models/\(model)/expected/texts.json")))
    }

    @Test(arguments: ["tiny-siglip", "tiny-unequal"])
    func tokenizePrintsTheReferenceIds(model: String) throws {
        let texts = try texts(model)
        let out = try CLI.run(["tokenize", "--model", CLI.model(model)] + texts)
        #expect(out.status == 0, "\(out.stderr)")
        let reference = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected(model, "texts_input_ids")))
        let ours = out.lines.flatMap { ($0["ids"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int64Value } }
        #expect(ours == reference.integers)
        #expect(out.lines.map { $0["text"] as? String } == texts)
    }

    @Test func embedTextsMatchesTheReference() throws {
        let texts = try texts("tiny-unequal")
        let out = try CLI.run(["embed", "--model", CLI.model("tiny-unequal"), "--raw"] + texts.flatMap { ["--text", $0] })
        #expect(out.status == 0, "\(out.stderr)")
        let raw = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-unequal", "texts_embeds_raw"))).floats
        #expect(out.lines.count == texts.count)
        for (i, line) in out.lines.enumerated() {
            let v = floats(line["embedding"]), ref = Array(raw[(i * 48)..<((i + 1) * 48)])
            #expect(zip(v, ref).map { abs($0 - $1) }.max() ?? 1 <= 1e-4 * (ref.map(abs).max() ?? 1))
        }
    }

    @Test func classifyPrintsSigmoidScoresHighestFirst() throws {
        let labels = try texts("tiny-siglip")
        let image = CLI.fixtures.appendingPathComponent("images/files/photo_chelsea_q90.jpg").path
        let out = try CLI.run(["classify", "--model", CLI.model("tiny-siglip"), "--template", "{}"] + labels.flatMap { ["--label", $0] }
                              + [image, "/nonexistent.jpg"])
        #expect(out.status == 1)
        #expect(out.lines.count == 2)
        #expect(out.lines[1]["input"] as? String == "/nonexistent.jpg" && out.lines[1]["error"] != nil)
        let scores = out.lines[0]["scores"] as? [[String: Any]] ?? []
        let logits = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-siglip", "zero_shot_logits"))).floats
        #expect(scores.count == labels.count)
        let probabilities = scores.compactMap { ($0["probability"] as? NSNumber)?.floatValue }
        #expect(probabilities == probabilities.sorted(by: >))
        for score in scores {
            let label = score["label"] as? String ?? "", logit = (score["logit"] as? NSNumber)?.floatValue ?? .nan
            let j = try #require(labels.firstIndex(of: label))
            #expect(abs(logit - logits[j]) <= 1e-3, "logit of \(label)")
        }
    }
}

@Suite("siglip tokenize over the whole tokenizer corpus")
struct CLICorpusTests {
    static let tokenizers = CLI.fixtures.appendingPathComponent("tokenizers")

    /// The corpus texts, written one JSON string per line for `--input`.
    func corpusFile() throws -> (URL, Int) {
        let lines = try String(contentsOf: Self.tokenizers.appendingPathComponent("corpus.jsonl"), encoding: .utf8).split(separator: "\n")
        // JSONDecoder/JSONEncoder: JSONSerialization drops a U+FEFF inside a string on Linux (corpus row 36 has one).
        struct Row: Decodable { let text: String }
        let texts = try lines.map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)).text }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString).jsonl")
        let body = try texts.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try (body.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return (file, texts.count)
    }

    /// The reference ids of one tokenizer fixture, padded back to 64 with `pad`.
    func expected(_ tokenizer: String, key: String, pad: Int64) throws -> [[Int64]] {
        let lines = try String(contentsOf: Self.tokenizers.appendingPathComponent("\(tokenizer)/expected.jsonl"), encoding: .utf8).split(separator: "\n").dropFirst()
        return try lines.map { line in
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let ids = (row?[key] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int64Value }
            return ids + Array(repeating: pad, count: 64 - ids.count)
        }
    }

    func run(model: String, reference: [[Int64]], count: Int, file: URL) throws {
        let out = try CLI.run(["tokenize", "--model", model, "--input", file.path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.count == count)
        let mismatches = zip(out.lines, reference).filter { line, ref in
            (line["ids"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int64Value } != ref
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(count) texts differ, first: \(mismatches.first?.0["text"] ?? "")")
    }

    @Test func siglipPipelineThroughTheCommandLine() throws {
        let (file, count) = try corpusFile()
        defer { try? FileManager.default.removeItem(at: file) }
        try run(model: CLI.model("tiny-siglip"), reference: try expected("unigram-nmt-nfkc", key: "hf64", pad: 1), count: count, file: file)
    }

    @Test func siglip2PipelineThroughTheCommandLine() throws {
        let (file, count) = try corpusFile()
        // A checkpoint directory with the Gemma-style tokenizer and a 64-position text tower.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("siglip2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: file); try? FileManager.default.removeItem(at: dir) }
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: Self.tokenizers.appendingPathComponent("bpe-gemma/\(name)"), to: dir.appendingPathComponent(name))
        }
        try Data(#"{"model_type": "siglip", "text_config": {"vocab_size": 1000}}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        try run(model: dir.path, reference: try expected("bpe-gemma", key: "v2", pad: 0), count: count, file: file)
    }

    @Test func invalidInputIsRefusedClearly() throws {
        var bad = Data("\"fine\"\n".utf8)
        bad.append(contentsOf: [0x22, 0x61, 0xFF, 0x22, 0x0A])   // "a\xFF": not UTF-8
        bad.append(Data("not json\n".utf8))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).jsonl")
        try bad.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = try CLI.run(["tokenize", "--model", CLI.model("tiny-siglip"), "--input", file.path])
        #expect(out.status == 1)
        #expect(out.lines.count == 3)
        #expect(out.lines[0]["text"] as? String == "fine")
        #expect(out.lines[1]["input"] as? String == "\(file.path):2" && out.lines[1]["error"] != nil)
        #expect(out.lines[2]["input"] as? String == "\(file.path):3" && out.lines[2]["error"] != nil)
    }

    @Test func invalidUTF8ArgumentsAreRefused() throws {
        let process = Process()
        // Process passes Swift Strings, so the invalid bytes go through a shell's printf.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\"$0\" tokenize --model \"$1\" \"$(printf 'ab\\377c')\"", CLI.binary.path, CLI.model("tiny-siglip")]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("not valid UTF-8"))
    }

    @Test func decodeTurnsIdsBackIntoText() throws {
        let out = try CLI.run(["tokenize", "--model", CLI.model("tiny-siglip"), "--decode", "7", "45", "37", "7", "59", "1", "1"])
        #expect(out.status == 0)
        // The same ids the reference gives "This is a photo of a cat." without its first two pieces.
        #expect(out.lines.first?["text"] as? String == "a photo of a cat")
    }
}

@Suite("siglip datasets")
struct CLIDatasetsTests {
    @Test func shapesWritesImagesAndCaptionsThatEmbed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shapes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try CLI.run(["datasets", "shapes", "--output", dir.path, "--count", "5", "--test-count", "3", "--seed", "2"])
        #expect(out.status == 0, "\(out.stderr)")
        let train = try String(contentsOf: dir.appendingPathComponent("train.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(train.count == 5)
        // The images are real files the image pipeline reads.
        let first = try JSONSerialization.jsonObject(with: Data(train[0].utf8)) as? [String: Any]
        let image = dir.appendingPathComponent(first?["image"] as? String ?? "").path
        let embedded = try CLI.run(["embed", "--model", CLI.model("tiny-siglip"), "--image", image])
        #expect(embedded.status == 0 && floats(embedded.lines.first?["embedding"]).count == 64)
        #expect(try CLI.run(["datasets", "shapes", "--output", dir.path, "--size", "4"]).status != 0)
        #expect(try CLI.run(["datasets", "shapes", "--output", dir.path, "--neutral-shapes", "1.5"]).status != 0)
        #expect(try CLI.run(["datasets", "shapes", "--output", dir.path, "--min-radius", "0.45", "--max-radius", "0.4"]).status != 0)
        #expect(try CLI.run(["datasets", "shapes", "--output", dir.path, "--background-tint", "300"]).status != 0)
    }
}

@Suite("siglip train")
struct CLITrainTests {
    @Test func fromScratchThenResumeThenEmbed() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        #expect(try CLI.run(["datasets", "shapes", "--output", work.appendingPathComponent("data").path, "--count", "24", "--test-count", "0"]).status == 0)
        let config = work.appendingPathComponent("config.json")
        try Data(#"{"model_type": "siglip", "text_config": {"vocab_size": 1000, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "max_position_embeddings": 16}, "vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 32, "patch_size": 8}}"#.utf8).write(to: config)
        let out = work.appendingPathComponent("run").path
        let common = ["train", "--data", work.appendingPathComponent("data/train.jsonl").path, "--output", out, "--batch-size", "8", "--lr", "1e-3"]
        let first = try CLI.run(common + ["--config", config.path, "--tokenizer", CLI.fixtures.appendingPathComponent("models/tiny-siglip/spiece.model").path, "--steps", "3"])
        #expect(first.status == 0, "\(first.stderr)")
        let resumed = try CLI.run(common + ["--resume", "--steps", "5"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let metrics = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(metrics.count == 5)
        let steps = metrics.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["step"] as? Int }
        #expect(steps == [1, 2, 3, 4, 5])
        // The result is a checkpoint the rest of siglip loads.
        let embedded = try CLI.run(["embed", "--model", out, "--text", "a red circle"])
        #expect(embedded.status == 0 && floats(embedded.lines.first?["embedding"]).count == 32)
    }

    @Test func evaluatesWhileTrainingPlotsAndEvaluatesAfterwards() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("train-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let data = work.appendingPathComponent("data")
        #expect(try CLI.run(["datasets", "shapes", "--output", data.path, "--count", "16", "--test-count", "30"]).status == 0)
        let shapes = CLI.fixtures.appendingPathComponent("shapes")
        let out = work.appendingPathComponent("run").path, png = work.appendingPathComponent("loss.png").path
        let test = data.appendingPathComponent("test.jsonl").path
        let run = try CLI.run(["train", "--data", data.appendingPathComponent("train.jsonl").path, "--output", out, "--batch-size", "8",
                               "--config", shapes.appendingPathComponent("config.json").path,
                               "--tokenizer", shapes.appendingPathComponent("spiece.model").path, "--steps", "3",
                               "--eval", test, "--eval-every", "2", "--plot", png])
        #expect(run.status == 0, "\(run.stderr)")
        let records = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let evaluated = records.filter { $0["accuracy"] != nil }
        #expect(evaluated.compactMap { $0["step"] as? Int } == [0, 2, 3])
        let groups = (evaluated.last?["accuracy"] as? [String: Double]) ?? [:]
        #expect(Set(groups.keys) == ["all", "seen", "held-out"])
        let png8 = try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8)
        #expect(Array(png8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // The stand-alone command gives the same figures for the saved model as the last in-training evaluation.
        let eval = try CLI.run(["eval-zero-shot", "--model", out, "--data", test])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.lines.first?["images"] as? Int == 30)
        for (key, value) in groups { #expect(abs(((eval.lines.first?[key] as? Double) ?? -1) - value) < 1e-4, "\(key)") }
    }

    @Test func badArgumentsAreRefused() throws {
        #expect(try CLI.run(["train", "--data", "x.jsonl", "--output", "/tmp/x", "--steps", "1"]).status != 0)
        #expect(try CLI.run(["train", "--data", "x.jsonl", "--output", "/tmp/x", "--model", "m", "--steps", "1", "--optimizer", "lion"]).status != 0)
    }
}
