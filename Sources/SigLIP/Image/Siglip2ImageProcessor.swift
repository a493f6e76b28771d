import Foundation
import ImageIO
import Tensor

/// One image as a SigLIP 2 NaFlex model input: its patches, padded to `maxNumPatches`, and its patch grid.
public struct Siglip2Patches: Sendable {
    /// `maxNumPatches × 3·P·P` floats: the real patches in row-major grid order, each flattened as `(y, x, c)`,
    /// then zeros.
    public let values: [Float]
    /// The patch grid the image was resized to; its `patches` rows come first.
    public let spatialShape: SpatialShape
    /// The sequence length, real patches plus padding.
    public let maxNumPatches: Int

    /// The reference's `pixel_attention_mask`: 1 for each real patch, 0 for padding.
    public var attentionMask: [Int] {
        Array(repeating: 1, count: spatialShape.patches) + Array(repeating: 0, count: maxNumPatches - spatialShape.patches)
    }
}

/// Turns image files into SigLIP 2 NaFlex inputs as transformers 5.24's `Siglip2ImageProcessorPil` does: resize
/// (Pillow, on 8-bit samples) to the largest patch-multiple size of about the image's aspect ratio that fits
/// `maxNumPatches`, rescale and normalise, cut into patches and pad.
public struct Siglip2ImageProcessor: Sendable {
    /// Rescaling, normalisation and resampling settings (the `size` field is unused).
    public let config: SiglipImageProcessorConfig
    /// `patch_size`: the side of a square patch in pixels.
    public let patchSize: Int
    /// `max_num_patches`: the default sequence length.
    public let maxNumPatches: Int
    /// The decoder, with its pixel limit.
    public var decoder: ImageDecoder
    /// Which axis the resize runs first (Pillow 13 by default, the pinned reference).
    public var passOrder: PassOrder = .pillow13

    /// Reads `preprocessor_config.json` from a checkpoint directory.
    public init(directory: URL, decoder: ImageDecoder = ImageDecoder()) throws {
        let url = directory.appendingPathComponent("preprocessor_config.json")
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SiglipError("\(url.path): cannot read preprocessor config: \(error.localizedDescription)")
        }
        try self.init(json: data, name: url.path, decoder: decoder)
    }

    /// Parses a `preprocessor_config.json`; `name` labels errors. Missing fields take `Siglip2ImageProcessor`'s
    /// defaults: bilinear, patch 16, 256 patches, and no colour-key compositing.
    public init(json: Data, name: String = "preprocessor_config.json", decoder: ImageDecoder = ImageDecoder()) throws {
        var config = try SiglipImageProcessorConfig(json: json, name: name)
        let dict = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] ?? [:]
        if dict["resample"] == nil || dict["resample"] is NSNull { config.resample = .bilinear }
        if dict["do_convert_rgb"] == nil || dict["do_convert_rgb"] is NSNull { config.doConvertRGB = false }
        guard config.doResize else { throw SiglipError("\(name): do_resize false is not supported for NaFlex (images must be resized to whole patches)") }
        func positive(_ key: String, _ fallback: Int) throws -> Int {
            guard let value = dict[key], !(value is NSNull) else { return fallback }
            guard let n = value as? Int, !(value is Bool), n > 0 else { throw SiglipError("\(name): \(key) must be a positive integer") }
            return n
        }
        self.config = config
        patchSize = try positive("patch_size", 16)
        maxNumPatches = try positive("max_num_patches", 256)
        self.decoder = decoder
    }

    /// `get_image_size_for_max_num_patches`: the largest size (multiples of the patch, at least one patch each
    /// way) of a binary-searched scale of `height × width` whose patch count fits `maxNumPatches`. Double
    /// arithmetic step for step as the reference's Python floats, so the sizes agree exactly.
    public static func targetSize(height: Int, width: Int, patchSize: Int, maxNumPatches: Int) -> (height: Int, width: Int) {
        let p = Double(patchSize), eps = 1e-5
        func scaled(_ scale: Double, _ size: Int) -> Int {
            max(patchSize, Int((Double(size) * scale / p).rounded(.up) * p))
        }
        var low = eps / 10, high = 100.0
        while high - low >= eps {
            let scale = (low + high) / 2
            let h = scaled(scale, height), w = scaled(scale, width)
            if (Double(h) / p) * (Double(w) / p) <= Double(maxNumPatches) { low = scale } else { high = scale }
        }
        return (scaled(low, height), scaled(low, width))
    }

    /// The patches of the image file at `url`; `maxNumPatches` replaces the configured sequence length.
    public func patches(contentsOf url: URL, maxNumPatches: Int? = nil) throws -> Siglip2Patches {
        let image = try decoder.decode(contentsOf: url)
        defer { image.recycle() }
        return try patches(image: image, maxNumPatches: maxNumPatches)
    }

    /// The patches of an already decoded, upright RGB image.
    public func patches(image: RGBImage, maxNumPatches: Int? = nil) throws -> Siglip2Patches {
        let length = maxNumPatches ?? self.maxNumPatches
        guard length > 0 else { throw SiglipError("max_num_patches must be positive, got \(length)") }
        guard image.width > 0, image.height > 0 else { throw SiglipError("the image is empty (\(image.width)x\(image.height))") }
        let (height, width) = Self.targetSize(height: image.height, width: image.width, patchSize: patchSize, maxNumPatches: length)
        let keyed = config.doConvertRGB && image.transparentColor != nil
        let source = keyed ? image.compositedOntoWhite() : image
        let resizes = width != source.width || height != source.height
        let resized = resizes ? source.resized(width: width, height: height, filter: config.resample, passOrder: passOrder) : source
        defer {
            if resizes { resized.recycle() }
            if keyed { source.recycle() }
        }
        let shape = SpatialShape(height: height / patchSize, width: width / patchSize)
        return Siglip2Patches(values: Self.patchify(resized, patch: patchSize, table: config.valueTable(), length: length),
                              spatialShape: shape, maxNumPatches: length)
    }

    /// `convert_image_to_patches` then `pad_along_first_dim`: patch rows in row-major grid order, each `(y, x, c)`,
    /// values looked up per channel in `table`, zero rows up to `length`.
    static func patchify(_ image: RGBImage, patch: Int, table: [Float], length: Int) -> [Float] {
        let columns = image.width / patch, rows = image.height / patch, row = 3 * patch * patch
        var out = [Float](repeating: 0, count: length * row)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var i = 0
                for gy in 0..<rows {
                    for gx in 0..<columns {
                        for y in 0..<patch {
                            let start = 3 * ((gy * patch + y) * image.width + gx * patch)
                            for k in 0..<(3 * patch) {
                                dst[i] = table[(k % 3) * 256 + Int(src[start + k])]
                                i += 1
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
