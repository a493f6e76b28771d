/// The EXIF orientation tag (0x0112) and the transposition that makes the image upright,
/// mapped as Pillow's `ImageOps.exif_transpose` maps it.
public enum Orientation: Int, Sendable {
    /// Already upright (1).
    case up = 1
    /// FLIP_LEFT_RIGHT (2).
    case upMirrored = 2
    /// ROTATE_180 (3).
    case down = 3
    /// FLIP_TOP_BOTTOM (4).
    case downMirrored = 4
    /// TRANSPOSE (5).
    case leftMirrored = 5
    /// ROTATE_270, i.e. a quarter turn clockwise (6).
    case right = 6
    /// TRANSVERSE (7).
    case rightMirrored = 7
    /// ROTATE_90, i.e. a quarter turn counter-clockwise (8).
    case left = 8
}

extension RGBImage {
    /// The upright image for a picture stored with `orientation`.
    public func applying(_ orientation: Orientation) -> RGBImage {
        let w = width, h = height
        // (source x, source y) for each destination pixel, in the destination's own size.
        let swaps = orientation.rawValue >= 5
        let outW = swaps ? h : w, outH = swaps ? w : h
        if orientation == .up { return self }
        var out = BufferPool.shared.take(count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in 0..<outH {
                    for x in 0..<outW {
                        let sx: Int, sy: Int
                        switch orientation {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, h - 1 - x)
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case .left: (sx, sy) = (w - 1 - y, x)
                        }
                        let s = (sy * w + sx) * 3
                        dst[o] = src[s]
                        dst[o + 1] = src[s + 1]
                        dst[o + 2] = src[s + 2]
                        o += 3
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out, transparentColor: transparentColor)
    }
}
