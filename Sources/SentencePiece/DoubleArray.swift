/// A read-only darts-clone double-array trie, the format of the trie inside a precompiled charsmap.
///
/// Each unit is a little-endian `UInt32` packing a label, an offset to its children, and a leaf flag.
/// Out-of-range positions end the search instead of trapping, so a corrupt blob just matches less.
struct DoubleArray: Sendable {
    private let units: [UInt32]

    init(units: [UInt32]) { self.units = units }

    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & 0x200) >> 6))
    }

    /// The longest key that is a prefix of `key[start..<end]`: its length in bytes and its value.
    func longestPrefix(_ key: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (length: Int, value: Int)? {
        guard let root = units.first else { return nil }
        var best: (Int, Int)?
        var position = Self.offset(root)
        var i = start
        while i < end {
            let byte = key[i]
            position ^= Int(byte)
            guard position < units.count else { break }
            let unit = units[position]
            if Self.label(unit) != UInt32(byte) { break }
            position ^= Self.offset(unit)
            i += 1
            if Self.hasLeaf(unit) {
                guard position < units.count else { break }
                best = (i - start, Self.value(units[position]))
            }
        }
        return best
    }
}
