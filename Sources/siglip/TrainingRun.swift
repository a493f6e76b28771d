import ArgumentParser
import Foundation
import SigLIPTraining

/// The loop of `siglip train`: batches in, steps out, progress, metrics.jsonl, checkpoints every `saveEvery`
/// steps, on finish and on Ctrl-C/SIGTERM.
final class TrainingRun {
    let trainer: Trainer, loader: BatchLoader, order: BatchOrder, examples: [TrainingExample]
    let accumulate: Int, total: Int, output: URL
    /// Zero-shot accuracy measured every `evaluateEvery` steps and after the last, or nil for none.
    var evaluation: ZeroShotEvaluation?, evaluateEvery = 100
    /// Steps between checkpoints (the last step and an interrupted run are always saved).
    var saveEvery = 500
    /// The checkpoint the run continues, or nil for a new run.
    var resumed: RunCheckpoint?
    /// The data file or folder, as the user named it, for error messages.
    var dataName = "the data"
    /// What the processes of a distributed run agree on; one process by default.
    var coordination: RunCoordination = SoloRun()
    private let interrupted = InterruptFlag()

    init(trainer: Trainer, loader: BatchLoader, order: BatchOrder, examples: [TrainingExample], accumulate: Int, total: Int, output: URL) {
        (self.trainer, self.loader, self.order, self.examples) = (trainer, loader, order, examples)
        (self.accumulate, self.total, self.output) = (accumulate, total, output)
    }

    /// Writes an evaluation line to `metrics` (and standard error); returns the seconds it took, which the
    /// run's clock leaves out so `elapsed_s` is training time alone.
    private func evaluate(step: Int, elapsed: Double, into metrics: FileHandle) throws -> Double {
        guard let evaluation, coordination.writes else { return 0 }
        let started = Date()
        let accuracy = try evaluation.accuracy(vision: trainer.model.vision, text: trainer.model.text)
        let fields = accuracy.sorted { $0.key < $1.key }.map { "\"\($0.key)\": " + String(format: "%.4f", $0.value) }
        let line = String(format: #"{"step": %d, "elapsed_s": %.2f, "accuracy": {"#, step, elapsed) + fields.joined(separator: ", ") + "}}"
        metrics.write(Data((line + "\n").utf8))
        printError("step \(step): zero-shot top-1 " + accuracy.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value * 100))%" }.joined(separator: ", "))
        return Date().timeIntervalSince(started)
    }

    func start() throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let metricsURL = output.appendingPathComponent("metrics.jsonl")
        // A resumed run keeps the rows up to its checkpoint; a new run starts the file afresh.
        if coordination.writes {
            if let resumed { try MetricsLog.truncate(metricsURL, afterStep: resumed.step) }
            else { try Data().write(to: metricsURL) }
            if !FileManager.default.fileExists(atPath: metricsURL.path) { FileManager.default.createFile(atPath: metricsURL.path, contents: nil) }
        }
        let metrics = coordination.writes ? try FileHandle(forWritingTo: metricsURL) : FileHandle.nullDevice
        defer { try? metrics.close() }
        try metrics.seekToEnd()
        interrupted.install()

