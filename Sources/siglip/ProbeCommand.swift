import ArgumentParser
import Foundation
import SigLIP
import SigLIPProbe
import Tensor

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear probes: a logistic-regression head trained on one model's image embeddings.",
        discussion: """
        train fits the head on a folder of class folders; predict and eval apply it. A probe is a directory of \
        probe.safetensors (weights) and probe.json (labels, training record, and the checkpoint's config and \
        weights SHA-256): predict, eval and serve --probe refuse any other checkpoint.
        """,
        subcommands: [ProbeTrainCommand.self, ProbePredictCommand.self, ProbeEvalCommand.self]
    )
}

/// The model options of `probe predict` and `probe eval`: the checkpoint defaults to the one the probe names.
struct ProbeModelOptions: ParsableArguments {
    @Option(name: .long, help: "The probe directory (probe.safetensors and probe.json).")
    var probe: String

    @Option(name: .long, help: "The checkpoint the probe was trained on (default: the path recorded in probe.json); any other is refused.")
    var model: String?

    @Option(name: .long, help: "Threads for the kernels (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Number format of the linear layers: fp32, bf16 or int8.")
    var precision: Precision = .fp32

    @Option(name: .customLong("batch-size"), help: "Images per model call.")
    var batchSize = 16

    func validate() throws {
        try require(threads, in: Limits.threads, "--threads")
        try require(batchSize, in: Limits.batchSize, "--batch-size")
    }

    /// The probe, and the model after checking it is the checkpoint the probe was trained on.
    func load() throws -> (probe: LinearProbe, model: any ImageTextModel) {
        if let threads { Compute.threads = threads }
        let probeURL = URL(fileURLWithPath: probe)
        let loaded = try LinearProbe(directory: probeURL)
        let directory = try modelDirectory(model ?? loaded.manifest.model.path)
        try loaded.manifest.model.check(offered: try ModelIdentity(checkpoint: directory), probe: probeURL)
        let model = try loadImageTextModel(directory: directory, precision: precision)
        guard model.embeddingSize == loaded.dimension else {
            throw ProbeError("\(probe): reads embeddings of \(loaded.dimension) numbers; \(directory.path) makes \(model.embeddingSize)")
        }
        return (loaded, model)
    }
}

/// A JSON number for a Double, or null when it is absent or not finite.
func jsonNumber(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "null" }
    return "\(x)"
}
