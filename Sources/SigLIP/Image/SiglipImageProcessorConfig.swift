import Foundation
import ImageIO

/// The fields of a checkpoint's `preprocessor_config.json` the SigLIP image processor uses, with the
/// defaults of transformers' `SiglipImageProcessor` for any that are missing.
public struct SiglipImageProcessorConfig: Sendable, Equatable {
    /// Resize to `size` before rescaling (`do_resize`).
    public var doResize = true
    /// Output height and width (`size.height`, `size.width`).
    public var size: (height: Int, width: Int) = (224, 224)
    /// Interpolation (`resample`: 2 bilinear, 3 bicubic).
    public var resample: ResampleFilter = .bicubic
    /// Multiply by `rescaleFactor` (`do_rescale`).
    public var doRescale = true
    /// Usually 1/255 (`rescale_factor`), applied in double precision as the reference does.
    public var rescaleFactor = 1.0 / 255.0
    /// Subtract the mean and divide by the std (`do_normalize`).
    public var doNormalize = true
    /// Per-channel mean (`image_mean`).
    public var imageMean: [Double] = [0.5, 0.5, 0.5]
    /// Per-channel standard deviation (`image_std`).
    public var imageStd: [Double] = [0.5, 0.5, 0.5]
    /// Composite colour-keyed transparency onto white (`do_convert_rgb`); files always decode to RGB.
    public var doConvertRGB = true

    /// The transformers defaults (SigLIP v1 at 224x224).
    public init() {}

    /// Reads `preprocessor_config.json` from `url`; errors name the file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SiglipError("\(url.path): cannot read preprocessor config: \(error.localizedDescription)")
        }
        try self.init(json: data, name: url.path)
    }

    /// Parses the JSON text of a `preprocessor_config.json`; `name` labels errors.
    public init(json: Data, name: String = "preprocessor_config.json") throws {
        guard let object = try? JSONSerialization.jsonObject(with: json), let dict = object as? [String: Any] else {
            throw SiglipError("\(name): not a JSON object")
        }
        func fail(_ what: String) -> SiglipError { SiglipError("\(name): \(what)") }
        func bool(_ key: String) throws -> Bool? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            guard let b = value as? Bool else { throw fail("\(key) must be true or false") }
            return b
        }
        func number(_ value: Any, _ key: String) throws -> Double {
            guard let n = value as? NSNumber, !(value is Bool) else { throw fail("\(key) must be a number") }
            return n.doubleValue
        }
        func triple(_ key: String) throws -> [Double]? {
            guard let value = dict[key], !(value is NSNull) else { return nil }
            if let list = value as? [Any] {
                guard list.count == 3 else { throw fail("\(key) must have 3 entries, one per RGB channel") }
                return try list.map { try number($0, key) }
            }
            let v = try number(value, key)
            return [v, v, v]
        }
        doResize = try bool("do_resize") ?? doResize
        doRescale = try bool("do_rescale") ?? doRescale
        doNormalize = try bool("do_normalize") ?? doNormalize
        doConvertRGB = try bool("do_convert_rgb") ?? doConvertRGB
        if let value = dict["rescale_factor"], !(value is NSNull) { rescaleFactor = try number(value, "rescale_factor") }
        imageMean = try triple("image_mean") ?? imageMean
        imageStd = try triple("image_std") ?? imageStd
        if let value = dict["resample"], !(value is NSNull) {
            let code = Int(try number(value, "resample"))
            guard let filter = ResampleFilter(rawValue: code) else {
                throw fail("resample \(code) is not supported (2 = bilinear and 3 = bicubic are)")
            }
            resample = filter
        }
        if let value = dict["size"], !(value is NSNull) {
            guard let s = value as? [String: Any], let h = s["height"], let w = s["width"] else {
                throw fail("size must be {\"height\": H, \"width\": W} (other size forms are not SigLIP's)")
            }
            let height = try number(h, "size.height"), width = try number(w, "size.width")
            guard height >= 1, width >= 1, height == height.rounded(), width == width.rounded() else {
                throw fail("size must hold positive integers")
            }
            size = (Int(height), Int(width))
        }
        guard imageStd.allSatisfy({ $0 != 0 }) || !doNormalize else { throw fail("image_std must not be zero") }
    }

    /// Field-by-field equality (the size tuple keeps this from being synthesised).
    public static func == (a: Self, b: Self) -> Bool {
        a.doResize == b.doResize && a.size == b.size && a.resample == b.resample && a.doRescale == b.doRescale
            && a.rescaleFactor == b.rescaleFactor && a.doNormalize == b.doNormalize && a.imageMean == b.imageMean
            && a.imageStd == b.imageStd && a.doConvertRGB == b.doConvertRGB
    }
}
