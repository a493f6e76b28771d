/// Fixed-point interpolation weights for one axis, computed as Pillow's `precompute_coeffs`
/// and `normalize_coeffs_8bpc` do (double arithmetic in the same order, then 22-bit rounding).
struct ResampleCoefficients {
    /// Fractional bits of each weight; leaves 2 bits of headroom for negative lobes in an Int32 sum.
    static let precisionBits: Int32 = 22

    /// Taps per output sample (the widest window).
    let taps: Int
    /// First input index of each output sample's window.
    let start: [Int]
    /// Number of valid taps in each output sample's window.
    let count: [Int]
    /// `outSize * taps` weights; entries past `count` are zero.
    let weights: [Int32]

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var w = [Double](repeating: 0, count: taps)
        let one = Double(1 << Self.precisionBits)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            // C casts truncate toward zero; Int(_:) does the same.
            let xmin = max(0, Int(center - support + 0.5))
            let n = min(min(inSize, Int(center + support + 0.5)) - xmin, taps)
            var total = 0.0
            for x in 0..<n {
                w[x] = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                total += w[x]
            }
            for x in 0..<n {
                let k = total != 0.0 ? w[x] / total : w[x]
                weights[xx * taps + x] = k < 0 ? Int32(-0.5 + k * one) : Int32(0.5 + k * one)
            }
            start[xx] = xmin
            count[xx] = n
        }
        self.taps = taps
        self.start = start
        self.count = count
        self.weights = weights
    }
}
