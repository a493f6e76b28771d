import Foundation
import ImageIO
import Tensor

/// One image as a vision tower's input, made by `ImageTextModel.prepare(image:)` or `preparedImages(for:side:)`
/// and consumed by `imageEmbeddings(prepared:normalized:)` of the same model.
public enum PreparedImage: Sendable {
    /// `[3, H, W]` pixels (SigLIP, fixed-resolution SigLIP 2, CLIP).
    case pixels(Tensor)
    /// Patches padded to the sequence length, with their grid (SigLIP 2 NaFlex).
    case patches(Siglip2Patches)

    /// The pixel tensors of `images`, or an error when one is NaFlex patches (another family's input).
    static func pixelTensors(_ images: [PreparedImage]) throws -> [Tensor] {
        try images.map { image in
            guard case .pixels(let tensor) = image else { throw SiglipError("NaFlex patches given to a fixed-resolution model") }
            return tensor
        }
    }

    /// Embeddings of pixel inputs, one `run` per pixel shape (fixed-resolution families).
    static func embedPixels(_ images: [PreparedImage], _ run: (Tensor) throws -> Tensor) throws -> [[Float]] {
        try embedBatch(try pixelTensors(images).map { .success($0) }, run).map { try $0.get() }
    }

    /// The NaFlex patches of `images`, all of one sequence length, or an error naming what differs.
    static func patchRows(_ images: [PreparedImage]) throws -> [Siglip2Patches] {
        let patches = try images.map { image in
            guard case .patches(let patches) = image else { throw SiglipError("a pixel tensor given to a NaFlex model") }
            return patches
        }
        if let first = patches.first, patches.contains(where: { $0.maxNumPatches != first.maxNumPatches }) {
            throw SiglipError("NaFlex inputs of one batch must share max_num_patches")
        }
        return patches
    }
}

extension SiglipPipeline {
    /// Pixel tensors of image files (`pixelValues(for:side:)`).
    public func preparedImages(for urls: [URL], side: Int?) -> [Result<PreparedImage, Error>] {
        pixelValues(for: urls, side: side).map { $0.map(PreparedImage.pixels) }
    }

    /// The pixel tensor of a decoded image at the preprocessor's size (its own size without `do_resize`).
    public func prepare(image: RGBImage) throws -> PreparedImage {
        let processor = try imageProcessor()
        let (height, width) = processor.config.doResize ? processor.outputSize : (image.height, image.width)
        return .pixels(Tensor(shape: [3, height, width], values: try processor.pixelValues(image: image)))
    }

    /// One model call per pixel shape.
    public func imageEmbeddings(prepared: [PreparedImage], normalized: Bool) throws -> [[Float]] {
        try PreparedImage.embedPixels(prepared) { try self.model.imageEmbeddings(pixelValues: $0, normalized: normalized) }
    }
}

extension CLIPPipeline {
    /// Pixel tensors of image files (`pixelValues(for:side:)`).
    public func preparedImages(for urls: [URL], side: Int?) -> [Result<PreparedImage, Error>] {
        pixelValues(for: urls, side: side).map { $0.map(PreparedImage.pixels) }
    }

    /// The pixel tensor of a decoded image: shortest side resized, then centre-cropped.
    public func prepare(image: RGBImage) throws -> PreparedImage {
        let (values, height, width) = try imageProcessor().pixelValues(image: image)
        return .pixels(Tensor(shape: [3, height, width], values: values))
    }

    /// One model call per pixel shape.
    public func imageEmbeddings(prepared: [PreparedImage], normalized: Bool) throws -> [[Float]] {
        try PreparedImage.embedPixels(prepared) { try self.model.imageEmbeddings(pixelValues: $0, normalized: normalized) }
    }
}

extension Siglip2Pipeline {
    /// Patches of image files fitted into `maxNumPatches`; a square `side` does not apply and fails every input.
    public func preparedImages(for urls: [URL], side: Int?) -> [Result<PreparedImage, Error>] {
        if let side { return urls.map { _ in .failure(Self.squareSideError(side)) } }
        return patches(for: urls).map { $0.map(PreparedImage.patches) }
    }

    /// The patches of a decoded image at its own aspect ratio, fitted into `maxNumPatches`.
    public func prepare(image: RGBImage) throws -> PreparedImage {
        .patches(try imageProcessor().patches(image: image, maxNumPatches: maxNumPatches))
    }

    /// One model call for the whole batch: grids of different shapes padded to one length and masked.
    public func imageEmbeddings(prepared: [PreparedImage], normalized: Bool) throws -> [[Float]] {
        try embed(try PreparedImage.patchRows(prepared).map { .success($0) }, normalized: normalized).map { try $0.get() }
    }
}
