import ArgumentParser
import Foundation
import SigLIP
import SigLIPProbe
import Tensor

struct ProbeTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit a logistic-regression probe on a model's image embeddings of class folders.",
        discussion: """
        --classes DIR holds one folder of images per class (the label is the folder name). Each class is split \
        (--validation-split, seeded by --seed) and the head is fitted on the training part to the optimum of \
        scikit-learn's LogisticRegression(C, solver="lbfgs") on the L2-normalised embeddings, optionally \
        standardised first (--standardize) and with balanced class weights (--balanced). Writes the probe to \
        --output and prints one JSON line with the accuracies. Images that cannot be embedded are skipped and \
        listed on standard error; the probe is still written, and the exit status is then 1.
        """
    )

    @Option(name: .long, help: "A checkpoint directory, or a Hub repository org/name[@revision].")
    var model: String

    @Option(name: .long, help: "A folder with one subfolder of images per class.")
    var classes: String

    @Option(name: .long, help: "The probe directory to write (created if absent).")
    var output: String

    @Option(name: .customLong("C"), help: "Inverse regularisation strength, as scikit-learn's C (larger: weaker L2 penalty).")
    var C = 1.0

    @Flag(name: .long, help: "Weigh classes inversely to their size (scikit-learn's class_weight=\"balanced\").")
    var balanced = false

    @Flag(name: .long, help: "Standardise each embedding feature with the training images' mean and deviation.")
    var standardize = false

    @Option(name: .customLong("validation-split"), help: "The fraction of each class held out to measure accuracy (0 holds none out).")
    var validationSplit = 0.2

    @Option(name: .long, help: "The seed of the validation split.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-iterations"), help: "The most L-BFGS iterations.")
    var maxIterations = 10_000

    @Option(name: .customLong("batch-size"), help: "Images per model call.")
    var batchSize = 16

    @Option(name: .long, help: "Threads for the kernels (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Number format of the linear layers: fp32, bf16 or int8.")
    var precision: Precision = .fp32

    func validate() throws {
        guard C > 0, C.isFinite else { throw ValidationError("--C must be a positive number, not \(C)") }
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be at least 0 and below 1, not \(validationSplit)") }
        try require(maxIterations, in: 1...1_000_000, "--max-iterations")
        try require(batchSize, in: Limits.batchSize, "--batch-size")
        try require(threads, in: Limits.threads, "--threads")
    }

    func run() throws {
        if let threads { Compute.threads = threads }
        let data = try ClassFolders(directory: URL(fileURLWithPath: classes))
        let directory = try modelDirectory(model)
        let identity = try ModelIdentity(checkpoint: directory)
        let loaded = try loadImageTextModel(directory: directory, precision: precision)
        var options = ProbeTrainingOptions()
        options.C = C
        options.balanced = balanced
        options.standardize = standardize
        options.validationSplit = validationSplit
        options.seed = seed
        options.batchSize = batchSize
        options.optimizer.maxIterations = maxIterations
        let bar = ProgressBar("embedding images", total: data.files.count)
        let result = try ProbeTrainer.train(data: data, model: loaded, identity: identity, options: options, progress: bar.update)
        for failure in result.failures { printError("skipped \(failure.file.path): \(CommandFailure.wrapping(failure.error))") }
        try result.probe.save(to: URL(fileURLWithPath: output))
        let record = result.probe.manifest.training
        if !record.converged {
            printError("warning: L-BFGS stopped after \(record.iterations) iterations with gradient \(record.gradientNorm) above its tolerance; "
                + "raise --max-iterations or lower --C")
        }
        JSONLines.emit(JSONLines.object([
            "probe": JSONLines.string(output), "classes": "\(data.labels.count)", "dimension": "\(result.probe.dimension)",
            "train_images": "\(result.train.total)", "validation_images": "\(result.validation?.total ?? 0)",
            "skipped": "\(result.failures.count)", "train_accuracy": jsonNumber(result.train.accuracy),
            "validation_accuracy": jsonNumber(result.validation?.accuracy), "iterations": "\(record.iterations)",
            "converged": record.converged ? "true" : "false", "loss": jsonNumber(record.loss),
        ]))
        if !result.failures.isEmpty { throw ExitCode(1) }
    }
}
