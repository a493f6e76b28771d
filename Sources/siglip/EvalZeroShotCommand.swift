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
        nearest of all labels (--labels FILE, one per line; default: every distinct text in --data); any family \
        (SigLIP, SigLIP 2 NaFlex, CLIP) ranks this way, as its activation is monotonic in the cosine. Prints one JSON \
        object: {"all": acc, "<group>": acc, ..., "images": N}.
        """
    )

    @OptionGroup var options: ModelOptions
    @OptionGroup var naflex: NaFlexOptions
    @Option(name: .long, help: "The test file (JSON Lines).") var data: String
    @Option(name: .long, help: "Candidate labels, one per line.") var labels: String?

    func run() throws {
        let model = try options.loadAny(naflex)
        let names = try labels.map { path in
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        let (accuracy, imageCount, skipped) = try ZeroShotTestSet(jsonLines: URL(fileURLWithPath: data), labels: names).evaluate(model: model)
        for skip in skipped { printError("skipped \(skip.path): \(skip.error)") }
        let fields = accuracy.sorted { $0.key < $1.key }.map { JSONLines.string($0.key) + ": " + String(format: "%.4f", $0.value) }
        print("{" + (fields + ["\"images\": \(imageCount)"]).joined(separator: ", ") + "}")
        if !skipped.isEmpty { throw ExitCode(1) }
    }
}
