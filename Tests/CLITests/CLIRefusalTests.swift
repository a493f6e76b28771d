import Foundation
import NPY
import SigLIP
import Testing

/// Flags out of range, non-finite weights and inputs, and the exit statuses docs/CLI.md promises.
@Suite("siglip refuses what it cannot run")
struct CLIRefusalTests {
    static let model = CLI.model("tiny-siglip")
    static let image = CLI.fixtures.appendingPathComponent("images/files/photo_rocket.jpg").path

    /// Each of these once reached an allocation or a loop with the value; now each is a usage error naming the flag.
    @Test(arguments: [
        ["embed", "--model", model, "--image", image, "--image-size", "100000"],
        ["classify", "--model", model, "--label", "a", image, "--image-size", "100000"],
        ["preprocess", "--model", model, image, "--output", "unused.npy", "--image-size", "100000"],
        ["embed", "--model", model, "--text", "a", "--batch-size", "1000000"],
        ["embed", "--model", model, "--text", "a", "--threads", "0"],
        ["classify", "--model", model, "--label", "a", image, "--threads", "-1"],
        ["search", "--index", "unused.idx", "--text", "a", "-k", "100000000"],
        ["search", "--index", "unused.idx", "--text", "a", "--threads", "0"],
        ["serve", "--model", model, "--max-batch", "0"],
        ["serve", "--model", model, "--max-pixels", "100000000000"],
        ["datasets", "shapes", "--output", "unused", "--count", "-5"],
    ])
    func outOfRangeFlagsAreUsageErrors(arguments: [String]) throws {
        let out = try CLI.run(arguments)
        #expect(out.status == 64, "\(arguments): \(out.stderr)")
        let flag = arguments[arguments.count - 2]
        #expect(out.stderr.contains(flag), "\(out.stderr)")
        #expect(out.lines.isEmpty)
    }

    @Test func anImageSideBelowThePatchFailsEachImageWithTheReason() throws {
        let out = try CLI.run(["embed", "--model", Self.model, "--image", Self.image, "--image-size", "4", "--text", "a"])
        #expect(out.status == 1)
        #expect(out.lines.count == 2)
        #expect((out.lines.first?["error"] as? String)?.contains("patch size 8") == true, "\(out.lines)")
        #expect(floats(out.lines.last?["embedding"]).count == 64)
    }

    @Test func aNaNWeightFailsEveryInputOfItsTowerAndNamesTheTensor() throws {
        let tensor = "vision_model.encoder.layers.0.mlp.fc1.weight"
        let copy = try Self.modelCopy(poisoning: tensor)
        defer { try? FileManager.default.removeItem(at: copy) }
        let out = try CLI.run(["embed", "--model", copy.path, "--image", Self.image, "--image", Self.image, "--text", "a photo"])
        #expect(out.status == 1)
        #expect(out.lines.count == 3)
        for line in out.lines.prefix(2) {
            #expect((line["error"] as? String)?.contains(tensor) == true, "\(line)")
            #expect(line["embedding"] == nil)
        }
        // The text tower holds no NaN, so its input still succeeds.
        let text = floats(out.lines.last?["embedding"])
        #expect(text.count == 64 && text.allSatisfy(\.isFinite))
    }

    @Test func aNaNPixelRowFailsAloneAndTheOtherRowsRun() throws {
        let reference = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-siglip", "pixel_values")))
        #expect(reference.shape.first == 3)
        var values = reference.floats
        values[values.count / 3 + 7] = .nan  // the second of three rows
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nan-pixels-\(UUID().uuidString).npy")
        defer { try? FileManager.default.removeItem(at: file) }
        try NPYArray(shape: reference.shape, values: .float(values)).write(to: file)
        let out = try CLI.run(["embed", "--model", Self.model, "--pixel-values", file.path])
        #expect(out.status == 1)
        #expect(out.lines.map { $0["input"] as? String } == ["npy:0", "npy:1", "npy:2"])
        #expect(out.lines.count == 3)
        #expect(floats(out.lines.first?["embedding"]).count == 64)
        #expect(floats(out.lines.last?["embedding"]).count == 64)
        #expect((out.lines.dropFirst().first?["error"] as? String)?.contains("NaN") == true, "\(out.lines)")
    }

    @Test func versionPrintsTheLibraryVersion() throws {
        let out = try CLI.run(["--version"])
        #expect(out.status == 0)
        #expect(out.lines.first?["unparsed"] as? String == SwiftSiglip.version)
    }

    /// docs/CLI.md, "Exit status": 0 all inputs succeeded, 1 an input or the model failed, 64 the command line is wrong.
    @Test func exitStatusesAreTheDocumentedOnes() throws {
        #expect(try CLI.run(["embed", "--model", Self.model, "--text", "a"]).status == 0)
        #expect(try CLI.run(["embed", "--model", Self.model, "--image", "/nonexistent.jpg"]).status == 1)
        #expect(try CLI.run(["embed", "--model", "/nonexistent/model", "--text", "a"]).status == 1)
        #expect(try CLI.run(["embed", "--model", Self.model, "--no-such-flag"]).status == 64)
        #expect(try CLI.run(["embed", "--model", Self.model]).status == 64)
        #expect(try CLI.run(["no-such-command"]).status == 64)
    }

    /// Foundation's errors carry a domain, a code and a user-info dictionary; users get one line naming the file.
    @Test func fileErrorsAreOneLineAndNameTheFile() throws {
        let missing = "/nonexistent/labels.txt"
        let outs = try [
            CLI.run(["embed", "--model", "/nonexistent/model", "--text", "a"]),
            CLI.run(["tokenize", "--model", Self.model, "--input", "/nonexistent/texts.jsonl"]),
            CLI.run(["eval-zero-shot", "--model", Self.model, "--data", "/nonexistent/test.jsonl", "--labels", missing]),
        ]
        for out in outs {
            #expect(out.status != 0)
            let message = out.stderr + out.lines.compactMap { $0["error"] as? String }.joined()
            #expect(!message.contains("Error Domain"), "\(message)")
            #expect(!message.contains("NSUnderlyingError") && !message.contains("UserInfo"), "\(message)")
            #expect(message.contains("/nonexistent/"), "\(message)")
        }
        #expect(outs.count == 3)
    }

    /// A copy of tiny-siglip whose `tensor` holds a NaN as its first value.
    static func modelCopy(poisoning tensor: String) throws -> URL {
        let source = URL(fileURLWithPath: model)
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("nan-model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: source, to: copy)
        let file = copy.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: file)
        let headerLength = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let header = try #require(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let entry = try #require(header[tensor] as? [String: Any])
        #expect(entry["dtype"] as? String == "F32")
        let start = 8 + headerLength + (try #require((entry["data_offsets"] as? [Int])?.first))
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(start..<(start + 4), with: $0) }
        try bytes.write(to: file)
        return copy
    }
}
