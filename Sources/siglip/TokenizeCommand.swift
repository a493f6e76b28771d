import ArgumentParser
import Foundation
import SigLIP

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the model's input ids for each text: {\"text\": T, \"ids\": [...]}.",
        discussion: "Ids are what the text tower sees: EOS appended, truncated keeping EOS, padded to the model's text length."
    )

    @OptionGroup var options: ModelOptions

    @Flag(name: .long, help: "Also print the pieces and the ids decoded back to text.")
    var verbose = false

    @Argument(help: "Texts to tokenise.")
    var texts: [String] = []

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one text") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: options.model)
        let config = try SiglipConfig(directory: directory)
        let tokenizer = try SiglipTokenizer(directory: directory, maxLength: config.text.maxPositionEmbeddings)
        for text in texts {
            let ids = tokenizer.encode(text)
            if verbose {
                JSONLines.emit(JSONLines.object(["text": JSONLines.string(text), "ids": JSONLines.integers(ids),
                                                 "pieces": "[" + tokenizer.tokenize(text).map(JSONLines.string).joined(separator: ", ") + "]",
                                                 "decoded": JSONLines.string(tokenizer.decode(ids))]))
            } else {
                JSONLines.emit(JSONLines.object(["text": JSONLines.string(text), "ids": JSONLines.integers(ids)]))
            }
        }
    }
}
