import ArgumentParser
import Foundation
import SigLIP

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Zero-shot classification: an independent sigmoid probability per image and label.",
        discussion: """
        Prints {"input": PATH, "scores": [{"label": L, "logit": x, "probability": sigmoid(x)}, ...]} per image, \
        highest probability first. Probabilities do not sum to 1: each label is judged on its own.
        """
    )

    @OptionGroup var options: ModelOptions

    @Option(name: .long, parsing: .singleValue, help: "A candidate label (repeatable).")
    var label: [String] = []

    @Option(name: .long, help: "The text each label is put into; {} stands for the label.")
    var template = "This is a photo of {}."

    @Argument(help: "Image files.")
    var images: [String] = []

    func validate() throws {
        guard !label.isEmpty else { throw ValidationError("give at least one --label") }
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        guard template.contains("{}") else { throw ValidationError("--template must contain {} where the label goes") }
    }

    func run() throws {
        _ = try options.load()
        for path in images { JSONLines.emitError(input: path, SiglipError.notYetSupported("image files")) }
        throw ExitCode(1)
    }
}
