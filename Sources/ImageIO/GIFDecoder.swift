import CGIF

/// GIF: placeholder until the first-frame semantics are matched.
enum GIFDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> (RGBImage, Metadata) {
        throw ImageIOError.unsupportedFormat(file: name, detected: "GIF decoding not implemented yet")
    }
}
