import CPNG
import Foundation

extension RGBImage {
    /// The image as an 8-bit RGB PNG file (lossless), through libpng's simplified write API.
    public func pngData() throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_RGB)
        let rowStride = Int32(width * 3)
        var size: png_alloc_size_t = 0
        // The first call only measures; the second writes into a buffer of that size.
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, rowStride, nil) != 0 else {
            throw ImageIOError.corrupt(file: "<png encoder>", format: .png, reason: Self.message(image))
        }
        var out = Data(count: Int(size))
        let written = out.withUnsafeMutableBytes { buffer in
            png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, pixels, rowStride, nil)
        }
        guard written != 0 else { throw ImageIOError.corrupt(file: "<png encoder>", format: .png, reason: Self.message(image)) }
        out.count = Int(size)
        return out
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
