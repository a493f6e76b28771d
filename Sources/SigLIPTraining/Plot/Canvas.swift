import ImageIO

/// An RGB raster to draw a chart on: pixels, lines, rectangles and text in the built-in bitmap font.
struct Canvas {
    typealias Colour = (UInt8, UInt8, UInt8)
    let width: Int, height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: Colour = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = background }
    }

    var image: RGBImage { RGBImage(width: width, height: height, pixels: pixels) }

    mutating func set(_ x: Int, _ y: Int, _ c: Colour) {
        guard (0..<width).contains(x), (0..<height).contains(y) else { return }
        let i = 3 * (y * width + x)
        (pixels[i], pixels[i + 1], pixels[i + 2]) = c
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ c: Colour) {
        for yy in y..<(y + h) { for xx in x..<(x + w) { set(xx, yy, c) } }
    }

    /// A straight line `thickness` pixels wide (Bresenham, with a square pen).
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Colour, thickness: Int = 1) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        let r = thickness / 2
        while true {
            fill(x: x - r, y: y - r, width: thickness, height: thickness, c)
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// `text` with its top-left corner at (`x`, `y`), each font pixel drawn as `scale`×`scale`.
    mutating func text(_ text: String, x: Int, y: Int, _ c: Colour, scale: Int = 2) {
        for (k, ch) in text.enumerated() {
            for gy in 0..<BitmapFont.height {
                for gx in 0..<BitmapFont.width where BitmapFont.isSet(ch, x: gx, y: gy) {
                    fill(x: x + (k * BitmapFont.advance + gx) * scale, y: y + gy * scale, width: scale, height: scale, c)
                }
            }
        }
    }

    /// The width in pixels of `text` at `scale`.
    static func textWidth(_ text: String, scale: Int = 2) -> Int { max(0, text.count * BitmapFont.advance - 1) * scale }
}
