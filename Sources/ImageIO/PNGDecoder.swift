import CPNGReader

/// PNG through libpng (via the small setjmp-owning C reader), then Pillow's mode for each
/// colour type and bit depth, converted to RGB as `convert("RGB")` does.
enum PNGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> (RGBImage, Metadata) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw ImageIOError.corrupt(file: name, format: .png, reason: "empty")
        }
        var png = cpng_image()
        if cpng_decode(base, bytes.count, UInt64(maxPixels), &png) != 0 {
            let reason = withUnsafeBytes(of: &png.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if reason.contains("exceeds the limit") {
                throw ImageIOError.tooLarge(file: name, width: Int(png.width), height: Int(png.height), limit: maxPixels)
            }
            throw ImageIOError.corrupt(file: name, format: .png, reason: reason)
        }
        defer { cpng_free(&png) }
        let w = Int(png.width), h = Int(png.height)
        let channels = Int(png.channels)
        let sixteen = png.bit_depth == 16
        let count = w * h
        guard let samples = png.pixels, png.pixels_size >= count * channels * (sixteen ? 2 : 1) else {
            throw ImageIOError.corrupt(file: name, format: .png, reason: "short image data")
        }
        var rgb = BufferPool.shared.take(count: count * 3)
        let palette = withUnsafeBytes(of: &png.palette) { Array($0) }
        let paletteCount = Int(png.palette_count)
        // 16-bit samples come out host-order; Pillow keeps the most significant byte ("RGB;16B",
        // "RGBA;16B", "LA;16B"). For 16-bit gray Pillow would clip to 255 instead; see docs/IMAGES.md.
        let wide = UnsafeRawPointer(samples).assumingMemoryBound(to: UInt16.self)
        @inline(__always) func sample(_ i: Int) -> UInt8 {
            sixteen ? UInt8(truncatingIfNeeded: wide[i] >> 8) : samples[i]
        }
        // Sub-byte gray is scaled to 0...255 by Pillow's unpackers ("1", "L;2", "L;4").
        let grayScale: UInt8
        switch png.bit_depth {
        case 1: grayScale = 255
        case 2: grayScale = 85
        case 4: grayScale = 17
        default: grayScale = 1
        }
        rgb.withUnsafeMutableBufferPointer { out in
            for p in 0..<count {
                let s = p * channels
                let r: UInt8, g: UInt8, b: UInt8
                switch png.color_type {
                case 0, 4:
                    let v = png.bit_depth < 8 ? samples[s] &* grayScale : sample(s)
                    (r, g, b) = (v, v, v)
                case 3:
                    let index = Int(samples[s])
                    if index < paletteCount {
                        (r, g, b) = (palette[3 * index], palette[3 * index + 1], palette[3 * index + 2])
                    } else {
                        (r, g, b) = (0, 0, 0)
                    }
                default:
                    (r, g, b) = (sample(s), sample(s + 1), sample(s + 2))
                }
                out[3 * p] = r
                out[3 * p + 1] = g
                out[3 * p + 2] = b
            }
        }
        var metadata = Metadata()
        if let exif = png.exif, png.exif_size > 0 {
            metadata.exif = Array(UnsafeBufferPointer(start: exif, count: png.exif_size))
        } else if let text = png.raw_exif_text {
            metadata.exif = rawProfileBytes(String(cString: text))
        }
        if let xmp = png.xmp { metadata.xmp = Array(String(cString: xmp).utf8) }
        let key = colorKey(png, palette: palette, paletteCount: paletteCount)
        return (RGBImage(width: w, height: h, pixels: rgb, transparentColor: key), metadata)
    }

    /// The transparency Pillow leaves on the RGB image: gray keys become (k, k, k) with the raw stored
    /// value (not scaled for 2/4-bit; mode "1" keeps (0 or 255, 0, 0)); RGB keys keep the low byte of
    /// each stored sample (Pillow masks them); a palette tRNS counts only when it makes exactly one entry
    /// fully transparent and leaves the rest opaque (then that entry's colour). 16-bit gray: none (we
    /// already deviate there; see docs/IMAGES.md).
    static func colorKey(_ png: cpng_image, palette: [UInt8], paletteCount: Int) -> RGBColor? {
        guard png.has_trns != 0 else { return nil }
        switch png.color_type {
        case 0:
            if png.bit_depth == 16 { return nil }
            if png.bit_depth == 1 { return RGBColor(r: png.trns_gray != 0 ? 255 : 0, g: 0, b: 0) }
            let k = UInt8(truncatingIfNeeded: png.trns_gray)
            return RGBColor(r: k, g: k, b: k)
        case 2:
            return RGBColor(r: UInt8(truncatingIfNeeded: png.trns_red), g: UInt8(truncatingIfNeeded: png.trns_green),
                            b: UInt8(truncatingIfNeeded: png.trns_blue))
        case 3:
            let alphas = withUnsafeBytes(of: png.trns_alpha) { Array($0.prefix(Int(png.trns_count))) }
            let zeros = alphas.indices.filter { alphas[$0] == 0 }
            guard zeros.count == 1, alphas.allSatisfy({ $0 == 0 || $0 == 255 }) else { return nil }
            let i = zeros[0]
            guard i < paletteCount else { return RGBColor(r: 0, g: 0, b: 0) }
            return RGBColor(r: palette[3 * i], g: palette[3 * i + 1], b: palette[3 * i + 2])
        default:
            return nil
        }
    }

    /// ImageMagick's "Raw profile type exif" text: a header of three lines, then hex digits
    /// (Pillow joins the lines after the third and reads them with `bytes.fromhex`).
    static func rawProfileBytes(_ text: String) -> [UInt8]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 3 else { return nil }
        let hex = lines[3...].joined().filter { !$0.isWhitespace }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var iterator = hex.utf8.makeIterator()
        while let hi = iterator.next() {
            guard let lo = iterator.next(), let a = hexValue(hi), let b = hexValue(lo) else { return nil }
            bytes.append(a << 4 | b)
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
