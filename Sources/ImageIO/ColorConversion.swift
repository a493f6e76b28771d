/// Per-mode conversions to 8-bit RGB, each matching what Pillow's `convert("RGB")` produces
/// (see docs/IMAGES.md for the table).
enum ColorConversion {
    /// Pillow reads JPEG CMYK as "CMYK;I" (inverted) and converts with
    /// `r = clip(255 - k' - muldiv255(c', 255 - k'))` where primes are the inverted samples.
    static func invertedCMYKToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let n = cmyk.count / 4
        var rgb = BufferPool.shared.take(count: n * 3)
        cmyk.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for p in 0..<n {
                    let nk = Int(src[4 * p + 3])          // 255 - (255 - K)
                    for c in 0..<3 {
                        let value = 255 - Int(src[4 * p + c])
                        dst[3 * p + c] = UInt8(clamping: nk - mulDiv255(value, nk))
                    }
                }
            }
        }
        return rgb
    }

    /// Pillow's MULDIV255: a rounded a*b/255 without a division.
    @inline(__always)
    static func mulDiv255(_ a: Int, _ b: Int) -> Int {
        let t = a * b + 128
        return ((t >> 8) + t) >> 8
    }
}
