import ArgumentParser
import Foundation
import SigLIP
import SigLIPDistributed
import SigLIPTraining
import Tensor

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train or fine-tune with the sigmoid loss; writes a checkpoint that siglip and transformers load.",
        discussion: """
        --data is a JSON Lines file of {"image": PATH, "text": CAPTION} (paths relative to the file) or a folder of \
        class folders captioned with --template. Start from a checkpoint (--model) or from scratch (--config with \
        --tokenizer). OUTPUT receives the checkpoint, metrics.jsonl, and every --save-every steps the state \
        --resume continues from (resume/ and checkpoint.json, written so that a killed run keeps its last complete \
        checkpoint). Ctrl-C or SIGTERM saves and exits; a non-finite loss stops with the step named and nothing saved. \
        Under mpirun, --distributed splits each global batch of --batch-size pairs across the ranks and takes the \
        step one process would take on the whole batch (docs/DISTRIBUTED.md); rank 0 writes OUTPUT.
        """
    )

    @Option(name: .long, help: "Training data: a .jsonl file or a folder of class folders.") var data: String
    @Option(name: .long, help: "Where to write the checkpoint.") var output: String
    @Option(name: .long, help: ArgumentHelp("The checkpoint to start from. " + modelHelp)) var model: String?
    @Option(name: .long, help: "A config.json to train from scratch.") var config: String?
    @Option(name: .long, help: "With --config: the tokenizer (spiece.model, or tokenizer.json for SigLIP 2).") var tokenizer: String?
    @Option(name: .long, help: "Optimiser steps.") var steps: Int?
    @Option(name: .long, help: "Passes over the data (instead of --steps).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Pairs per micro-batch (the sigmoid loss sees B×B pairs).") var batchSize = 32
    @Option(name: .long, help: "Peak learning rate.") var lr: Float = 1e-4
    @Option(name: .long, help: "adamw or sgd.") var optimizer = "adamw"
    @Option(name: .customLong("weight-decay"), help: "AdamW's decoupled weight decay (not on biases, norms, t′, b).") var weightDecay: Float = 1e-4
    @Option(name: .long, help: "Linear warm-up steps.") var warmup = 0
    @Option(name: .long, help: "cosine or constant after warm-up.") var schedule = "cosine"
    @Option(name: .customLong("clip-norm"), help: "Clip the global gradient norm to this.") var clipNorm: Float?
    @Option(name: .long, help: "Micro-batches per optimiser step (gradient accumulation).") var accumulate = 1
    @Option(name: .long, help: "none, image (LiT), text or encoders.") var freeze = "none"
    @Option(name: .customLong("loss-chunk"), help: "Texts per chunk of the loss: O(B·C) memory instead of O(B²).") var lossChunk: Int?
    @Option(name: .long, help: "Seed for shuffling, augmentation and initial weights.") var seed: UInt64 = 0
    @Flag(name: .customLong("no-shuffle"), help: "Keep the data's order.") var noShuffle = false
    @Flag(name: .long, help: "Random resized crops and horizontal flips.") var augment = false
    @Option(name: .long, help: "Caption template for class folders; {} is the folder name.") var template = "a photo of a {}."
    @Option(name: .long, help: "Kernel threads.") var threads: Int?
    @Flag(name: .long, help: "Continue the run saved in --output.") var resume = false
    @Option(name: .customLong("init-temperature"), help: "With --config: the starting t = exp(t′).") var initTemperature: Float = 10
    @Option(name: .customLong("init-bias"), help: "With --config: the starting b.") var initBias: Float = -10
    @Option(name: .long, help: "A labelled test file (as for eval-zero-shot) to measure zero-shot accuracy on while training.") var eval: String?
    @Option(name: .long, help: "Render the loss (and accuracy) curve of metrics.jsonl to this PNG at the end.") var plot: String?
    @Option(name: .customLong("eval-every"), help: "Steps between evaluations (and after the last).") var evalEvery = 100
    @Option(name: .customLong("save-every"), help: "Steps between checkpoints (and after the last).") var saveEvery = 500
    @Flag(name: .long, help: "Data-parallel over the ranks of mpirun (--batch-size is the global batch).") var distributed = false

    func validate() throws {
        // Without --distributed every rank would train alone on the whole data and write the same files.
        if !distributed, let ranks = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), ranks > 1 {
            throw ValidationError("started by mpirun as \(ranks) processes: add --distributed, or run one process")
        }
        guard (model == nil) != (config == nil) || resume else { throw ValidationError("give exactly one of --model and --config") }
        if config != nil && tokenizer == nil && !resume { throw ValidationError("--config needs --tokenizer") }
        guard (steps == nil) != (epochs == nil) else { throw ValidationError("give exactly one of --steps and --epochs") }
        guard ["adamw", "sgd"].contains(optimizer) else { throw ValidationError("--optimizer is adamw or sgd") }
        guard LearningRateSchedule.Decay(rawValue: schedule) != nil else { throw ValidationError("--schedule is cosine or constant") }
        guard Freeze(rawValue: freeze) != nil else { throw ValidationError("--freeze is none, image, text or encoders") }
        // Counts past these limits are typing slips, not runs this CPU trainer could finish.
        try require(batchSize, in: 2...Self.maxBatch, "--batch-size", why: " (the loss needs negatives)")
        try require(steps, in: 1...Self.maxSteps, "--steps")
        try require(epochs, in: 1...Self.maxEpochs, "--epochs")
        try require(accumulate, in: 1...Self.maxAccumulate, "--accumulate")
        try require(warmup, in: 0...Self.maxSteps, "--warmup")
        try require(lossChunk, in: 1...Self.maxBatch, "--loss-chunk")
        try require(evalEvery, in: 1...Self.maxSteps, "--eval-every")
        try require(saveEvery, in: 1...Self.maxSteps, "--save-every")
        try require(threads, in: Limits.threads, "--threads")
        guard lr.isFinite, lr > 0, lr <= 10 else { throw ValidationError("--lr must be a finite number in (0, 10], not \(lr)") }
        guard weightDecay.isFinite, weightDecay >= 0, weightDecay <= 10 else {
            throw ValidationError("--weight-decay must be a finite number in [0, 10], not \(weightDecay)")
        }
        if let clipNorm, !(clipNorm.isFinite && clipNorm > 0) { throw ValidationError("--clip-norm must be a finite positive number, not \(clipNorm)") }
        guard initTemperature.isFinite, initTemperature > 0, initTemperature <= 1e4 else {
            throw ValidationError("--init-temperature must be a finite number in (0, 10000], not \(initTemperature)")
        }
        guard initBias.isFinite, abs(initBias) <= 1e4 else { throw ValidationError("--init-bias must be a finite number in [-10000, 10000], not \(initBias)") }
    }

    static let maxBatch = 65_536, maxSteps = 100_000_000, maxEpochs = 1_000_000, maxAccumulate = 65_536

    func run() throws {
        guard distributed else { return try train(world: nil) }
        let world = try Communicator.world()
        guard batchSize >= world.size else {   // every rank sees the same, so every rank stops here
            world.finalize()
            throw ValidationError("--batch-size \(batchSize) is smaller than the \(world.size) ranks; each needs a pair")
        }
        do {
            try train(world: world)
        } catch {
            // One rank's error would leave the others waiting in the next collective: end the whole job.
            if world.size > 1 {
                if !(error is ExitCode) { printError("rank \(world.rank): \(error)") }
                world.abort(code: (error as? ExitCode)?.rawValue ?? 1)
            }
            world.finalize()
            throw error
        }
        world.finalize()
    }

    /// The run, alone (`world` nil) or as one rank of `world`; only rank 0 writes OUTPUT.
    private func train(world: Communicator?) throws {
        if let threads { Compute.threads = threads }
        // Only SigLIP trains here (the sigmoid loss, SigLIP's towers); say so before any data is read.
        if let model, !resume {
            let directory = try modelDirectory(model)
            if try modelType(ofCheckpoint: directory) == "clip" {
                throw CommandFailure(description: "\(directory.path): a CLIP checkpoint (model_type \"clip\"); siglip train fine-tunes SigLIP checkpoints only (embed, classify, index and search take CLIP)")
            }
        }
        let out = URL(fileURLWithPath: output)
        // The data first: a file that cannot train fails at once, before a model is built or OUTPUT touched.
        let examples = try readExamples()
        guard examples.count >= 2 else {
            printError("\(data): \(examples.count) usable pair(s); training needs at least 2 (the loss needs negatives)")
            throw ExitCode(1)
        }
        // --resume starts from the last complete checkpoint or not at all: never from fresh weights.
        let writes = (world?.rank ?? 0) == 0
        let checkpoint = try resume ? RunCheckpoint.last(in: out) : nil
        let trainable: TrainableSiglip
        if writes {
            try checkpoint?.linkModel(in: out)
            trainable = try loadModel(out)
            if !resume { try RunCheckpoint.discard(in: out) }
            try world?.barrier()
        } else {
            // The other ranks load what rank 0 linked or initialised (same seed, same weights) once it is there.
            try world?.barrier()
            trainable = try resume || config != nil ? TrainableSiglip(directory: out) : loadModel(out)
        }
        let source = trainable.sourceDirectory ?? out
        let pipeline = try SiglipPipeline(directory: source)
        let loader = BatchLoader(processor: try pipeline.imageProcessor(), tokenizer: try pipeline.tokenizer(),
                                 augmentation: augment ? Augmentation(seed: seed) : nil)
        let order = BatchOrder(count: examples.count, batchSize: batchSize, seed: seed, shuffle: !noShuffle)
        let perEpoch = order.batches(epoch: 0).count
        let total = steps ?? max(1, (epochs ?? 1) * perEpoch / accumulate)
        let trainer = Trainer(model: trainable, optimizer: optimizer == "sgd" ? SGD() : AdamW(weightDecay: weightDecay),
                              schedule: LearningRateSchedule(peak: lr, warmupSteps: warmup, totalSteps: total,
                                                             decay: LearningRateSchedule.Decay(rawValue: schedule) ?? .cosine),
                              freeze: Freeze(rawValue: freeze) ?? .none, clipNorm: clipNorm, lossChunk: lossChunk)
        if let world { trainer.collective = DataParallel(world: world) }
        if let checkpoint {
            try trainer.restore(checkpoint, in: out)
            if writes { printError("resuming from step \(checkpoint.step) (\(String(format: "%.1f", checkpoint.elapsedSeconds)) s trained)") }
        }
        let run = TrainingRun(trainer: trainer, loader: loader, order: order, examples: examples, accumulate: accumulate,
                              total: total, output: out)
        (run.saveEvery, run.resumed, run.dataName) = (saveEvery, checkpoint, data)
        if let world { run.coordination = DistributedRun(world: world) }
        if let eval {
            run.evaluation = try ZeroShotEvaluation(jsonLines: URL(fileURLWithPath: eval), loader: loader.withoutAugmentation)
            run.evaluateEvery = evalEvery
        }
        try run.start()
        if let plot, writes {
            var chart = TrainingPlot(axis: .step)
            chart.add(metricsJSONLines: try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8))
            chart.subtitle = "\(out.lastPathComponent): batch \(batchSize), \(optimizer) lr \(lr), \(total) steps"
            try chart.pngData().write(to: URL(fileURLWithPath: plot))
            printError("plot written to \(plot)")
        }
    }

    private func loadModel(_ out: URL) throws -> TrainableSiglip {
        if resume { return try TrainableSiglip(directory: out) }
        if let model { return try TrainableSiglip(directory: modelDirectory(model)) }
        guard let config, let tokenizer else { throw ValidationError("give --model or --config") }
        let trainable = try TrainableSiglip.initialize(configFile: URL(fileURLWithPath: config), seed: seed, in: out,
                                                       temperature: initTemperature, bias: initBias)
        let tokenizerURL = URL(fileURLWithPath: tokenizer)
        let name = tokenizerURL.pathExtension == "json" ? "tokenizer.json" : "spiece.model"
        let target = out.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: tokenizerURL, to: target)
        // Its tokenizer_config.json, when it has one beside it, so transformers builds the same tokenizer.
        let settings = tokenizerURL.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: settings.path) {
            let copy = out.appendingPathComponent("tokenizer_config.json")
            try? FileManager.default.removeItem(at: copy)
            try FileManager.default.copyItem(at: settings, to: copy)
        }
        let side = trainable.config.vision.imageSize
        let processor = #"{"do_normalize": true, "do_rescale": true, "do_resize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"height": \#(side), "width": \#(side)}, "image_processor_type": "SiglipImageProcessor"}"#
        try Data(processor.utf8).write(to: out.appendingPathComponent("preprocessor_config.json"))
        return trainable
    }

    private func readExamples() throws -> [TrainingExample] {
        let url = URL(fileURLWithPath: data)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw CommandFailure(description: "\(data): no such file or folder") }
        return isDirectory.boolValue ? try TrainingData.classFolders(at: url, template: template) : try TrainingData.jsonLines(at: url)
    }
}
