import ArgumentParser
import Foundation
import SigLIP
import SigLIPEvaluation
import Tensor

extension ScaleCombination: ExpressibleByArgument {}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Zero-shot accuracy and retrieval recall of one or more models, side by side, with an HTML report.",
        discussion: """
        --classes DIR: one folder per class (the class name is the folder name, "_" read as a space); top-1/top-5 \
        zero-shot accuracy, per-class accuracy and confusion, each class embedded as the renormalised mean of its \
        prompts (--templates: photo, ensemble, bare, or a file with one template per line, {} for the name). \
        --pairs FILE: JSON Lines of {"image", "text"} (the training format; one line per caption); image→text and \
        text→image recall@1/5/10 (a hit is any matching caption), plus zero-shot over the distinct captions. \
        Prints one JSON line per model; --json writes every number, --report a self-contained HTML page. \
        Unreadable images are skipped and listed, not fatal. --scales 224,384 embeds each image at every side and \
        combines them (--combine mean|concat). For the older grouped top-1 count, see eval-zero-shot.
        """
    )

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(modelHelp + " Repeatable: models are compared side by side."))
    var model: [String] = []

    @Option(name: .long, help: "A folder with one subfolder of images per class.")
    var classes: String?

    @Option(name: .long, help: "A JSON Lines file of {\"image\", \"text\"} pairs.")
    var pairs: String?

    @Option(name: .long, help: "Prompt templates: photo, ensemble, bare, or a file with one template per line.")
    var templates = "photo"

    @Option(name: .long, help: "Image sides to embed at, comma-separated (e.g. 224,384); default: the checkpoint's own.")
    var scales: String?

    @Option(name: .long, help: "How several scales combine: mean or concat.")
    var combine: ScaleCombination = .mean

    @Option(name: .long, help: "Write the self-contained HTML report here.")
    var report: String?

    @Option(name: .long, help: "Write every number as JSON here.")
    var json: String?

    @Option(name: .long, help: "Example rows per model in the report.")
    var examples = 8

    @Option(name: .customLong("batch-size"), help: "Inputs per model call.")
    var batchSize = 32

    @Option(name: .long, help: "Threads for the kernels (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Number format of the linear layers: fp32, bf16 or int8.")
    var precision: Precision = .fp32

    func validate() throws {
        guard !model.isEmpty else { throw ValidationError("give at least one --model") }
        guard (classes == nil) != (pairs == nil) else { throw ValidationError("give exactly one of --classes DIR or --pairs FILE") }
        try require(batchSize, in: Limits.batchSize, "--batch-size")
        try require(threads, in: Limits.threads, "--threads")
        try require(examples, in: 0...1000, "--examples")
        do {
            for side in try imageScales().sides { try require(side, in: Limits.imageSide, "--scales") }
        } catch let error as EvaluationError { throw ValidationError(error.message) }
        if pairs == nil { do { _ = try PromptTemplates.named(templates) } catch let e as EvaluationError { throw ValidationError(e.message) } }
    }

    func imageScales() throws -> ImageScales {
        try scales.map { try ImageScales(parsing: $0, combine: combine) } ?? ImageScales(combine: combine)
    }

    func run() throws {
        if let threads { Compute.threads = threads }
        let evaluator = Evaluator(scales: try imageScales(), templates: try PromptTemplates.named(templates), batchSize: batchSize,
                                  exampleCount: examples)
        let classDataset = try classes.map { try ClassificationDataset(classFolders: URL(fileURLWithPath: $0)) }
        let pairDataset = try pairs.map { try PairDataset(jsonLines: URL(fileURLWithPath: $0)) }
        var results: [ModelResult] = [], failures: [ModelFailure] = []
        for path in model {
            // A model that cannot be loaded or run is reported and the others are still evaluated.
            do {
                let loaded = try loadImageTextModel(directory: modelDirectory(path), precision: precision)
                let images = (classDataset?.images.count ?? pairDataset?.images.count ?? 0) * evaluator.scales.count
                let bar = ProgressBar("embedding images (\(URL(fileURLWithPath: path).lastPathComponent))", total: images)
                let progress = { (done: Int, _: Int) in bar.update(done) }
                let result = try classDataset.map { try evaluator.evaluate(loaded, classes: $0, progress: progress) }
                    ?? evaluator.evaluate(loaded, pairs: pairDataset!, progress: progress)
                for u in result.unreadable { printError("skipped \(u.path): \(u.error)") }
                JSONLines.emit(Self.headline(result))
                results.append(result)
            } catch {
                let message = "\(CommandFailure.wrapping(error))"
                JSONLines.emit(JSONLines.object(["model": JSONLines.string(path), "error": JSONLines.string(message)]))
                printError(message.hasPrefix(path) ? message : "\(path): \(message)")
                failures.append(ModelFailure(model: path, error: message))
            }
        }
        let summary = classDataset.map {
            DatasetSummary(kind: "classes", path: classes ?? "", images: $0.images.count, classes: $0.classes.count, texts: 0)
        } ?? pairDataset.map {
            DatasetSummary(kind: "pairs", path: pairs ?? "", images: $0.images.count, classes: $0.texts.count, texts: $0.texts.count)
        }!
        let report = EvaluationReport(version: SwiftSiglip.version, dataset: summary, templates: classes == nil ? nil : evaluator.templates,
                                      scales: evaluator.scales, models: results, failures: failures)
        if let json { try write(report.jsonData(), to: json) }
        if let path = self.report { try write(Data(report.html().utf8), to: path) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// The one-line summary printed per model.
    static func headline(_ r: ModelResult) -> String {
        var fields = [("model", JSONLines.string(r.model)), ("scales", JSONLines.string(r.scales)), ("images", "\(r.imagesEvaluated)"),
                      ("unreadable", "\(r.unreadable.count)")]
        let number = { (v: Double) in String(format: "%.4f", v) }
        if let z = r.zeroShot { fields += [("top1", number(z.top1)), ("top5", number(z.top5))] }
        if let t = r.retrieval {
            for (name, recall) in [("i2t", t.imageToText), ("t2i", t.textToImage)] {
                fields += [("\(name)_r1", number(recall.r1)), ("\(name)_r5", number(recall.r5)), ("\(name)_r10", number(recall.r10))]
            }
        }
        return "{" + fields.map { JSONLines.string($0.0) + ": " + $0.1 }.joined(separator: ", ") + "}"
    }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CommandFailure(description: "\(path): cannot write: \(CommandFailure.reason(for: error as NSError))")
        }
    }
}
