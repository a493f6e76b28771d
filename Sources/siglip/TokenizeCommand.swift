import ArgumentParser
import Foundation
import SigLIP

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the model's input ids for each text: {\"text\": T, \"ids\": [...]}.",
        discussion: """
        Ids are what the text tower sees: EOS appended (CLIP: BOS before too), truncated keeping EOS, padded to \
        the model's text length. \
        With --decode the arguments are ids, and the text they stand for is printed: {"ids": [...], "text": T}.
        """
    )

    @OptionGroup var options: ModelOptions

    @Flag(name: .long, help: "Also print the pieces and the ids decoded back to text.")
    var verbose = false

    @Flag(name: .long, help: "Decode: the arguments are token ids; print the text they stand for.")
    var decode = false

    @Option(name: .long, help: "A JSON Lines file of texts (each line a JSON string), tokenised after the arguments.")
    var input: String?

    @Argument(help: "Texts to tokenise (or ids, with --decode).")
    var texts: [String] = []

    func validate() throws {
        guard !texts.isEmpty || input != nil else { throw ValidationError("give at least one text, or --input FILE") }
        if decode, let bad = texts.first(where: { Int32($0) == nil }) { throw ValidationError("--decode takes token ids; '\(bad)' is not one") }
    }

    func run() throws {
        let directory = try modelDirectory(options.model)
        let tokenizer: any TextTokenizer
        if try modelType(ofCheckpoint: directory) == "clip" {
            let config = try CLIPConfig(directory: directory)
            tokenizer = try CLIPTokenizer(directory: directory, maxLength: config.text.maxPositionEmbeddings)
        } else {
            let config = try SiglipConfig(directory: directory)
            tokenizer = try SiglipTokenizer(directory: directory, maxLength: config.text.maxPositionEmbeddings)
        }
        if decode {
            let ids = texts.compactMap { Int32($0) }
            JSONLines.emit(JSONLines.object(["ids": JSONLines.integers(ids), "text": JSONLines.string(tokenizer.decode(ids))]))
            return
        }
        var failures = 0
        for text in texts { emit(text, tokenizer) }
        if let input {
            for (line, result) in try readTexts(input).enumerated() {
                switch result {
                case .success(let text): emit(text, tokenizer)
                case .failure(let error): failures += 1; JSONLines.emitError(input: "\(input):\(line + 1)", error)
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func emit(_ text: String, _ tokenizer: any TextTokenizer) {
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

/// What `tokenize` needs of a family's tokenizer.
protocol TextTokenizer {
    /// The model's input ids: special tokens added, truncated and padded to the text length.
    func encode(_ text: String) -> [Int32]
    /// The pieces before special tokens and padding.
    func tokenize(_ text: String) -> [String]
    /// Text for ids.
    func decode(_ ids: [Int32]) -> String
}

extension SiglipTokenizer: TextTokenizer {}
extension CLIPTokenizer: TextTokenizer {}

/// The texts of a JSON Lines file, one JSON string per line; a line that is not one yields its error.
func readTexts(_ path: String) throws -> [Result<String, Error>] {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw CommandFailure.reading(path, error)
    }
    return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast(data.last == UInt8(ascii: "\n") ? 1 : 0).map { line in
        // JSONDecoder, not JSONSerialization: the latter drops a U+FEFF inside a string on Linux.
        Result { try JSONDecoder().decode(String.self, from: Data(line)) }.mapError { _ in ValidationError("not a JSON string (each line must be one, e.g. \"a photo of a cat\")") }
    }
}
