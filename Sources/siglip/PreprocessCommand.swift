import ArgumentParser
import Foundation
import SigLIP

struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Write the model's float32 pixel tensor [N, 3, H, W] for images to a .npy file."
    )

    @OptionGroup var options: ModelOptions

    @Argument(help: "Image files.")
    var images: [String] = []

    @Option(name: .long, help: "The .npy file to write.")
    var output: String

    func run() throws {
        _ = try SiglipConfig(directory: URL(fileURLWithPath: options.model))
        for path in images { JSONLines.emitError(input: path, SiglipError.notYetSupported("image files")) }
        throw ExitCode(1)
    }
}
