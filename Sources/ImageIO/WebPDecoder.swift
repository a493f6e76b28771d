import CWebP

/// WebP through libwebp's animation decoder with default options (RGBA, first frame), as Pillow
/// decodes every WebP file; the alpha channel is then dropped as `convert("RGB")` does.
enum WebPDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> (RGBImage, Metadata) {
        func fail(_ reason: String) -> ImageIOError { .corrupt(file: name, format: .webp, reason: reason) }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw fail("empty") }
        var data = WebPData(bytes: base, size: bytes.count)
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else { throw fail("libwebp version mismatch") }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        guard let decoder = WebPAnimDecoderNew(&data, &options) else { throw fail("cannot parse the WebP container") }
        defer { WebPAnimDecoderDelete(decoder) }
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &info) != 0 else { throw fail("cannot read the image header") }
        let w = Int(info.canvas_width), h = Int(info.canvas_height)
        guard w > 0, h > 0 else { throw fail("zero-sized image") }
        guard w * h <= maxPixels else { throw ImageIOError.tooLarge(file: name, width: w, height: h, limit: maxPixels) }
        var frame: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(decoder, &frame, &timestamp) != 0, let rgba = frame else {
            throw fail("failed to decode the first frame")
        }
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            for p in 0..<(w * h) {
                out[3 * p] = rgba[4 * p]
                out[3 * p + 1] = rgba[4 * p + 1]
                out[3 * p + 2] = rgba[4 * p + 2]
            }
        }
        var metadata = Metadata()
        if let demux = WebPAnimDecoderGetDemuxer(decoder) {
            metadata.exif = chunk(demux, "EXIF")
            metadata.xmp = chunk(demux, "XMP ")
        }
        return (RGBImage(width: w, height: h, pixels: rgb), metadata)
    }

    private static func chunk(_ demux: OpaquePointer, _ fourcc: String) -> [UInt8]? {
        var iterator = WebPChunkIterator()
        guard WebPDemuxGetChunk(demux, fourcc, 1, &iterator) != 0 else { return nil }
        defer { WebPDemuxReleaseChunkIterator(&iterator) }
        guard let bytes = iterator.chunk.bytes, iterator.chunk.size > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: bytes, count: iterator.chunk.size))
    }
}
