import Foundation

/// The last complete checkpoint of a training run, as named by `checkpoint.json` in the run's output folder.
///
/// Saving writes the weights and optimiser state under step-numbered names in `resume/` (each flushed and
/// renamed into place), then `checkpoint.json` naming them, then points `model.safetensors` at the new weights
/// and removes older step files. The marker is the commit: a run killed at any moment leaves it naming files
/// that are complete, and `--resume` starts from exactly those.
public struct RunCheckpoint: Codable, Equatable, Sendable {
    /// The marker file in the output folder.
    public static let markerName = "checkpoint.json"
    /// The folder (inside the output folder) holding the step-numbered weights and optimiser state.
    public static let folderName = "resume"

    /// Optimiser steps taken when it was saved.
    public let step: Int
    /// Training seconds up to that step (what `elapsed_s` continues from).
    public let elapsedSeconds: Double
    /// The weights file, relative to the output folder.
    public let model: String
    /// The optimiser-state file, relative to the output folder.
    public let optimizer: String

    enum CodingKeys: String, CodingKey { case step, elapsedSeconds = "elapsed_s", model, optimizer }

    /// The marker for `step`, naming that step's files.
    init(step: Int, elapsedSeconds: Double) {
        self.step = step
        self.elapsedSeconds = elapsedSeconds
        model = "\(Self.folderName)/model-\(step).safetensors"
        optimizer = "\(Self.folderName)/optimizer-\(step).safetensors"
    }

    /// The checkpoint `output` holds; throws, saying what is missing, when there is none that is complete.
    public static func last(in output: URL) throws -> RunCheckpoint {
        let marker = output.appendingPathComponent(markerName)
        guard let data = try? Data(contentsOf: marker) else {
            throw TrainingError("\(output.path): no complete checkpoint to resume (no \(markerName)); train without --resume to start over")
        }
        guard let checkpoint = try? JSONDecoder().decode(RunCheckpoint.self, from: data), checkpoint.step >= 0,
              checkpoint.elapsedSeconds.isFinite, checkpoint.elapsedSeconds >= 0,
              checkpoint == RunCheckpoint(step: checkpoint.step, elapsedSeconds: checkpoint.elapsedSeconds) else {
            throw TrainingError("\(marker.path): not a checkpoint marker written by siglip train")
        }
        for file in [checkpoint.model, checkpoint.optimizer] where !FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path) {
            throw TrainingError("\(marker.path) names \(file), which is missing; cannot resume")
        }
        return checkpoint
    }

    /// Points `model.safetensors` in `output` at this checkpoint's weights, so the folder loads as this
    /// checkpoint even when a run was killed between writing the marker and updating the link.
    public func linkModel(in output: URL) throws {
        try DurableFiles.link(output.appendingPathComponent("model.safetensors"), to: output.appendingPathComponent(model))
        try DurableFiles.sync(output)
    }

    /// Removes the marker and step files of an earlier run in `output`, so a new run killed before its first
    /// save cannot be resumed from the old run's weights.
    public static func discard(in output: URL) throws {
        let files = FileManager.default
        let marker = output.appendingPathComponent(markerName)
        if files.fileExists(atPath: marker.path) { try files.removeItem(at: marker) }
        let folder = output.appendingPathComponent(folderName)
        if files.fileExists(atPath: folder.path) { try files.removeItem(at: folder) }
    }
}

extension Trainer {
    /// Saves the weights, optimiser state, step and `elapsedSeconds` as the run's checkpoint in `output` (see
    /// `RunCheckpoint` for the order that keeps the previous checkpoint loadable if this one is cut short).
    @discardableResult
    public func saveCheckpoint(to output: URL, elapsedSeconds: Double) throws -> RunCheckpoint {
        let checkpoint = RunCheckpoint(step: steps, elapsedSeconds: elapsedSeconds)
        let folder = output.appendingPathComponent(RunCheckpoint.folderName)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try model.saveCompanions(to: output)
        try DurableFiles.write(to: output.appendingPathComponent(checkpoint.model)) { try model.writeWeights(to: $0) }
        try DurableFiles.write(to: output.appendingPathComponent(checkpoint.optimizer)) { try saveState(to: $0) }
        try DurableFiles.sync(folder)
        // The commit point: from here on the marker names this step's complete files.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let marker = try encoder.encode(checkpoint)
        try DurableFiles.write(to: output.appendingPathComponent(RunCheckpoint.markerName)) { try marker.write(to: $0) }
        try DurableFiles.sync(output)
        try checkpoint.linkModel(in: output)
        let keep = Set([checkpoint.model, checkpoint.optimizer].map { URL(fileURLWithPath: $0).lastPathComponent })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where !keep.contains(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        return checkpoint
    }

    /// Restores the optimiser state and step of `checkpoint` in `output` (the weights are loaded with the model).
    public func restore(_ checkpoint: RunCheckpoint, in output: URL) throws {
        try restoreState(from: output.appendingPathComponent(checkpoint.optimizer))
        guard steps == checkpoint.step else {
            throw TrainingError("\(output.appendingPathComponent(checkpoint.optimizer).path) is at step \(steps), its marker says \(checkpoint.step)")
        }
    }
}
