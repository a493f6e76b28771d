/// Resizes a grid of vectors `[height, width, channels]` (row-major) to `[newHeight, newWidth, channels]`
/// with bicubic convolution (a = −0.75), half-pixel centres and clamped borders: the semantics of
/// PyTorch's `interpolate(mode="bicubic", align_corners=False)` without antialiasing.
public func bicubicResize(_ grid: Tensor, height: Int, width: Int, channels: Int, newHeight: Int, newWidth: Int) -> Tensor {
    precondition(grid.count == height * width * channels, "bicubicResize: grid is not \(height)×\(width)×\(channels)")
    let out = Tensor(zeros: [newHeight * newWidth, channels])
    let rowTaps = cubicTaps(input: height, output: newHeight)
    let columnTaps = cubicTaps(input: width, output: newWidth)
    for oy in 0..<newHeight {
        for ox in 0..<newWidth {
            let dst = out.data + (oy * newWidth + ox) * channels
            for (iy, wy) in rowTaps[oy] {
                for (ix, wx) in columnTaps[ox] {
                    let w = wy * wx
                    let src = grid.data + (iy * width + ix) * channels
                    for c in 0..<channels { dst[c] += w * src[c] }
                }
            }
        }
    }
    return out
}

/// For each output index, the four source indices (clamped to the border) and their cubic weights.
private func cubicTaps(input: Int, output: Int) -> [[(Int, Float)]] {
    let scale = Float(input) / Float(output)
    return (0..<output).map { o in
        let source = (Float(o) + 0.5) * scale - 0.5
        let base = source.rounded(.down)
        let t = source - base
        let weights = cubicWeights(t)
        return (0..<4).map { i in (min(max(Int(base) - 1 + i, 0), input - 1), weights[i]) }
    }
}

/// Keys' cubic convolution weights for the taps at offsets −1, 0, 1, 2 from the base, with a = −0.75.
private func cubicWeights(_ t: Float) -> [Float] {
    let a: Float = -0.75
    func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
    func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]
}
