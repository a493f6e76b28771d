import CTurboJPEG

/// JPEG through TurboJPEG with the settings Pillow uses: accurate integer IDCT and fancy upsampling
/// (flags 0). CMYK and YCCK files are treated as Adobe-inverted CMYK, as Pillow always does.
enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> (RGBImage, Metadata) {
        func fail(_ reason: String) -> ImageIOError { .corrupt(file: name, format: .jpeg, reason: reason) }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw fail("empty") }
        guard let handle = tjInitDecompress() else { throw fail("cannot create a TurboJPEG decompressor") }
        defer { tjDestroy(handle) }
        let size = UInt(bytes.count)
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        if tjDecompressHeader3(handle, base, size, &width, &height, &subsampling, &colorspace) != 0 {
            throw fail(message(handle))
        }
        let w = Int(width), h = Int(height)
        guard w > 0, h > 0 else { throw fail("zero-sized image") }
        guard w * h <= maxPixels else { throw ImageIOError.tooLarge(file: name, width: w, height: h, limit: maxPixels) }

        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let channels = cmyk ? 4 : 3
        let format = cmyk ? TJPF_CMYK : TJPF_RGB
        var buffer = BufferPool.shared.take(count: w * h * channels)
        let status = buffer.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, base, size, out.baseAddress, width, Int32(w * channels), height,
                          Int32(format.rawValue), 0)
        }
        if status != 0 {
            let text = message(handle)
            // Warnings leave a complete image; Pillow ignores them too, except running out of data,
            // which it reports as a truncated file.
            if tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) || text.contains("Premature end") {
                throw fail(text)
            }
        }
        let metadata = scanMetadata(bytes)
        if !cmyk { return (RGBImage(width: w, height: h, pixels: buffer), metadata) }
        let rgb = ColorConversion.invertedCMYKToRGB(buffer)
        BufferPool.shared.give(buffer)
        return (RGBImage(width: w, height: h, pixels: rgb), metadata)
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let cString = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: cString)
    }

    /// Collects EXIF (APP1 "Exif\0\0", later segments appended as Pillow does) and XMP (APP1 with the
    /// Adobe namespace) from the markers before the first scan.
    static func scanMetadata(_ bytes: UnsafeRawBufferPointer) -> Metadata {
        var metadata = Metadata()
        let exifID = Array("Exif".utf8) + [0, 0]
        let xmpID = Array("http://ns.adobe.com/xap/1.0/".utf8) + [0]
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { i += 1; continue }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xDA || marker == 0xD9 { break }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else { break }
            let payload = Array(bytes[(i + 4)..<(i + 2 + length)])
            if marker == 0xE1 {
                if payload.starts(with: exifID) {
                    if metadata.exif == nil {
                        metadata.exif = payload
                    } else {
                        metadata.exif? += payload.dropFirst(6)
                    }
                } else if payload.starts(with: xmpID) {
                    metadata.xmp = Array(payload.dropFirst(xmpID.count))
                }
            }
            i += 2 + length
        }
        return metadata
    }
}
