/// An 8-bit RGB image, rows top to bottom, pixels interleaved as R, G, B.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width * height * 3` bytes, row-major, interleaved RGB.
    public var pixels: [UInt8]
    /// The colour-key transparency Pillow keeps in `info["transparency"]` after `convert("RGB")`
    /// (PNG tRNS on gray, RGB or a single palette entry; GIF transparency), or nil.
    public var transparentColor: RGBColor?

    /// Wraps `pixels`, which must hold exactly `width * height * 3` bytes.
    public init(width: Int, height: Int, pixels: [UInt8], transparentColor: RGBColor? = nil) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "RGBImage: size mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.transparentColor = transparentColor
    }

    /// A black image of the given size.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    /// The red, green and blue values at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

/// One 8-bit RGB colour.
public struct RGBColor: Sendable, Equatable {
    /// Red.
    public var r: UInt8
    /// Green.
    public var g: UInt8
    /// Blue.
    public var b: UInt8

    /// The colour (r, g, b).
    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }
}

extension RGBImage {
    /// Pixels equal to `transparentColor` turned white, as compositing the colour-keyed image onto a
    /// white background does (transformers' `convert_to_rgb`); the key is then cleared.
    public func compositedOntoWhite() -> RGBImage {
        guard let key = transparentColor else { return self }
        var out = pixels
        for i in stride(from: 0, to: out.count, by: 3)
        where out[i] == key.r && out[i + 1] == key.g && out[i + 2] == key.b {
            out[i] = 255
            out[i + 1] = 255
            out[i + 2] = 255
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}
