import ArgumentParser
import Foundation
import NPY
import SigLIP
import Tensor

struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Write the model's float32 pixel tensor [N, 3, H, W] for images to a .npy file.",
        discussion: """
        Rows are the images that could be read, in the order given; each image that could not be read prints \
        {"input": PATH, "error": ...}, and the exit status is then 1.
        """
    )

    @OptionGroup var options: ModelOptions

    @Argument(help: "Image files.")
    var images: [String] = []

    @Option(name: .long, help: "The .npy file to write.")
    var output: String

    @Option(name: .customLong("image-size"), help: "Resize to S×S pixels instead of the checkpoint's size.")
    var imageSize: Int?

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        try require(imageSize, in: Limits.imageSide, "--image-size")
    }

    func run() throws {
        if let threads = options.threads { Compute.threads = threads }
        let pipeline = try SiglipPipeline(directory: modelDirectory(options.model))
        var rows: [Float] = [], shape: [Int]? = nil, failures = 0
        for (path, result) in zip(images, pipeline.pixelValues(for: images.map { URL(fileURLWithPath: $0) }, side: imageSize)) {
            switch result {
            case .success(let pixels) where shape == nil || shape == pixels.shape:
                shape = pixels.shape
                rows += pixels.scalars
            case .success(let pixels):
                failures += 1
                JSONLines.emitError(input: path, SiglipError("its pixel tensor is \(pixels.shape), unlike the first image's \(shape ?? []); use --image-size"))
            case .failure(let error):
                failures += 1
                JSONLines.emitError(input: path, error)
            }
        }
        if let shape {
            try NPYArray(shape: [rows.count / shape.reduce(1, *)] + shape, values: .float(rows)).write(to: URL(fileURLWithPath: output))
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
