import Foundation
import ImageIO

/// Turns image files into SigLIP pixel tensors exactly as transformers does for a file path:
/// `load_image` (decode, EXIF orientation, RGB) then `SiglipImageProcessorPil` (Pillow resize,
/// rescale, normalise), giving float32 `[3, H, W]` in channel-first order.
public struct SiglipImageProcessor: Sendable {
    /// The preprocessing settings in use.
    public let config: SiglipImageProcessorConfig
    /// The decoder, with its pixel limit.
    public var decoder: ImageDecoder
    /// Which axis the resize runs first (Pillow 13 by default, the pinned reference).
    public var passOrder: PassOrder = .pillow13

    /// Reads `preprocessor_config.json` from a checkpoint directory.
    public init(directory: URL, decoder: ImageDecoder = ImageDecoder()) throws {
        let url = directory.appendingPathComponent("preprocessor_config.json")
        self.init(config: try SiglipImageProcessorConfig(contentsOf: url), decoder: decoder)
    }

    /// Uses the given settings.
    public init(config: SiglipImageProcessorConfig, decoder: ImageDecoder = ImageDecoder()) {
        self.config = config
        self.decoder = decoder
    }

    /// The configured output size; images keep their own size when `do_resize` is false.
    public var outputSize: (height: Int, width: Int) { config.size }

    /// The pixel tensor for the image file at `url`, `3 * H * W` floats in CHW order.
    /// `size` replaces the configured output size (to run the model at another resolution).
    public func pixelValues(contentsOf url: URL, size: (height: Int, width: Int)? = nil) throws -> [Float] {
        try pixelValues(decoded: decoder.decode(contentsOf: url), size: size)
    }

    /// The pixel tensor for encoded image bytes; `name` labels errors.
    public func pixelValues(data: Data, name: String = "<data>", size: (height: Int, width: Int)? = nil) throws -> [Float] {
        try pixelValues(decoded: decoder.decode(data, name: name), size: size)
    }

    /// For images decoded here: their buffers go back to ImageIO's pool once the tensor is built.
    private func pixelValues(decoded image: RGBImage, size: (height: Int, width: Int)?) throws -> [Float] {
        defer { image.recycle() }
        return try pixelValues(image: image, size: size)
    }

    /// The pixel tensor for an already decoded, upright RGB image.
    public func pixelValues(image: RGBImage, size: (height: Int, width: Int)? = nil) throws -> [Float] {
        let target = size ?? config.size
        guard target.height > 0, target.width > 0 else {
            throw SiglipError("image size must be positive, got \(target.height)x\(target.width)")
        }
        // transformers composites colour-keyed transparency onto white before resizing (do_convert_rgb).
        let keyed = config.doConvertRGB && image.transparentColor != nil
        let source = keyed ? image.compositedOntoWhite() : image
        let resizes = config.doResize && (target.width != source.width || target.height != source.height)
        let resized = resizes
            ? source.resized(width: target.width, height: target.height, filter: config.resample, passOrder: passOrder)
            : source
        defer {
            // Buffers made here are ours alone; the caller's image is left untouched.
            if resizes { resized.recycle() }
            if keyed { source.recycle() }
        }
        return channelsFirst(resized)
    }

    /// Rescale and normalise through the config's per-channel value table, into channel-first order.
    func channelsFirst(_ image: RGBImage) -> [Float] {
        let table = config.valueTable()
        let plane = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                table.withUnsafeBufferPointer { lut in
                    for p in 0..<plane {
                        dst[p] = lut[Int(src[3 * p])]
                        dst[plane + p] = lut[256 + Int(src[3 * p + 1])]
                        dst[2 * plane + p] = lut[512 + Int(src[3 * p + 2])]
                    }
                }
            }
        }
        return out
    }
}

extension SiglipImageProcessorConfig {
    /// The pixel value of every 8-bit sample, per channel (256 entries each), holding exactly the reference's
    /// float32 values: `Float(Double(u8) * factor)`, then `(x - Float(mean)) / Float(std)`.
    func valueTable() -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 {
                var x = doRescale ? Float(Double(v) * rescaleFactor) : Float(v)
                if doNormalize { x = (x - Float(imageMean[c])) / Float(imageStd[c]) }
                table[c * 256 + v] = x
            }
        }
        return table
    }
}
