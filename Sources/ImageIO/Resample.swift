extension RGBImage {
    /// Resizes to `width` x `height` exactly as Pillow's `Image.resize` does for an RGB image:
    /// separable convolution with the support widened by the downscale factor, 22-bit fixed-point
    /// weights, and the intermediate image rounded and clipped to 8 bits between the two passes.
    public func resized(width outW: Int, height outH: Int, filter: ResampleFilter,
                        passOrder: PassOrder = .pillow13) -> RGBImage {
        precondition(outW > 0 && outH > 0, "resized: target size must be positive")
        if outW == width && outH == height { return self }
        let verticalFirst: Bool
        switch passOrder {
        case .pillow13: verticalFirst = outH < height && (height - outH) > 2 * (width - outW)
        case .horizontalFirst: verticalFirst = false
        }
        var image = self
        if verticalFirst {
            if outH != height { image = image.resampledVertically(to: outH, filter: filter) }
            if outW != width { image = image.resampledHorizontally(to: outW, filter: filter) }
        } else {
            if outW != width { image = image.resampledHorizontally(to: outW, filter: filter) }
            if outH != height { image = image.resampledVertically(to: outH, filter: filter) }
        }
        return image
    }

    /// One horizontal pass; the three channels share each window.
    func resampledHorizontally(to outW: Int, filter: ResampleFilter) -> RGBImage {
        let c = ResampleCoefficients(inSize: width, outSize: outW, filter: filter)
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        var out = [UInt8](repeating: 0, count: outW * height * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { k in
                    for y in 0..<height {
                        let row = y * width * 3
                        let outRow = y * outW * 3
                        for x in 0..<outW {
                            var r = half, g = half, b = half
                            let kb = x * c.taps
                            var s = row + c.start[x] * 3
                            for t in 0..<c.count[x] {
                                let w = k[kb + t]
                                r &+= Int32(src[s]) &* w
                                g &+= Int32(src[s + 1]) &* w
                                b &+= Int32(src[s + 2]) &* w
                                s += 3
                            }
                            let o = outRow + x * 3
                            dst[o] = clip8(r)
                            dst[o + 1] = clip8(g)
                            dst[o + 2] = clip8(b)
                        }
                    }
                }
            }
        }
        return RGBImage(width: outW, height: height, pixels: out)
    }

    /// One vertical pass; accumulates whole rows so the inner loop runs over contiguous bytes.
    func resampledVertically(to outH: Int, filter: ResampleFilter) -> RGBImage {
        let c = ResampleCoefficients(inSize: height, outSize: outH, filter: filter)
        let half: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        let rowLen = width * 3
        var out = [UInt8](repeating: 0, count: rowLen * outH)
        var acc = [Int32](repeating: 0, count: rowLen)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                acc.withUnsafeMutableBufferPointer { acc in
                    for y in 0..<outH {
                        for i in 0..<rowLen { acc[i] = half }
                        for t in 0..<c.count[y] {
                            let w = c.weights[y * c.taps + t]
                            let row = (c.start[y] + t) * rowLen
                            for i in 0..<rowLen { acc[i] &+= Int32(src[row + i]) &* w }
                        }
                        let o = y * rowLen
                        for i in 0..<rowLen { dst[o + i] = clip8(acc[i]) }
                    }
                }
            }
        }
        return RGBImage(width: width, height: outH, pixels: out)
    }
}

/// Pillow's `clip8`: arithmetic shift (floor) of the rounded accumulator, clamped to a byte.
@inline(__always)
private func clip8(_ acc: Int32) -> UInt8 {
    let v = acc >> ResampleCoefficients.precisionBits
    return v < 0 ? 0 : (v > 255 ? 255 : UInt8(truncatingIfNeeded: v))
}
