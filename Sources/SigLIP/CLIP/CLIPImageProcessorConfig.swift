import Foundation
import ImageIO

/// The fields of a CLIP checkpoint's `preprocessor_config.json`, with the defaults of transformers'
/// `CLIPImageProcessor` for any that are missing.
public struct CLIPImageProcessorConfig: Sendable, Equatable {
    /// Rescaling, normalisation, resampling filter and RGB conversion, read as SigLIP's processor reads them.
    public var common: SiglipImageProcessorConfig
    /// The side the shorter edge is resized to (`size.shortest_edge`, or an integer `size`), or an exact size.
    public var size: Size = .shortestEdge(224)
    /// Crop the centre (`do_center_crop`).
    public var doCenterCrop = true
    /// The centre crop's height and width (`crop_size`).
    public var cropSize: (height: Int, width: Int) = (224, 224)

    /// How `size` resizes.
    public enum Size: Sendable, Equatable {
        /// The shorter edge becomes this; the longer keeps the aspect ratio (truncated, as transformers computes it).
        case shortestEdge(Int)
        /// Exactly this height and width.
        case exact(height: Int, width: Int)
    }

    /// OpenAI CLIP's per-channel mean and standard deviation (transformers' `OPENAI_CLIP_MEAN`/`_STD`).
    public static let openAIMean = [0.48145466, 0.4578275, 0.40821073]
    /// See `openAIMean`.
    public static let openAIStd = [0.26862954, 0.26130258, 0.27577711]

    /// transformers' defaults: shortest edge 224, centre crop 224, bicubic, OpenAI mean and std.
    public init() {
        common = SiglipImageProcessorConfig()
        common.imageMean = Self.openAIMean
        common.imageStd = Self.openAIStd
    }

    /// Reads `preprocessor_config.json` from `url`; errors name the file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SiglipError("\(url.path): cannot read preprocessor config: \(error.localizedDescription)")
        }
        try self.init(json: data, name: url.path)
    }

    /// Parses the JSON text of a `preprocessor_config.json`; `name` labels errors.
    public init(json: Data, name: String = "preprocessor_config.json") throws {
        guard var dict = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw SiglipError("\(name): not a JSON object")
        }
        func fail(_ what: String) -> SiglipError { SiglipError("\(name): \(what)") }
        func positive(_ value: Any?, _ key: String) throws -> Int {
            guard let n = value as? NSNumber, !(value is Bool), n.doubleValue >= 1, n.doubleValue == n.doubleValue.rounded(),
                  n.doubleValue < 1e6 else { throw fail("\(key) must be a positive integer") }
            return n.intValue
        }
        let sizeValue = dict.removeValue(forKey: "size"), cropValue = dict.removeValue(forKey: "crop_size")
        // The shared fields parse as SigLIP's do, with CLIP's mean and std as the defaults.
        if dict["image_mean"] == nil || dict["image_mean"] is NSNull { dict["image_mean"] = Self.openAIMean }
        if dict["image_std"] == nil || dict["image_std"] is NSNull { dict["image_std"] = Self.openAIStd }
        common = try SiglipImageProcessorConfig(json: JSONSerialization.data(withJSONObject: dict), name: name)
        if let value = dict["do_center_crop"], !(value is NSNull) {
            guard let b = value as? Bool else { throw fail("do_center_crop must be true or false") }
            doCenterCrop = b
        }
        switch sizeValue {
        case nil, is NSNull: break
        case let s as [String: Any] where s["shortest_edge"] != nil && !(s["shortest_edge"] is NSNull):
            size = .shortestEdge(try positive(s["shortest_edge"], "size.shortest_edge"))
        case let s as [String: Any] where s["height"] != nil && s["width"] != nil:
            size = .exact(height: try positive(s["height"], "size.height"), width: try positive(s["width"], "size.width"))
        case let n as NSNumber where !(n is Bool):
            size = .shortestEdge(try positive(n, "size"))   // older files: an integer is the shortest edge
        default:
            throw fail("size must be {\"shortest_edge\": N}, {\"height\": H, \"width\": W} or an integer")
        }
        switch cropValue {
        case nil, is NSNull: break
        case let s as [String: Any]:
            cropSize = (try positive(s["height"], "crop_size.height"), try positive(s["width"], "crop_size.width"))
        case let n as NSNumber where !(n is Bool):
            let side = try positive(n, "crop_size")
            cropSize = (side, side)
        default:
            throw fail("crop_size must be {\"height\": H, \"width\": W} or an integer")
        }
    }

    /// The size of an image resized from `width × height` (transformers' `get_resize_output_image_size`:
    /// `int(size * long / short)` for the longer side, in double precision).
    public func resizedSize(width: Int, height: Int) -> (height: Int, width: Int) {
        switch size {
        case .exact(let h, let w): return (h, w)
        case .shortestEdge(let edge):
            let (short, long) = width <= height ? (width, height) : (height, width)
            let newLong = Int(Double(edge * long) / Double(short))
            return width <= height ? (newLong, edge) : (edge, newLong)
        }
    }

    /// Field-by-field equality (the crop tuple keeps this from being synthesised).
    public static func == (a: Self, b: Self) -> Bool {
        a.common == b.common && a.size == b.size && a.doCenterCrop == b.doCenterCrop && a.cropSize == b.cropSize
    }
}
