import Foundation
import ImageIO

/// Turns image files into CLIP pixel tensors exactly as transformers does for a file path: `load_image`, then
/// `CLIPImageProcessorPil`: Pillow resize of the shorter edge, centre crop, rescale, normalise; float32 `[3, H, W]`.
public struct CLIPImageProcessor: Sendable {
    /// The preprocessing settings in use.
    public let config: CLIPImageProcessorConfig
    /// The decoder, with its pixel limit.
    public var decoder: ImageDecoder
    /// Which axis the resize runs first (Pillow 13 by default, the pinned reference).
    public var passOrder: PassOrder = .pillow13
    /// Rescale and normalisation, shared with SigLIP's processor.
    private let normalizer: SiglipImageProcessor

    /// Reads `preprocessor_config.json` from a checkpoint directory.
    public init(directory: URL, decoder: ImageDecoder = ImageDecoder()) throws {
        self.init(config: try CLIPImageProcessorConfig(contentsOf: directory.appendingPathComponent("preprocessor_config.json")),
                  decoder: decoder)
    }

    /// Uses the given settings.
    public init(config: CLIPImageProcessorConfig, decoder: ImageDecoder = ImageDecoder()) {
        self.config = config
        self.decoder = decoder
        normalizer = SiglipImageProcessor(config: config.common, decoder: decoder)
    }

    /// The pixel tensor for the image file at `url`, `3 * H * W` floats in CHW order. `side` replaces both the
    /// shortest edge and the crop with `side` (to run the model at another resolution).
    public func pixelValues(contentsOf url: URL, side: Int? = nil) throws -> (values: [Float], height: Int, width: Int) {
        let image = try decoder.decode(contentsOf: url)
        defer { image.recycle() }
        return try pixelValues(image: image, side: side)
    }

    /// The pixel tensor for an already decoded, upright RGB image, with its height and width.
    public func pixelValues(image: RGBImage, side: Int? = nil) throws -> (values: [Float], height: Int, width: Int) {
        var config = self.config
        if let side {
            config.size = .shortestEdge(side)
            config.cropSize = (side, side)
        }
        guard image.width > 0, image.height > 0 else { throw SiglipError("the image is empty (0 pixels)") }
        let keyed = config.common.doConvertRGB && image.transparentColor != nil
        let source = keyed ? image.compositedOntoWhite() : image
        let target = config.resizedSize(width: source.width, height: source.height)
        let resizes = config.common.doResize && (target.width != source.width || target.height != source.height)
        let resized = resizes
            ? source.resized(width: target.width, height: target.height, filter: config.common.resample, passOrder: passOrder)
            : source
        defer {
            if resizes { resized.recycle() }
            if keyed { source.recycle() }
        }
        let out = config.doCenterCrop ? try centreCrop(resized, to: config.cropSize) : resized
        return (normalizer.channelsFirst(out), out.height, out.width)
    }

    /// transformers' `center_crop`: offsets `(size − crop) // 2` from the top left.
    func centreCrop(_ image: RGBImage, to crop: (height: Int, width: Int)) throws -> RGBImage {
        if crop.height == image.height && crop.width == image.width { return image }
        guard crop.height <= image.height, crop.width <= image.width else {
            // The reference pads with black here; no released CLIP preprocessor crops beyond its resize.
            throw SiglipError("the centre crop \(crop.width)×\(crop.height) is larger than the resized image \(image.width)×\(image.height)")
        }
        let top = (image.height - crop.height) / 2, left = (image.width - crop.width) / 2
        var pixels: [UInt8] = []
        pixels.reserveCapacity(crop.height * crop.width * 3)
        for y in top..<(top + crop.height) {
            let start = (y * image.width + left) * 3
            pixels += image.pixels[start..<(start + crop.width * 3)]
        }
        return RGBImage(width: crop.width, height: crop.height, pixels: pixels)
    }
}
