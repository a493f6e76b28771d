import ArgumentParser
import Foundation
import NPY
import SigLIP
import Tensor

struct PreprocessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preprocess",
        abstract: "Write the model's float32 input tensors for images to .npy files, as the reference's image processor returns them.",
        discussion: """
        SigLIP and CLIP: --output holds pixel_values [N, 3, H, W]. SigLIP 2 NaFlex: --output (say out.npy) holds \
        pixel_values [N, max_num_patches, 3·p·p] float32, with out_pixel_attention_mask.npy [N, max_num_patches] and \
        out_spatial_shapes.npy [N, 2] (int64) beside it. Rows are the images that could be read, in the order given; \
        each image that could not be read prints {"input": PATH, "error": ...}, and the exit status is then 1.
        """
    )

    @OptionGroup var options: ModelOptions
    @OptionGroup var naflex: NaFlexOptions

    @Argument(help: "Image files.")
    var images: [String] = []

    @Option(name: .long, help: "The .npy file to write (NaFlex: the pixel_values file; the other arrays go beside it).")
    var output: String

    @Option(name: .customLong("image-size"), help: "Resize to S×S pixels instead of the checkpoint's size (fixed-resolution checkpoints).")
    var imageSize: Int?

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image") }
        try require(imageSize, in: Limits.imageSide, "--image-size")
    }

    func run() throws {
        let model = try options.loadAny(naflex)
        if imageSize != nil, model.family == .siglip2NaFlex {
            throw ValidationError("--image-size is for fixed-resolution checkpoints; a NaFlex checkpoint sizes each image by --max-num-patches")
        }
        var pixels: [Tensor] = [], patches: [Siglip2Patches] = [], failures = 0
        for (path, result) in zip(images, model.preparedImages(for: images.map { URL(fileURLWithPath: $0) }, side: imageSize)) {
            switch result {
            case .success(.pixels(let tensor)) where pixels.first.map({ $0.shape == tensor.shape }) ?? true:
                pixels.append(tensor)
            case .success(.pixels(let tensor)):
                failures += 1
                JSONLines.emitError(input: path, SiglipError("its pixel tensor is \(tensor.shape), unlike the first image's \(pixels.first?.shape ?? []); use --image-size"))
            case .success(.patches(let rows)):
                patches.append(rows)
            case .failure(let error):
                failures += 1
                JSONLines.emitError(input: path, error)
            }
        }
        let url = URL(fileURLWithPath: output)
        if let first = pixels.first {
            try NPYArray(shape: [pixels.count] + first.shape, values: .float(pixels.flatMap(\.scalars))).write(to: url)
        }
        if !patches.isEmpty { try Self.write(patches, to: url) }
        if failures > 0 { throw ExitCode(1) }
    }

    /// NaFlex inputs as transformers' `Siglip2ImageProcessor` returns them: `pixel_values` at `url`, and
    /// `pixel_attention_mask` and `spatial_shapes` beside it (`<stem>_pixel_attention_mask.npy`, `<stem>_spatial_shapes.npy`).
    static func write(_ patches: [Siglip2Patches], to url: URL) throws {
        let length = patches[0].maxNumPatches, row = patches[0].values.count / max(length, 1)
        let stem = url.pathExtension == "npy" ? url.deletingPathExtension() : url
        let beside = { (name: String) in stem.deletingLastPathComponent().appendingPathComponent("\(stem.lastPathComponent)_\(name).npy") }
        try NPYArray(shape: [patches.count, length, row], values: .float(patches.flatMap(\.values))).write(to: url)
        try NPYArray(shape: [patches.count, length], values: .int(patches.flatMap { $0.attentionMask.map(Int64.init) }))
            .write(to: beside("pixel_attention_mask"))
        try NPYArray(shape: [patches.count, 2], values: .int(patches.flatMap { [Int64($0.spatialShape.height), Int64($0.spatialShape.width)] }))
            .write(to: beside("spatial_shapes"))
    }
}
