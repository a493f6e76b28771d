import CGIF

/// The first frame of a GIF through giflib, laid out as Pillow 13 lays it out: the canvas is the
/// logical screen (grown if the frame overhangs it), filled with the transparency index (else 0)
/// outside the frame, then mapped through the frame's palette (local, else global).
enum GIFDecoder {
    /// Where giflib's read callback finds the bytes.
    private struct Source {
        let base: UnsafePointer<UInt8>
        let count: Int
        var offset = 0
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> (RGBImage, Metadata) {
        func fail(_ reason: String) -> ImageIOError { .corrupt(file: name, format: .gif, reason: reason) }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw fail("empty") }
        var source = Source(base: base, count: bytes.count)
        return try withUnsafeMutablePointer(to: &source) { sourcePointer in
            var error: Int32 = 0
            let read: InputFunc = { gif, buffer, wanted in
                guard let gif, let buffer, let user = gif.pointee.UserData else { return 0 }
                let src = user.assumingMemoryBound(to: Source.self)
                let n = min(Int(wanted), src.pointee.count - src.pointee.offset)
                guard n > 0 else { return 0 }
                buffer.update(from: src.pointee.base + src.pointee.offset, count: n)
                src.pointee.offset += n
                return Int32(n)
            }
            guard let gif = DGifOpen(sourcePointer, read, &error) else { throw fail(giflibMessage(error)) }
            defer { DGifCloseFile(gif, &error) }
            return try firstFrame(gif, name: name, maxPixels: maxPixels, fail: fail)
        }
    }

    private static func firstFrame(_ gif: UnsafeMutablePointer<GifFileType>, name: String, maxPixels: Int,
                                   fail: (String) -> ImageIOError) throws -> (RGBImage, Metadata) {
        var transparency: Int?
        while true {
            var record = UNDEFINED_RECORD_TYPE
            guard DGifGetRecordType(gif, &record) == GIF_OK else { throw fail(giflibMessage(gif.pointee.Error)) }
            switch record {
            case EXTENSION_RECORD_TYPE:
                var code: Int32 = 0
                var block: UnsafeMutablePointer<GifByteType>?
                guard DGifGetExtension(gif, &code, &block) == GIF_OK else { throw fail(giflibMessage(gif.pointee.Error)) }
                // Graphic control extension: [length, flags, delay lo, delay hi, transparent index].
                if code == 0xF9, let b = block, b[0] >= 4, b[1] & 1 != 0 { transparency = Int(b[4]) }
                while block != nil {
                    guard DGifGetExtensionNext(gif, &block) == GIF_OK else { throw fail(giflibMessage(gif.pointee.Error)) }
                }
            case IMAGE_DESC_RECORD_TYPE:
                guard DGifGetImageDesc(gif) == GIF_OK else { throw fail(giflibMessage(gif.pointee.Error)) }
                return try render(gif, transparency: transparency, name: name, maxPixels: maxPixels, fail: fail)
            case TERMINATE_RECORD_TYPE:
                throw fail("no image in the file")
            default:
                throw fail("unexpected record")
            }
        }
    }

    private static func render(_ gif: UnsafeMutablePointer<GifFileType>, transparency: Int?, name: String,
                               maxPixels: Int, fail: (String) -> ImageIOError) throws -> (RGBImage, Metadata) {
        let desc = gif.pointee.Image
        let x0 = Int(desc.Left), y0 = Int(desc.Top), fw = Int(desc.Width), fh = Int(desc.Height)
        let w = max(Int(gif.pointee.SWidth), x0 + fw), h = max(Int(gif.pointee.SHeight), y0 + fh)
        guard w > 0, h > 0 else { throw fail("zero-sized image") }
        guard w * h <= maxPixels else { throw ImageIOError.tooLarge(file: name, width: w, height: h, limit: maxPixels) }
        var indices = [UInt8](repeating: UInt8(truncatingIfNeeded: transparency ?? 0), count: w * h)
        if fw > 0 {
            var line = [GifPixelType](repeating: 0, count: fw)
            for row in rowOrder(height: fh, interlaced: desc.Interlace) {
                guard DGifGetLine(gif, &line, Int32(fw)) == GIF_OK else { throw fail(giflibMessage(gif.pointee.Error)) }
                let start = (y0 + row) * w + x0
                for x in 0..<fw { indices[start + x] = line[x] }
            }
        }
        // Pillow ignores a palette that is the identity gray ramp and opens the image as "L"; a local
        // table, even an ignored one, hides the global table.
        let palette = desc.ColorMap != nil ? colorTable(desc.ColorMap) : colorTable(gif.pointee.SColorMap)
        func color(_ index: Int) -> RGBColor {
            guard let palette else { return RGBColor(r: UInt8(index), g: UInt8(index), b: UInt8(index)) }
            guard index < palette.count / 3 else { return RGBColor(r: 0, g: 0, b: 0) }
            return RGBColor(r: palette[3 * index], g: palette[3 * index + 1], b: palette[3 * index + 2])
        }
        let lut = (0..<256).map(color)
        var rgb = BufferPool.shared.take(count: w * h * 3)
        for (p, i) in indices.enumerated() {
            let c = lut[Int(i)]
            rgb[3 * p] = c.r
            rgb[3 * p + 1] = c.g
            rgb[3 * p + 2] = c.b
        }
        let key = transparency.map { lut[$0] }
        return (RGBImage(width: w, height: h, pixels: rgb, transparentColor: key), Metadata())
    }

    /// The palette bytes, or nil when absent or an identity gray ramp (which Pillow drops).
    private static func colorTable(_ map: UnsafeMutablePointer<ColorMapObject>?) -> [UInt8]? {
        guard let map, let colors = map.pointee.Colors, map.pointee.ColorCount > 0 else { return nil }
        var table: [UInt8] = []
        var identity = true
        for i in 0..<Int(map.pointee.ColorCount) {
            let c = colors[i]
            table += [c.Red, c.Green, c.Blue]
            if !(Int(c.Red) == i && Int(c.Green) == i && Int(c.Blue) == i) { identity = false }
        }
        return identity ? nil : table
    }

    /// Frame rows in the order they are stored (GIF interlacing: every 8th from 0, every 8th from 4,
    /// every 4th from 2, every 2nd from 1).
    private static func rowOrder(height: Int, interlaced: Bool) -> [Int] {
        guard interlaced else { return Array(0..<height) }
        return [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { start, step in Array(stride(from: start, to: height, by: step)) }
    }

    private static func giflibMessage(_ code: Int32) -> String {
        guard let text = GifErrorString(code) else { return "giflib error \(code)" }
        return String(cString: text)
    }
}
