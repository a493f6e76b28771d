import ArgumentParser
import Foundation
import SigLIPTraining

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "Generate data sets for training and evaluation.",
        subcommands: [ShapesCommand.self]
    )
}

struct ShapesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shapes",
        abstract: "Coloured shapes with captions (\"a red circle\"); some colour–shape pairs are kept out of training.",
        discussion: """
        Writes OUTPUT/train.jsonl ({"image", "text"} per line, paths relative to the file), OUTPUT/test.jsonl \
        (also "colour", "shape" and "held_out"), OUTPUT/labels.txt (every canonical caption), OUTPUT/captions.txt (every phrasing, for training a tokenizer) and the PNG images. \
        The same --seed gives the same files.
        """
    )

    private static let defaults = ShapesDataset.Options()

    @Option(name: .long, help: "The directory to write.") var output: String
    @Option(name: .long, help: "Training images.") var count = 20_000
    @Option(name: .customLong("test-count"), help: "Test images, over every colour–shape pair.") var testCount = 600
    @Option(name: .long, help: "Image side in pixels.") var size = 32
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 0
    @Flag(name: .customLong("varied-captions"), help: "Phrase each training caption in one of several ways (test captions stay canonical).") var variedCaptions = false
    @Option(name: .customLong("min-radius"), help: "Smallest shape radius, as a share of the image side.") var minRadius = Self.defaults.radius.lowerBound
    @Option(name: .customLong("max-radius"), help: "Largest shape radius, as a share of the image side.") var maxRadius = Self.defaults.radius.upperBound
    @Option(name: .customLong("background-tint"), help: "± per channel around a grey background (0–255 scale); backgrounds stay at least 80 away from the shape's colour.") var backgroundTint = Self.defaults.backgroundTint
    @Option(name: .customLong("neutral-shapes"), help: "Share of training images drawn in black, white or grey and captioned by the shape alone (\"a circle\"), 0–1.") var neutralShapes = Self.defaults.neutralShapes
    @Option(name: .customLong("colour-jitter"), help: "± per channel around each named colour (0–255 scale).") var colourJitter = Self.defaults.colourJitter

    func validate() throws {
        try require(count, in: 0...10_000_000, "--count")
        try require(testCount, in: 0...1_000_000, "--test-count")
        guard count + testCount > 0 else { throw ValidationError("--count and --test-count must not both be zero") }
        guard (0...255).contains(colourJitter) else { throw ValidationError("--colour-jitter must be between 0 and 255") }
        guard (0...1).contains(neutralShapes) else { throw ValidationError("--neutral-shapes must be between 0 and 1") }
        guard (0...255).contains(backgroundTint) else { throw ValidationError("--background-tint must be between 0 and 255") }
        guard minRadius > 0, minRadius <= maxRadius, maxRadius <= 0.5 else { throw ValidationError("need 0 < --min-radius ≤ --max-radius ≤ 0.5") }
        guard (8...1024).contains(size) else { throw ValidationError("--size must be between 8 and 1024") }
    }

    func run() throws {
        var options = Self.defaults
        (options.count, options.testCount, options.size, options.seed) = (count, testCount, size, seed)
        options.colourJitter = colourJitter
        options.variedCaptions = variedCaptions
        options.radius = minRadius...maxRadius
        options.backgroundTint = backgroundTint
        options.neutralShapes = neutralShapes
        let progress = ProgressBar("shapes", total: count + testCount)
        try ShapesDataset.write(to: URL(fileURLWithPath: output), options: options) { done, _ in progress.update(done) }
        print("wrote \(count) training and \(testCount) test images to \(output); held out: " +
              ShapesDataset.heldOut.map(\.caption).sorted().joined(separator: ", "))
    }
}
