import ArgumentParser
import Foundation
import SigLIP

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the model's input ids for each text: {\"text\": T, \"ids\": [...]}."
    )

    @OptionGroup var options: ModelOptions

    @Argument(help: "Texts to tokenise.")
    var texts: [String] = []

    func run() throws {
        _ = try SiglipConfig(directory: URL(fileURLWithPath: options.model))
        for t in texts { JSONLines.emitError(input: t, SiglipError.notYetSupported("texts")) }
        if !texts.isEmpty { throw ExitCode(1) }
    }
}
