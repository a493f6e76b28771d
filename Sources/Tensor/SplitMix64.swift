/// SplitMix64: a small, fast generator whose whole sequence is fixed by its seed, on every platform and Swift
/// version, so shuffles, initial weights and generated data sets reproduce from a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform float in `range` (24 random bits).
    public mutating func float(in range: ClosedRange<Float>) -> Float {
        range.lowerBound + Float(next() >> 40) / Float(1 << 24) * (range.upperBound - range.lowerBound)
    }

    /// A uniform integer in `0..<bound`.
    public mutating func int(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
