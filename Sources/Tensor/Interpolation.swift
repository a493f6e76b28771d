/// Resizes a grid of vectors `[height, width, channels]` (row-major) to `[newHeight, newWidth, channels]`
/// with bicubic convolution (a = −0.75), half-pixel centres and clamped borders: the semantics of
/// PyTorch's `interpolate(mode="bicubic", align_corners=False)` without antialiasing.
public func bicubicResize(_ grid: Tensor, height: Int, width: Int, channels: Int, newHeight: Int, newWidth: Int) -> Tensor {
    precondition(grid.count == height * width * channels, "bicubicResize: grid is not \(height)×\(width)×\(channels)")
    return separableResize(grid, width: width, channels: channels,
                           rowTaps: cubicTaps(input: height, output: newHeight), columnTaps: cubicTaps(input: width, output: newWidth))
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

/// Resizes a grid of vectors `[height, width, channels]` (row-major) to `[newHeight, newWidth, channels]`
/// bilinearly with half-pixel centres: PyTorch's `interpolate(mode="bilinear", align_corners=False)`, with
/// `antialias` as there. Antialiasing widens the triangle filter by the shrink factor along an axis that
/// shrinks, so every source cell contributes; along an axis that grows (or without it) the filter is the
/// plain two-tap one, with clamped borders. Weights are computed in float32, as PyTorch's are.
public func bilinearResize(_ grid: Tensor, height: Int, width: Int, channels: Int, newHeight: Int, newWidth: Int,
                           antialias: Bool) -> Tensor {
    precondition(grid.count == height * width * channels, "bilinearResize: grid is not \(height)×\(width)×\(channels)")
    precondition(newHeight > 0 && newWidth > 0, "bilinearResize: empty output")
    return separableResize(grid, width: width, channels: channels,
                           rowTaps: triangleTaps(input: height, output: newHeight, antialias: antialias),
                           columnTaps: triangleTaps(input: width, output: newWidth, antialias: antialias))
}

/// For each output index, the source indices with non-zero triangle weight and their weights, normalised to
/// sum to 1: the weight of source `j` is `max(0, 1 − |j − centre| / support)`, `centre = (o + ½)·scale − ½`.
/// The centre lies within half a cell of the sources, so the nearest source always has a positive weight.
private func triangleTaps(input: Int, output: Int, antialias: Bool) -> [[(Int, Float)]] {
    let scale = Float(input) / Float(output)
    let support: Float = antialias ? max(scale, 1) : 1
    return (0..<output).map { o in
        let centre = (Float(o) + 0.5) * scale - 0.5
        var taps: [(Int, Float)] = []
        for j in 0..<input {
            let w = max(0, 1 - abs(Float(j) - centre) / support)
            if w > 0 { taps.append((j, w)) }
        }
        let total = taps.reduce(0) { $0 + $1.1 }
        return taps.map { ($0.0, $0.1 / total) }
    }
}

/// `[rows, columns, channels]` output where each cell is the weighted sum of source cells given by its row's
/// and column's taps (source index, weight); `width` is the source grid's.
private func separableResize(_ grid: Tensor, width: Int, channels: Int, rowTaps: [[(Int, Float)]], columnTaps: [[(Int, Float)]]) -> Tensor {
    let out = Tensor(zeros: [rowTaps.count * columnTaps.count, channels])
    for (oy, rowTap) in rowTaps.enumerated() {
        for (ox, columnTap) in columnTaps.enumerated() {
            let dst = out.data + (oy * columnTaps.count + ox) * channels
            for (iy, wy) in rowTap {
                for (ix, wx) in columnTap {
                    let w = wy * wx
                    let src = grid.data + (iy * width + ix) * channels
                    for c in 0..<channels { dst[c] += w * src[c] }
                }
            }
        }
    }
    return out
}
