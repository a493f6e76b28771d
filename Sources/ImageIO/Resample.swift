extension RGBImage {
    /// Resizes to `width` x `height` exactly as Pillow's `Image.resize` does for an RGB image:
    /// separable convolution with the support widened by the downscale factor, 22-bit fixed-point
    /// weights, and the intermediate image rounded and clipped to 8 bits between the two passes.
    public func resized(width outW: Int, height outH: Int, filter: ResampleFilter,
                        passOrder: PassOrder = .pillow13) -> RGBImage {
        precondition(outW > 0 && outH > 0, "resized: target size must be positive")
        if width == 0 || height == 0 { return RGBImage(width: outW, height: outH) }
        if outW == width && outH == height { return self }
        let verticalFirst: Bool
        switch passOrder {
        case .pillow13: verticalFirst = outH < height && (height - outH) > 2 * (width - outW)
        case .horizontalFirst: verticalFirst = false
        }
        var current: RGBImage?                       // nil until a pass has run
        for horizontal in verticalFirst ? [false, true] : [true, false] {
            if horizontal ? outW == width : outH == height { continue }
            let source = current ?? self
            let next = horizontal ? source.resampledHorizontally(to: outW, filter: filter)
                                  : source.resampledVertically(to: outH, filter: filter)
            // An intermediate image is ours alone; its buffer goes straight back to the pool.
            if let intermediate = current { intermediate.recycle() }
            current = next
        }
        return current ?? self
    }

    /// One horizontal pass, four rows at a time: each source pixel of the four rows is packed into
    /// 16 bytes (RGBX per row, as Pillow stores pixels), so each tap is one 16-lane multiply-add.
    func resampledHorizontally(to outW: Int, filter: ResampleFilter) -> RGBImage {
        let c = ResampleCoefficients(inSize: width, outSize: outW, filter: filter)
        let half = SIMD16<Int32>(repeating: 1 << (ResampleCoefficients.precisionBits - 1))
        let taps = c.taps
        var out = BufferPool.shared.take(count: outW * height * 3)
        var quad = [UInt8](repeating: 0, count: width * 16)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                quad.withUnsafeMutableBufferPointer { quad in
                    guard let base = quad.baseAddress else { return }
                    let packed = UnsafeRawPointer(base)
                    for y0 in stride(from: 0, to: height, by: 4) {
                        // Lanes of missing rows in the last block keep stale bytes; they are never stored.
                        let rows = min(4, height - y0)
                        for r in 0..<rows {
                            let row = (y0 + r) * width * 3
                            for x in 0..<width {
                                quad[16 * x + 4 * r] = src[row + 3 * x]
                                quad[16 * x + 4 * r + 1] = src[row + 3 * x + 1]
                                quad[16 * x + 4 * r + 2] = src[row + 3 * x + 2]
                            }
                        }
                        for x in 0..<outW {
                            var acc = half
                            var s = c.start[x] * 16
                            var kp = x * taps
                            for _ in 0..<c.count[x] {
                                let v = packed.loadUnaligned(fromByteOffset: s, as: SIMD16<UInt8>.self)
                                acc &+= SIMD16<Int32>(truncatingIfNeeded: v) &* SIMD16(repeating: c.weights[kp])
                                s += 16
                                kp += 1
                            }
                            for r in 0..<rows {
                                let o = ((y0 + r) * outW + x) * 3
                                dst[o] = clip8(acc[4 * r])
                                dst[o + 1] = clip8(acc[4 * r + 1])
                                dst[o + 2] = clip8(acc[4 * r + 2])
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: outW, height: height, pixels: out)
    }

    /// One vertical pass: 16 bytes of a row at a time in SIMD registers, all taps applied before
    /// the single store, so the intermediate sums never leave registers.
    func resampledVertically(to outH: Int, filter: ResampleFilter) -> RGBImage {
        let c = ResampleCoefficients(inSize: height, outSize: outH, filter: filter)
        let halfValue: Int32 = 1 << (ResampleCoefficients.precisionBits - 1)
        let half = SIMD16<Int32>(repeating: halfValue)
        let rowLen = width * 3
        let vectorEnd = rowLen - rowLen % 16
        var out = BufferPool.shared.take(count: rowLen * outH)
        pixels.withUnsafeBufferPointer { srcBuffer in
            out.withUnsafeMutableBufferPointer { dstBuffer in
                guard let src = srcBuffer.baseAddress, let dst = dstBuffer.baseAddress else { return }
                let raw = UnsafeRawPointer(src)
                for y in 0..<outH {
                    let first = c.start[y], n = c.count[y], kb = y * c.taps
                    let o = y * rowLen
                    var i = 0
                    while i < vectorEnd {
                        var acc = half
                        for t in 0..<n {
                            let v = raw.loadUnaligned(fromByteOffset: (first + t) * rowLen + i, as: SIMD16<UInt8>.self)
                            acc &+= SIMD16<Int32>(truncatingIfNeeded: v) &* SIMD16(repeating: c.weights[kb + t])
                        }
                        var clamped = acc &>> ResampleCoefficients.precisionBits
                        clamped.replace(with: 0, where: clamped .< 0)
                        clamped.replace(with: 255, where: clamped .> 255)
                        UnsafeMutableRawPointer(dst + o + i).storeBytes(
                            of: SIMD16<UInt8>(truncatingIfNeeded: clamped), as: SIMD16<UInt8>.self)
                        i += 16
                    }
                    while i < rowLen {
                        var acc = halfValue
                        for t in 0..<n { acc &+= Int32(src[(first + t) * rowLen + i]) &* c.weights[kb + t] }
                        dst[o + i] = clip8(acc)
                        i += 1
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
