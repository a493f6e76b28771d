import ArgumentParser
import Foundation
import SigLIP
import Tensor

@main
struct SiglipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siglip",
        abstract: "SigLIP image and text embeddings, zero-shot classification and tokenisation.",
        discussion: """
        Results are JSON Lines on standard output, one object per input in the order given; a failed input \
        prints {"input": ..., "error": ...} in its place, the rest still run, and the exit status is 1.
        """,
        version: SwiftSiglip.version,
        subcommands: [EmbedCommand.self, ClassifyCommand.self, TokenizeCommand.self, PreprocessCommand.self, IndexCommand.self, SearchCommand.self, ServeCommand.self, TrainCommand.self, EvalCommand.self, EvalZeroShotCommand.self, PlotCommand.self, DatasetsCommand.self, DownloadCommand.self, ProbeCommand.self]
    )

    /// Refuses arguments that are not valid UTF-8 before parsing: Swift would silently repair them into
    /// U+FFFD, and a text the user did not type would be embedded.
    static func main() {
        for i in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil else { continue }
            printError("argument \(i) is not valid UTF-8; pass texts in UTF-8 (or through --input as JSON Lines)")
            Foundation.exit(64)  // EX_USAGE, as for every other command-line error
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: CommandFailure.wrapping(error))
        }
    }
}

/// Options every model-running command shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(modelHelp))
    var model: String

    @Option(name: .long, help: "Threads for the kernels (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Number format of the linear layers: fp32, bf16 or int8 (LayerNorm, softmax and GELU stay fp32).")
    var precision: Precision = .fp32

    /// Loads whichever image–text family the checkpoint's `model_type` names (SigLIP, SigLIP 2 NaFlex, CLIP),
    /// after applying the thread setting.
    func loadAny() throws -> any ImageTextModel {
        if let threads { Compute.threads = threads }
        return try loadImageTextModel(directory: modelDirectory(model), precision: precision)
    }

    func validate() throws {
        try require(threads, in: Limits.threads, "--threads")
    }
}

extension Precision: ExpressibleByArgument {}

/// Prints a message to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("siglip: " + message + "\n").utf8))
}
