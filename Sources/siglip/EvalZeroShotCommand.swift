import ArgumentParser
import Foundation
import SigLIP
import SigLIPTraining

struct EvalZeroShotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-zero-shot",
        abstract: "Top-1 zero-shot accuracy over labelled test images, per group (seen / held-out combinations).",
        discussion: """
        --data is JSON Lines of {"image", "text"} (the test.jsonl of `siglip datasets shapes`); an optional \
        "group" string or "held_out" flag per row splits the count. Each image is right when its own text is the \
        nearest of all labels (--labels FILE, one per line; default: every distinct text in --data). Prints one JSON \
        object: {"all": acc, "<group>": acc, ..., "images": N}.
        """
    )

    @OptionGroup var options: ModelOptions
    @Option(name: .long, help: "The test file (JSON Lines).") var data: String
    @Option(name: .long, help: "Candidate labels, one per line.") var labels: String?

    func run() throws {
        let pipeline = try options.load()
        let loader = BatchLoader(processor: try pipeline.imageProcessor(), tokenizer: try pipeline.tokenizer())
        let names = try labels.map { path in
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        let evaluation = try ZeroShotEvaluation(jsonLines: URL(fileURLWithPath: data), labels: names, loader: loader)
        for skip in evaluation.skipped { printError("skipped \(skip.path): \(skip.error)") }
        let accuracy = try evaluation.accuracy(vision: pipeline.model.vision, text: pipeline.model.text)
        let fields = accuracy.sorted { $0.key < $1.key }.map { JSONLines.string($0.key) + ": " + String(format: "%.4f", $0.value) }
        print("{" + (fields + ["\"images\": \(evaluation.imageCount)"]).joined(separator: ", ") + "}")
        if !evaluation.skipped.isEmpty { throw ExitCode(1) }
    }
}
