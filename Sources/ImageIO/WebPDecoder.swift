import CWebP

/// WebP through libwebp's animation decoder with default options (RGBA, first frame), as Pillow
/// decodes every WebP file; the alpha channel is then dropped as `convert("RGB")` does.
enum WebPDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> (RGBImage, Metadata) {
        func fail(_ reason: String) -> ImageIOError { .corrupt(file: name, format: .webp, reason: reason) }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw fail("empty") }
        // The animation decoder allocates its canvas up front, so check the declared size first:
        // the VP8X canvas when there is one (as Pillow reads it), else the bitstream's own size.
        let size: (width: Int, height: Int)
        if bytes.count >= 30, Array(bytes[12..<16]) == Array("VP8X".utf8) {
            func u24(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 }
            size = (u24(24) + 1, u24(27) + 1)
        } else {
            var features = WebPBitstreamFeatures()
            guard WebPGetFeatures(base, bytes.count, &features) == VP8_STATUS_OK else { throw fail("invalid WebP header") }
            size = (Int(features.width), Int(features.height))
        }
        guard size.width * size.height <= maxPixels else {
            throw ImageIOError.tooLarge(file: name, width: size.width, height: size.height, limit: maxPixels)
        }
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
        var rgb = BufferPool.shared.take(count: w * h * 3)
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
