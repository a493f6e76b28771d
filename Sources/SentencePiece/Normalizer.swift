/// SentencePiece's normaliser: the precompiled charsmap, user-defined symbols kept whole, and the
/// whitespace rules (dummy prefix, extra-space removal, `▁` escaping), byte for byte as `normalizer.cc`.
struct Normalizer: Sendable {
    private let trie: DoubleArray?
    private let pool: [UInt8]
    private let spec: ModelProto.NormalizerSpec
    private let treatWhitespaceAsSuffix: Bool
    private let userDefined: PieceTrie?

    static let spaceSymbol: [UInt8] = [0xE2, 0x96, 0x81]
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    init(spec: ModelProto.NormalizerSpec, treatWhitespaceAsSuffix: Bool, userDefined: PieceTrie?, file: String) throws {
        self.spec = spec
        self.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix
        self.userDefined = userDefined
        let blob = spec.precompiledCharsmap
        guard !blob.isEmpty else {
            trie = nil
            pool = []
            return
        }
        guard blob.count > 4 else { throw SentencePieceError.invalidModel(file: file, reason: "charsmap too short") }
        let trieSize = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard trieSize < blob.count, trieSize <= blob.count - 4, trieSize % 4 == 0 else {
            throw SentencePieceError.invalidModel(file: file, reason: "charsmap trie size \(trieSize) exceeds the blob")
        }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for i in 0..<units.count {
            let o = 4 + 4 * i
            units[i] = UInt32(blob[o]) | UInt32(blob[o + 1]) << 8 | UInt32(blob[o + 2]) << 16 | UInt32(blob[o + 3]) << 24
        }
        trie = DoubleArray(units: units)
        pool = Array(blob[(4 + trieSize)...])
    }

    /// Normalises one prefix of `input[at...]`: returns the replacement bytes (as a range into `pool`, or a literal)
    /// and how many input bytes it consumed.
    @inline(__always)
    private func prefix(_ input: UnsafeBufferPointer<UInt8>, at start: Int, output: inout [UInt8]) -> Int {
        let end = input.count
        if let userDefined, let match = userDefined.longestPrefix(input, from: start, to: end) {
            output.append(contentsOf: input[start..<(start + match.length)])
            return match.length
        }
        if let trie, let match = trie.longestPrefix(input, from: start, to: end), match.value < pool.count {
            var p = match.value
            while p < pool.count, pool[p] != 0 {
                output.append(pool[p])
                p += 1
            }
            return match.length
        }
        let length = UTF8Scanner.validLength(input, at: start)
        if length == 0 {
            output.append(contentsOf: Self.replacement)
            return 1
        }
        output.append(contentsOf: input[start..<(start + length)])
        return length
    }

    /// Normalises `input` (any bytes, not necessarily valid UTF-8) to the string the model segments.
    func normalize(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var start = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(16)
        if spec.removeExtraWhitespaces {
            while start < input.count {
                chunk.removeAll(keepingCapacity: true)
                let consumed = prefix(input, at: start, output: &chunk)
                if chunk != [0x20] { break }
                start += consumed
            }
        }
        guard start < input.count else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity((input.count - start) * 3)
        let escape = spec.escapeWhitespaces
        func addSpace() { if escape { out.append(contentsOf: Self.spaceSymbol) } else { out.append(0x20) } }
        if !treatWhitespaceAsSuffix && spec.addDummyPrefix { addSpace() }
        var previousIsSpace = spec.removeExtraWhitespaces
        while start < input.count {
            chunk.removeAll(keepingCapacity: true)
            let consumed = prefix(input, at: start, output: &chunk)
            var i = 0
            if previousIsSpace { while i < chunk.count, chunk[i] == 0x20 { i += 1 } }
            if i < chunk.count {
                for b in chunk[i...] {
                    if escape && b == 0x20 { out.append(contentsOf: Self.spaceSymbol) } else { out.append(b) }
                }
                previousIsSpace = chunk.last == 0x20
            }
            start += consumed
            if !spec.removeExtraWhitespaces { previousIsSpace = false }
        }
        if spec.removeExtraWhitespaces {
            let space: [UInt8] = escape ? Self.spaceSymbol : [0x20]
            while out.count >= space.count, Array(out[(out.count - space.count)...]) == space {
                out.removeLast(space.count)
            }
        }
        if treatWhitespaceAsSuffix && spec.addDummyPrefix { addSpace() }
        return out
    }
}