        // Resume where the saved step left off: micro-batches already consumed are skipped.
        let perEpoch = max(order.batches(epoch: 0).count, 1)
        var epoch = trainer.steps * accumulate / perEpoch
        var epochIsWhole = (trainer.steps * accumulate) % perEpoch == 0
        var prefetcher = makePrefetcher(epoch: epoch, skip: (trainer.steps * accumulate) % perEpoch)
        var epochUsed = 0, epochReadable = 0
        var unreadable: [String] = []
        let start = Date(), elapsedBefore = resumed?.elapsedSeconds ?? 0
        var images = 0
        var evaluationSeconds = 0.0
        func elapsed() -> Double { elapsedBefore + Date().timeIntervalSince(start) - evaluationSeconds }
        if trainer.steps == 0 { evaluationSeconds += try evaluate(step: 0, elapsed: 0, into: metrics) }
        if coordination.writes { printError("training \(total - trainer.steps) step(s) on \(examples.count) pairs; batch \(order.batchSize) × \(accumulate)") }
        while try trainer.steps < total && !coordination.anyInterrupted(interrupted.isSet) {
            var micro: [TrainingBatch] = []
            while try micro.count < accumulate && !coordination.anyInterrupted(interrupted.isSet) {
                guard let loaded = prefetcher.next() else {
                    // A whole epoch without one batch of two readable pairs would loop for ever.
                    if epochIsWhole && epochUsed == 0 {
                        printError(noUsableBatch(readable: epochReadable, unreadable: unreadable))
                        throw ExitCode(1)
                    }
                    epoch += 1
                    (epochIsWhole, epochUsed, epochReadable) = (true, 0, 0)
                    unreadable = []
                    prefetcher = makePrefetcher(epoch: epoch, skip: 0)
                    continue
                }
                for skip in loaded.skipped { printError("skipped \(skip.example.image.path): \(skip.error)") }
                unreadable += loaded.skipped.map { $0.example.image.lastPathComponent }
                epochReadable += loaded.examples.count
                if try coordination.usable(rows: loaded.batch?.inputIDs.count ?? 0), let batch = loaded.batch { micro.append(batch); epochUsed += 1 }
            }
            guard micro.count == accumulate else { break }
            let report: StepReport
            do { report = try trainer.step(micro) } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            images += micro.reduce(0) { $0 + $1.inputIDs.count }
            let now = elapsed()
            let rate = Double(images) / max(now - elapsedBefore, 1e-9)
            let line = String(format: "step %d/%d  loss %.4f  t %.2f  b %.2f  lr %.2e  %.1f img/s", report.step, total, report.loss,
                              report.temperature, report.bias, report.learningRate, rate)
            if coordination.writes { FileHandle.standardError.write(Data(((isatty(STDERR_FILENO) == 1) ? "\r" + line + "\u{1B}[K" : line + "\n").utf8)) }
            let record = String(format: #"{"step": %d, "loss": %.6f, "lr": %.6g, "t": %.5f, "b": %.5f, "grad_norm": %.5f, "images_per_s": %.3f, "elapsed_s": %.2f}"#,
                                report.step, report.loss, report.learningRate, report.temperature, report.bias, report.gradientNorm, rate, now)
            metrics.write(Data((record + "\n").utf8))
            if report.step % evaluateEvery == 0 || report.step == total || interrupted.isSet {
                if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
                evaluationSeconds += try evaluate(step: report.step, elapsed: now, into: metrics)
            }
            // The last step is saved below, with the interrupted one.
            if report.step % saveEvery == 0 && report.step < total && !interrupted.isSet && coordination.writes {
                try trainer.saveCheckpoint(to: output, elapsedSeconds: elapsed())
            }
        }
        guard coordination.writes else { return }
        if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
        try trainer.saveCheckpoint(to: output, elapsedSeconds: elapsed())
        printError(interrupted.isSet ? "interrupted at step \(trainer.steps): saved to \(output.path); continue with --resume"
                                     : "saved \(output.path) after \(trainer.steps) step(s)")
    }

    /// The one-line error for data that never yields a batch: how many pairs were readable and which were not.
    private func noUsableBatch(readable: Int, unreadable: [String]) -> String {
        let listed = unreadable.prefix(5).joined(separator: ", ") + (unreadable.count > 5 ? ", …" : "")
        return "\(dataName): \(readable) of \(examples.count) pairs readable, no batch of \(order.batchSize) holds two readable pairs; "
            + "training needs at least 2 per batch" + (unreadable.isEmpty ? "" : " (unreadable: \(listed))")
    }

    private func makePrefetcher(epoch: Int, skip: Int) -> Prefetcher {
        let batches = order.batches(epoch: epoch).dropFirst(skip).map { coordination.slice($0.map { examples[$0] }) }
        return Prefetcher(loader: loader, batches: Array(batches), epoch: epoch)
    }
}

/// Set by SIGINT or SIGTERM so the loop can finish its step and save, instead of dying mid-write.
final class InterruptFlag: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }

    func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock(); self.value = true; self.lock.unlock()
                printError("stopping after this step…")
            }
            source.resume()
            sources.append(source)
        }
    }
}
