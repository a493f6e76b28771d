import ArgumentParser
import Foundation
import SigLIPTraining

/// The loop of `siglip train`: batches in, steps out, progress, metrics.jsonl, saving on finish or Ctrl-C.
final class TrainingRun {
    let trainer: Trainer, loader: BatchLoader, order: BatchOrder, examples: [TrainingExample]
    let accumulate: Int, total: Int, output: URL
    /// Zero-shot accuracy measured every `evaluateEvery` steps and after the last, or nil for none.
    var evaluation: ZeroShotEvaluation?, evaluateEvery = 100
    private let interrupted = InterruptFlag()

    init(trainer: Trainer, loader: BatchLoader, order: BatchOrder, examples: [TrainingExample], accumulate: Int, total: Int, output: URL) {
        (self.trainer, self.loader, self.order, self.examples) = (trainer, loader, order, examples)
        (self.accumulate, self.total, self.output) = (accumulate, total, output)
    }

    /// Writes an evaluation line to `metrics` (and standard error); returns the seconds it took, which the
    /// run's clock leaves out so `elapsed_s` is training time alone.
    private func evaluate(step: Int, elapsed: Double, into metrics: FileHandle) throws -> Double {
        guard let evaluation else { return 0 }
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
        if !FileManager.default.fileExists(atPath: metricsURL.path) { FileManager.default.createFile(atPath: metricsURL.path, contents: nil) }
        let metrics = try FileHandle(forWritingTo: metricsURL)
        defer { try? metrics.close() }
        try metrics.seekToEnd()
        interrupted.install()

        // Resume where the saved step left off: micro-batches already consumed are skipped.
        var consumed = trainer.steps * accumulate
        var epoch = consumed / max(order.batches(epoch: 0).count, 1)
        var prefetcher = makePrefetcher(epoch: epoch, skip: consumed % max(order.batches(epoch: 0).count, 1))
        let start = Date()
        var images = 0
        var evaluationSeconds = 0.0
        if trainer.steps == 0 { evaluationSeconds += try evaluate(step: 0, elapsed: 0, into: metrics) }
        printError("training \(total - trainer.steps) step(s) on \(examples.count) pairs; batch \(order.batchSize) × \(accumulate)")
        while trainer.steps < total && !interrupted.isSet {
            var micro: [TrainingBatch] = []
            while micro.count < accumulate {
                guard let loaded = prefetcher.next() else {
                    epoch += 1
                    prefetcher = makePrefetcher(epoch: epoch, skip: 0)
                    continue
                }
                consumed += 1
                for skip in loaded.skipped { printError("skipped \(skip.example.image.path): \(skip.error)") }
                if let batch = loaded.batch, batch.inputIDs.count >= 2 { micro.append(batch) }
            }
            let report: StepReport
            do { report = try trainer.step(micro) } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
            images += micro.reduce(0) { $0 + $1.inputIDs.count }
            let elapsed = Date().timeIntervalSince(start) - evaluationSeconds
            let rate = Double(images) / max(elapsed, 1e-9)
            let line = String(format: "step %d/%d  loss %.4f  t %.2f  b %.2f  lr %.2e  %.1f img/s", report.step, total, report.loss,
                              report.temperature, report.bias, report.learningRate, rate)
            FileHandle.standardError.write(Data(((isatty(STDERR_FILENO) == 1) ? "\r" + line + "\u{1B}[K" : line + "\n").utf8))
            let record = String(format: #"{"step": %d, "loss": %.6f, "lr": %.6g, "t": %.5f, "b": %.5f, "grad_norm": %.5f, "images_per_s": %.3f, "elapsed_s": %.2f}"#,
                                report.step, report.loss, report.learningRate, report.temperature, report.bias, report.gradientNorm, rate, elapsed)
            metrics.write(Data((record + "\n").utf8))
            if report.step % evaluateEvery == 0 || report.step == total || interrupted.isSet {
                if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
                evaluationSeconds += try evaluate(step: report.step, elapsed: elapsed, into: metrics)
            }
        }
        if isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
        try trainer.model.save(to: output)
        try trainer.saveState(to: output.appendingPathComponent(Trainer.stateFileName))
        printError(interrupted.isSet ? "interrupted at step \(trainer.steps): saved to \(output.path); continue with --resume"
                                     : "saved \(output.path) after \(trainer.steps) step(s)")
    }

    private func makePrefetcher(epoch: Int, skip: Int) -> Prefetcher {
        let batches = order.batches(epoch: epoch).dropFirst(skip).map { $0.map { examples[$0] } }
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
