import Foundation
import Testing

/// The `siglip` executable built next to the test bundle, run with a chosen environment and a bounded wait.
struct Siglip {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("siglip")

    struct Output { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ arguments: [String], environment: [String: String], timeout: Double = 120) async throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        // Polled with an async sleep: the stand-in hub in this process must keep its threads while we wait.
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            throw HubTestError("siglip \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

@Suite("siglip with Hub models", .serialized)
struct CommandLineTests {
    func environment(_ scratch: Scratch, _ hub: StandInHub?, offline: Bool = false) -> [String: String] {
        var environment = ["HOME": scratch.root.path, "HF_HUB_CACHE": scratch.cache.path, "HF_ENDPOINT": hub?.endpoint ?? "http://127.0.0.1:9",
                           "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        if offline { environment["HF_HUB_OFFLINE"] = "1" }
        return environment
    }

    @Test func embedWithARepositoryIdMatchesTheLocalCheckpoint() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let text = ["embed", "--text", "a photo of a cat"]
        let fromHub = try await Siglip.run(["embed", "--model", "org/tiny"] + text.dropFirst(), environment: environment(scratch, hub))
        #expect(fromHub.status == 0, "\(fromHub.stderr)")
        let local = try await Siglip.run(["embed", "--model", StandInHub.model.path] + text.dropFirst(), environment: environment(scratch, nil))
        #expect(local.status == 0, "\(local.stderr)")
        #expect(fromHub.stdout.contains("\"embedding\"") && fromHub.stdout == local.stdout)
        #expect(hub.cdnRequests("model.safetensors").count == 1)
        // Not a terminal: no progress bar.
        #expect(fromHub.stderr.isEmpty, "\(fromHub.stderr)")
        // Offline now works from what the first run cached.
        let offline = try await Siglip.run(["embed", "--model", "org/tiny"] + text.dropFirst(), environment: environment(scratch, nil, offline: true))
        #expect(offline.status == 0 && offline.stdout == local.stdout, "\(offline.stderr)")
    }

    @Test func downloadPrintsTheSnapshotFolder() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let out = try await Siglip.run(["download", "org/tiny", "--quiet"], environment: environment(scratch, hub))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == scratch.repoFolder.appendingPathComponent("snapshots/\(StandInHub.commit)").path + "\n")
        let bad = try await Siglip.run(["download", "not-a-repo"], environment: environment(scratch, hub))
        #expect(bad.status == 64 && bad.stderr.contains("org/name"), "\(bad.stderr)")
        let missing = try await Siglip.run(["download", "org/other"], environment: environment(scratch, nil, offline: true))
        #expect(missing.status == 1 && missing.stderr.contains("HF_HUB_OFFLINE is set and org/other is not in the Hugging Face cache"), "\(missing.stderr)")
    }

    /// Every command with a `--model` option resolves `org/name` through the Hugging Face cache: offline, with a
    /// cache that lacks the repository, each fails with the Hub's message rather than as a missing local folder
    /// (a command that took the argument for a path would say config.json is missing instead).
    @Test func everyModelOptionResolvesThroughTheHub() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let offline = environment(scratch, nil, offline: true)
        let image = StandInHub.fixtures.appendingPathComponent("images/files/jpeg_444.jpg").path
        let classes = StandInHub.fixtures.appendingPathComponent("datasets/digits").path
        let texts = scratch.root.appendingPathComponent("texts.txt")
        try Data("a cat\n".utf8).write(to: texts)
        let index = scratch.root.appendingPathComponent("index").path
        // search opens its index before the model: build one with the local checkpoint first.
        let built = try await Siglip.run(["index", "add-texts", "--index", index, "--model", StandInHub.model.path, texts.path], environment: offline)
        try #require(built.status == 0, "\(built.stderr)")
        let output = scratch.root.appendingPathComponent("out").path
        let commands: [[String]] = [
            ["embed", "--text", "a cat"],
            ["classify", "--label", "cat", image],
            ["tokenize", "a cat"],
            ["preprocess", image, "--output", output + ".npy"],
            ["index", "add", "--index", index, image],
            ["index", "add-texts", "--index", index, texts.path],
            ["search", "--index", index, "--text", "a cat"],
            ["serve", "--port", "0"],
            ["train", "--data", classes, "--output", output, "--steps", "1", "--batch-size", "2"],
            ["eval", "--classes", classes],
            ["eval-zero-shot", "--data", texts.path],
        ]
        for command in commands {
            let run = try await Siglip.run(command + ["--model", "org/absent"], environment: offline)
            let line = command.prefix(2).joined(separator: " ")
            #expect(run.status == 1, "\(line): status \(run.status), \(run.stderr)")
            #expect(run.stderr.contains("HF_HUB_OFFLINE is set and org/absent is not in the Hugging Face cache"), "\(line): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: output), "train wrote its output without a model")
    }

    /// The cache huggingface_hub wrote (Tests/Fixtures/hub-cache) serves `eval`, whose loader differs from the
    /// other commands', offline: the same numbers as the local checkpoint.
    @Test func evalReadsThePythonCacheOffline() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(at: scratch.cache, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CacheCompatibilityTests.pythonCache, to: scratch.repoFolder)
        let classes = StandInHub.fixtures.appendingPathComponent("datasets/digits").path
        let offline = environment(scratch, nil, offline: true)
        let fromCache = try await Siglip.run(["eval", "--classes", classes, "--model", "org/tiny"], environment: offline)
        #expect(fromCache.status == 0, "\(fromCache.stderr)")
        let local = try await Siglip.run(["eval", "--classes", classes, "--model", StandInHub.model.path], environment: offline)
        #expect(local.status == 0, "\(local.stderr)")
        // The model field names the folder each was loaded from; every number after it must agree.
        func numbers(_ text: String) -> String { text.components(separatedBy: "\"scales\"").dropFirst().joined() }
        #expect(!numbers(local.stdout).isEmpty && numbers(fromCache.stdout) == numbers(local.stdout), "\(fromCache.stdout) vs \(local.stdout)")
    }
}
