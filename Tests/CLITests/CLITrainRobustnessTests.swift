import Foundation
import Testing

/// A `siglip` child process with a deadline: standard error goes to a file (a long run would fill a pipe).
final class TimedRun {
    let process = Process()
    let log: URL
    private let exited = DispatchSemaphore(value: 0)

    init(_ arguments: [String], log: URL) throws {
        self.log = log
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    /// Waits up to `seconds` for the process to end; on overrun kills it (SIGKILL) and returns false.
    func wait(seconds: Double) -> Bool {
        if exited.wait(timeout: .now() + seconds) == .success { return true }
        kill(process.processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + 10)
        return false
    }

    var stderr: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Runs to the end or for at most `seconds`.
    static func run(_ arguments: [String], log: URL, seconds: Double) throws -> (finished: Bool, status: Int32, stderr: String) {
        let run = try TimedRun(arguments, log: log)
        let finished = run.wait(seconds: seconds)
        return (finished, run.process.terminationStatus, run.stderr)
    }
}

/// Polls `condition` every 50 ms for up to `seconds`; true once it holds.
func eventually(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// The JSON objects of a metrics.jsonl (unparsable lines as empty objects, so they still count).
func metricsRows(_ directory: URL) -> [[String: Any]] {
    let text = (try? String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
}

/// The step and elapsed seconds `checkpoint.json` names, or nil while there is none.
func savedCheckpoint(_ directory: URL) -> (step: Int, elapsed: Double)? {
    guard let data = try? Data(contentsOf: directory.appendingPathComponent("checkpoint.json")),
          let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
          let step = object["step"] as? Int, let elapsed = (object["elapsed_s"] as? NSNumber)?.doubleValue else { return nil }
    return (step, elapsed)
}

/// A scratch folder with a small shapes data set and a tiny from-scratch config.
struct TrainScratch {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("train-robust-\(UUID().uuidString)")
    var data: URL { root.appendingPathComponent("data") }
    var out: URL { root.appendingPathComponent("run") }

    init(pairs: Int = 12) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if pairs > 0 {
            let made = try CLI.run(["datasets", "shapes", "--output", data.path, "--count", String(pairs), "--test-count", "0"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        try Data(#"{"model_type": "siglip", "text_config": {"vocab_size": 1000, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "max_position_embeddings": 16}, "vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 32, "patch_size": 8}}"#.utf8)
            .write(to: root.appendingPathComponent("config.json"))
    }

    /// `train` from scratch on `data` into `out`, plus `extra`.
    func train(_ data: URL, _ extra: [String]) -> [String] {
        ["train", "--data", data.path, "--output", out.path, "--config", root.appendingPathComponent("config.json").path,
         "--tokenizer", CLI.fixtures.appendingPathComponent("models/tiny-siglip/spiece.model").path, "--batch-size", "4", "--threads", "1"] + extra
    }

    func log(_ name: String) -> URL { root.appendingPathComponent(name + ".log") }
    func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("siglip train: bad data, signals and kill -9")
struct CLITrainRobustnessTests {
    @Test("one pair, an empty file or only unreadable images fail at once with the file and count named, never spin")
    func tooFewUsablePairsFailAtOnce() throws {
        let scratch = try TrainScratch(pairs: 1)
        defer { scratch.remove() }
        let empty = scratch.root.appendingPathComponent("empty.jsonl")
        try Data().write(to: empty)
        let corrupt = scratch.root.appendingPathComponent("corrupt.jsonl")
        var lines = ""
        for i in 0..<3 {
            try Data("not an image \(i)".utf8).write(to: scratch.root.appendingPathComponent("broken\(i).png"))
            lines += #"{"image": "broken\#(i).png", "text": "a red circle"}"# + "\n"
        }
        try Data(lines.utf8).write(to: corrupt)
        let cases: [(data: URL, says: [String])] = [
            (scratch.data.appendingPathComponent("train.jsonl"), ["train.jsonl", "1 usable pair"]),
            (empty, ["empty.jsonl", "0 usable pair"]),
            (corrupt, ["corrupt.jsonl", "0 of 3 pairs readable", "broken0.png", "broken1.png", "broken2.png"]),
        ]
        #expect(cases.count == 3)
        for (index, item) in cases.enumerated() {
            let started = Date()
            let run = try TimedRun.run(scratch.train(item.data, ["--steps", "5"]), log: scratch.log("few-\(index)"), seconds: 60)
            #expect(run.finished, "\(item.data.lastPathComponent): still running after 60 s (killed)")
            #expect(run.status != 0, "\(item.data.lastPathComponent): \(run.stderr)")
            for text in item.says { #expect(run.stderr.contains(text), "\(item.data.lastPathComponent): \(run.stderr)") }
            #expect(Date().timeIntervalSince(started) < 30)
            #expect(savedCheckpoint(scratch.out) == nil)
        }
    }

    @Test("SIGTERM during training ends the run within seconds, saving a checkpoint at the step reached")
    func sigtermStopsPromptly() throws {
        let scratch = try TrainScratch()
        defer { scratch.remove() }
        let run = try TimedRun(scratch.train(scratch.data.appendingPathComponent("train.jsonl"), ["--steps", "1000000"]), log: scratch.log("term"))
        let training = eventually(seconds: 120) { metricsRows(scratch.out).count >= 3 }
        #expect(training, "no training steps within 120 s: \(run.stderr)")
        kill(run.process.processIdentifier, SIGTERM)
        let sent = Date()
        #expect(run.wait(seconds: 10), "still running 10 s after SIGTERM")
        #expect(Date().timeIntervalSince(sent) < 10)
        #expect(run.process.terminationReason == .exit && run.process.terminationStatus == 0, "\(run.stderr)")
        #expect(run.stderr.contains("interrupted at step"))
        #expect((savedCheckpoint(scratch.out)?.step ?? 0) >= 3)
    }

    @Test("after kill -9 mid-run, --resume continues from the last checkpoint: same weights, steps and clock carry on")
    func resumesAfterKill() throws {
        let scratch = try TrainScratch()
        defer { scratch.remove() }
        let data = scratch.data.appendingPathComponent("train.jsonl")
        // A constant rate, so the schedule does not depend on --steps and the resumed runs may stop earlier.
        let common = ["--schedule", "constant", "--lr", "1e-3"]
        let run = try TimedRun(scratch.train(data, common + ["--steps", "1000000", "--save-every", "3"]), log: scratch.log("killed"))
        let saved = eventually(seconds: 120) { (savedCheckpoint(scratch.out)?.step ?? 0) >= 6 }
        #expect(saved, "no checkpoint at step 6 within 120 s: \(run.stderr)")
        kill(run.process.processIdentifier, SIGKILL)
        #expect(run.wait(seconds: 10))
        #expect(run.process.terminationReason == .uncaughtSignal && run.process.terminationStatus == SIGKILL)
        guard let checkpoint = savedCheckpoint(scratch.out) else { Issue.record("no checkpoint.json after kill -9"); return }
        #expect(checkpoint.step % 3 == 0 && checkpoint.elapsed > 0)
        #expect(metricsRows(scratch.out).count >= checkpoint.step, "the killed run had written its rows")
        let weights = try Data(contentsOf: scratch.out.appendingPathComponent("resume/model-\(checkpoint.step).safetensors"))

        // No further steps: the saved weights come back out byte for byte.
        let same = try TimedRun.run(scratch.train(data, common + ["--resume", "--steps", String(checkpoint.step)]),
                                    log: scratch.log("same"), seconds: 60)
        #expect(same.finished && same.status == 0, "\(same.stderr)")
        #expect(same.stderr.contains("resuming from step \(checkpoint.step)"))
        #expect(try Data(contentsOf: scratch.out.appendingPathComponent("model.safetensors")) == weights)

        let more = try TimedRun.run(scratch.train(data, common + ["--resume", "--steps", String(checkpoint.step + 3)]),
                                    log: scratch.log("more"), seconds: 60)
        #expect(more.finished && more.status == 0, "\(more.stderr)")
        let rows = metricsRows(scratch.out).filter { $0["loss"] != nil }
        #expect(rows.compactMap { $0["step"] as? Int } == Array(1...(checkpoint.step + 3)), "steps run on once, in order")
        let elapsed = rows.compactMap { ($0["elapsed_s"] as? NSNumber)?.doubleValue }
        #expect(elapsed.count == rows.count && zip(elapsed, elapsed.dropFirst()).allSatisfy { $0 <= $1 }, "\(elapsed)")
        #expect((elapsed.last ?? 0) >= checkpoint.elapsed)
        #expect(savedCheckpoint(scratch.out)?.step == checkpoint.step + 3)
    }

    @Test("--resume with no complete checkpoint in --output refuses instead of starting from fresh weights")
    func resumeWithoutCheckpointRefuses() throws {
        let scratch = try TrainScratch()
        defer { scratch.remove() }
        let run = try TimedRun.run(scratch.train(scratch.data.appendingPathComponent("train.jsonl"), ["--resume", "--steps", "2"]),
                                   log: scratch.log("refuse"), seconds: 60)
        #expect(run.finished && run.status != 0)
        #expect(run.stderr.contains("no complete checkpoint"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.out.appendingPathComponent("model.safetensors").path))
    }

    @Test("every size, count and rate flag out of range is a usage error (exit 64) naming the flag")
    func flagBounds() throws {
        let scratch = try TrainScratch(pairs: 0)
        defer { scratch.remove() }
        let base = ["train", "--data", "x.jsonl", "--output", scratch.out.path, "--model", CLI.model("tiny-siglip")]
        let cases: [(arguments: [String], flag: String)] = [
            (["--steps", "1", "--batch-size", "1"], "--batch-size"), (["--steps", "1", "--batch-size", "100000"], "--batch-size"),
            (["--steps", "0"], "--steps"), (["--steps", "1000000000"], "--steps"),
            (["--epochs", "0"], "--epochs"), (["--epochs", "10000000"], "--epochs"),
            (["--steps", "1", "--accumulate", "0"], "--accumulate"), (["--steps", "1", "--accumulate", "100000"], "--accumulate"),
            (["--steps", "1", "--warmup=-1"], "--warmup"), (["--steps", "1", "--warmup", "1000000000"], "--warmup"),
            (["--steps", "1", "--loss-chunk", "0"], "--loss-chunk"), (["--steps", "1", "--loss-chunk", "100000"], "--loss-chunk"),
            (["--steps", "1", "--eval-every", "0"], "--eval-every"), (["--steps", "1", "--eval-every", "1000000000"], "--eval-every"),
            (["--steps", "1", "--save-every", "0"], "--save-every"), (["--steps", "1", "--save-every", "1000000000"], "--save-every"),
            (["--steps", "1", "--threads", "0"], "--threads"), (["--steps", "1", "--threads=-2"], "--threads"),
            (["--steps", "1", "--threads", "5000"], "--threads"),
            (["--steps", "1", "--lr", "nan"], "--lr"), (["--steps", "1", "--lr", "inf"], "--lr"), (["--steps", "1", "--lr", "0"], "--lr"),
            (["--steps", "1", "--lr=-0.1"], "--lr"), (["--steps", "1", "--lr", "100"], "--lr"),
            (["--steps", "1", "--weight-decay", "nan"], "--weight-decay"), (["--steps", "1", "--weight-decay=-1"], "--weight-decay"),
            (["--steps", "1", "--weight-decay", "inf"], "--weight-decay"),
            (["--steps", "1", "--clip-norm", "nan"], "--clip-norm"), (["--steps", "1", "--clip-norm", "0"], "--clip-norm"),
            (["--steps", "1", "--clip-norm", "inf"], "--clip-norm"),
            (["--steps", "1", "--init-temperature", "inf"], "--init-temperature"), (["--steps", "1", "--init-temperature", "0"], "--init-temperature"),
            (["--steps", "1", "--init-bias", "nan"], "--init-bias"), (["--steps", "1", "--init-bias=-inf"], "--init-bias"),
        ]
        #expect(cases.count == 34)
        for item in cases {
            let run = try TimedRun.run(base + item.arguments, log: scratch.log("flags"), seconds: 30)
            let error = run.stderr.split(separator: "\n").first { $0.hasPrefix("Error:") } ?? ""
            #expect(run.finished && run.status == 64 && error.contains(item.flag), "\(item.arguments): \(run.status) \(run.stderr)")
        }
    }
}
