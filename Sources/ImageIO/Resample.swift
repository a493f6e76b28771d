import CKernels

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
        var out = BufferPool.shared.take(count: outW * height * 3)
        var quad = [UInt8](repeating: 0, count: width * 16)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                quad.withUnsafeMutableBufferPointer { quad in
                    guard let s = src.baseAddress, let d = dst.baseAddress, let q = quad.baseAddress else { return }
                    ck_resample_horizontal(ResampleKernels.isa, s, Int32(width), Int32(height), d, Int32(outW),
                                           c.start, c.count, c.weights, Int32(c.taps), ResampleCoefficients.precisionBits, q)
                }
            }
        }
        return RGBImage(width: outW, height: height, pixels: out)
    }

    /// One vertical pass: 16 bytes of a row at a time in SIMD registers, all taps applied before
    /// the single store, so the intermediate sums never leave registers.
    func resampledVertically(to outH: Int, filter: ResampleFilter) -> RGBImage {
        let c = ResampleCoefficients(inSize: height, outSize: outH, filter: filter)
        let rowLen = width * 3
        var out = BufferPool.shared.take(count: rowLen * outH)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                ck_resample_vertical(ResampleKernels.isa, s, Int32(rowLen), d, Int32(outH),
                                     c.start, c.count, c.weights, Int32(c.taps), ResampleCoefficients.precisionBits)
            }
        }
        return RGBImage(width: width, height: outH, pixels: out)
    }
}

/// Which compiled variant of the resampling kernels runs; all of them give the same bytes.
enum ResampleKernels {
    /// The best the CPU has, unless `SIGLIP_KERNEL_ISA` lowers it (as for Tensor's kernels).
    static let isa = ck_isa_selected()
}
