import Foundation

/// Reads an image file into upright 8-bit RGB exactly as `transformers.image_utils.load_image`
/// does with Pillow: decode, apply the EXIF orientation, then `convert("RGB")`.
public struct ImageDecoder: Sendable {
    /// Pillow's `Image.MAX_IMAGE_PIXELS` (1024 * 1024 * 1024 // 4 // 3), the default refusal threshold.
    public static let defaultMaxPixels = 89_478_485

    /// Images with more pixels than this are refused before their pixels are allocated.
    public var maxPixels: Int

    /// A decoder that refuses images above `maxPixels` pixels.
    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels) {
        self.maxPixels = maxPixels
    }

    /// Decodes the file at `url`; errors name the file.
    public func decode(contentsOf url: URL) throws -> RGBImage {
        let name = url.path
        let data: Data
        do {
            // Sniff first, so a large file that is not an image is refused without reading it all.
            // The file is read, not mapped: a mapping of a file truncated underneath us would fault.
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let head = try handle.read(upToCount: 16) ?? Data()
            guard ImageFormat.detect(head) != nil else {
                throw ImageIOError.unsupportedFormat(file: name, detected: ImageFormat.describeUnknown(head))
            }
            data = head + (try handle.readToEnd() ?? Data())
        } catch let error as ImageIOError {
            throw error
        } catch {
            throw ImageIOError.unreadable(file: name, reason: error.localizedDescription)
        }
        return try decode(data, name: name)
    }

    /// Decodes encoded bytes; `name` labels errors.
    public func decode(_ data: Data, name: String = "<data>") throws -> RGBImage {
        try data.withUnsafeBytes { try decode($0, name: name) }
    }

    /// Decodes encoded bytes without copying them; `name` labels errors.
    public func decode(_ bytes: UnsafeRawBufferPointer, name: String = "<data>") throws -> RGBImage {
        let (image, metadata) = try decodeUnoriented(bytes, name: name)
        let orientation = metadata.orientation
        guard orientation != .up else { return image }
        defer { image.recycle() }
        return image.applying(orientation)
    }

    /// The decoded pixels as stored, plus the metadata that decides their orientation.
    func decodeUnoriented(_ bytes: UnsafeRawBufferPointer, name: String) throws -> (RGBImage, Metadata) {
        guard let format = ImageFormat.detect(bytes) else {
            throw ImageIOError.unsupportedFormat(file: name, detected: ImageFormat.describeUnknown(bytes))
        }
        switch format {
        case .jpeg: return try JPEGDecoder.decode(bytes, name: name, maxPixels: maxPixels)
        case .png: return try PNGDecoder.decode(bytes, name: name, maxPixels: maxPixels)
        case .webp: return try WebPDecoder.decode(bytes, name: name, maxPixels: maxPixels)
        case .gif: return try GIFDecoder.decode(bytes, name: name, maxPixels: maxPixels)
        }
    }
}
