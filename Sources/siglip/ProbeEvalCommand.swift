import ArgumentParser
import Foundation
import SigLIP
import SigLIPProbe

struct ProbeEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Accuracy of a trained probe on labelled class folders.",
        discussion: """
        --classes DIR holds one folder of images per class, named as the probe's labels (a subset is fine; a \
        folder of another name is refused). Prints one JSON line: accuracy, per-class accuracy, and the confusion \
        matrix (rows: true label, columns: predicted, both in the probe's label order). Images that cannot be \
        embedded are skipped and listed on standard error, and the exit status is then 1.
        """
    )

    @OptionGroup var options: ProbeModelOptions

    @Option(name: .long, help: "A folder with one subfolder of images per class.")
    var classes: String

    func run() throws {
        let (probe, model) = try options.load()
        let data = try ClassFolders(directory: URL(fileURLWithPath: classes))
        var index: [String: Int] = [:]
        for (i, label) in probe.labels.enumerated() { index[label] = i }
        let mapping = try data.labels.map { (label: String) throws -> Int in
            guard let i = index[label] else {
                throw ProbeError("\(data.directory.appendingPathComponent(label).path): '\(label)' is not one of the probe's labels "
                    + "(\(probe.labels.joined(separator: ", ")))")
            }
            return i
        }
        let bar = ProgressBar("embedding images", total: data.files.count)
        let results = ProbeTrainer.embed(data.files, model: model, batchSize: options.batchSize, progress: bar.update)
        var truth: [Int] = [], predicted: [Int] = [], skipped = 0
        for (i, result) in results.enumerated() {
            do {
                predicted.append(try probe.predict(try result.get()))
                truth.append(mapping[data.classes[i]])
            } catch {
                skipped += 1
                printError("skipped \(data.files[i].path): \(CommandFailure.wrapping(error))")
            }
        }
        let scores = ProbeEvaluation(labels: probe.labels, truth: truth, predicted: predicted)
        let perClass = zip(probe.labels, scores.perClassAccuracy).map { JSONLines.string($0) + ": " + jsonNumber($1) }
        JSONLines.emit(JSONLines.object([
            "probe": JSONLines.string(options.probe), "images": "\(scores.total)", "skipped": "\(skipped)",
            "correct": "\(scores.correct)", "accuracy": jsonNumber(scores.accuracy),
            "per_class": "{" + perClass.joined(separator: ", ") + "}",
            "labels": "[" + probe.labels.map(JSONLines.string).joined(separator: ", ") + "]",
            "confusion": "[" + scores.confusion.map { JSONLines.integers($0) }.joined(separator: ", ") + "]",
        ]))
        if skipped > 0 { throw ExitCode(1) }
    }
}
