/// Orientation metadata found in a file, resolved the way Pillow's `Image.getexif()` resolves it:
/// the EXIF orientation tag if present, else a `tiff:Orientation` in the XMP packet.
struct Metadata {
    /// EXIF payload: a TIFF structure, possibly prefixed by `Exif\0\0`.
    var exif: [UInt8]?
    /// XMP packet bytes.
    var xmp: [UInt8]?

    /// The orientation to apply; `.up` when absent, malformed or out of range (Pillow then leaves the image as is).
    var orientation: Orientation {
        if let exif, let tag = Metadata.exifOrientation(exif) {
            return Orientation(rawValue: tag) ?? .up
        }
        if let xmp, let tag = Metadata.xmpOrientation(xmp) {
            return Orientation(rawValue: tag) ?? .up
        }
        return .up
    }

    /// Reads tag 0x0112 from IFD0. Returns nil when the tag is absent or not a single integer
    /// (Pillow then finds no transposition either).
    static func exifOrientation(_ data: [UInt8]) -> Int? {
        var start = 0
        let prefix: [UInt8] = Array("Exif".utf8) + [0, 0]
        while data.count - start >= 6 && Array(data[start..<start + 6]) == prefix { start += 6 }
        let tiff = data[start...]
        guard tiff.count >= 8 else { return nil }
        let base = tiff.startIndex
        let little: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            let a = Int(tiff[base + at]), b = Int(tiff[base + at + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry), let type = u16(entry + 2), let n = u32(entry + 4) else { return nil }
            guard tag == 0x0112 else { continue }
            guard n == 1 else { return nil }
            switch type {
            case 3: return u16(entry + 8)                          // SHORT
            case 8: return u16(entry + 8).map { Int(Int16(truncatingIfNeeded: $0)) }  // SSHORT
            case 4: return u32(entry + 8)                          // LONG
            case 9: return u32(entry + 8).map { Int(Int32(truncatingIfNeeded: $0)) }  // SLONG
            default: return nil
            }
        }
        return nil
    }

    /// Finds `tiff:Orientation="N"` or `<tiff:Orientation>N` (one digit, as Pillow's pattern requires).
    static func xmpOrientation(_ xmp: [UInt8]) -> Int? {
        let key = Array("tiff:Orientation".utf8)
        guard xmp.count > key.count + 1 else { return nil }
        var i = 0
        while i + key.count + 1 < xmp.count {
            if xmp[i] == key[0] && Array(xmp[i..<i + key.count]) == key {
                var j = i + key.count
                if xmp[j] == UInt8(ascii: ">") {
                    j += 1
                } else if xmp[j] == UInt8(ascii: "="), j + 1 < xmp.count, xmp[j + 1] == UInt8(ascii: "\"") {
                    j += 2
                } else {
                    i += 1
                    continue
                }
                if j < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[j]) {
                    return Int(xmp[j] - UInt8(ascii: "0"))
                }
            }
            i += 1
        }
        return nil
    }
}
