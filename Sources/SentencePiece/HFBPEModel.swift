/// A string compared by its UTF-8 bytes. `String` equality is canonical equivalence, under which distinct
/// vocabulary entries (Gemma has 61 such pairs, e.g. `▁à` and `▁a` + U+0300) would collide; the Rust reference
/// compares bytes.
struct ExactText: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ text: String) { bytes = Array(text.utf8) }
    init(bytes: [UInt8]) { self.bytes = bytes }
}

/// BPE as HF tokenizers runs it (`models/bpe`): characters (or their `<0xNN>` bytes, or a fused `<unk>`),
/// then repeatedly the adjacent pair with the lowest merge rank, leftmost first.
struct HFBPEModel: Sendable {
    /// Token → id, compared by exact scalars (see `ExactText`).
    let vocabulary: [ExactText: Int32]
    /// Every (token, id) entry, in the order given.
    let entries: [(token: String, id: Int32)]
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let unknownID: Int32?
    let byteFallback: Bool
    let fuseUnknown: Bool
    let byteIDs: [Int32]  // -1 where `<0xNN>` is not in the vocabulary
    private let scalarIDs: [UInt32: Int32]  // single-scalar vocabulary entries, the starting symbols of every word

    /// A model from string merges (a `tokenizer.json`); each is resolved to ids, rank = position.
    init(vocabulary entries: [(token: String, id: Int32)], merges: [(String, String)], unknown: String?,
         byteFallback: Bool, fuseUnknown: Bool, file: String) throws {
        var vocabulary: [ExactText: Int32] = [:]
        for (token, id) in entries { vocabulary[ExactText(token)] = id }  // a repeated key keeps its last id
        func lookup(_ text: String) -> Int32? { vocabulary[ExactText(text)] }
        var resolved: [(left: Int32, right: Int32, merged: Int32)] = []
        resolved.reserveCapacity(merges.count)
        for (a, b) in merges {
            guard let left = lookup(a), let right = lookup(b), let merged = lookup(a + b) else {
                throw SentencePieceError.invalidJSON(file: file, reason: "merge \(a) \(b) uses a token not in the vocabulary")
            }
            resolved.append((left, right, merged))
        }
        self.init(entries: entries, vocabulary: vocabulary, merges: resolved, unknown: unknown,
                  byteFallback: byteFallback, fuseUnknown: fuseUnknown)
    }

    /// A model from merges already resolved to ids, rank = position (the first of two equal pairs wins).
    init(entries: [(token: String, id: Int32)], vocabulary: [ExactText: Int32],
         merges: [(left: Int32, right: Int32, merged: Int32)], unknown: String?, byteFallback: Bool, fuseUnknown: Bool) {
        self.entries = entries
        self.vocabulary = vocabulary
        var scalars: [UInt32: Int32] = [:]
        for (piece, id) in entries {
            var iterator = piece.unicodeScalars.makeIterator()
            if let first = iterator.next(), iterator.next() == nil { scalars[first.value] = id }
        }
        scalarIDs = scalars
        var table: [UInt64: (rank: Int32, id: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            let key = Self.key(merge.left, merge.right)
            if table[key] == nil { table[key] = (Int32(rank), merge.merged) }
        }
        self.merges = table
        unknownID = unknown.flatMap { vocabulary[ExactText($0)] }
        self.byteFallback = byteFallback
        self.fuseUnknown = fuseUnknown
        let hex = Array("0123456789ABCDEF")
        byteIDs = (0..<256).map { vocabulary[ExactText("<0x\(hex[$0 >> 4])\(hex[$0 & 15])>")] ?? -1 }
    }

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    private struct Symbol {
        var id: Int32
        var prev: Int
        var next: Int
        var length: Int
    }

    private struct Merge: Comparable {
        var rank: Int32
        var position: Int
        var id: Int32
        static func < (a: Merge, b: Merge) -> Bool { a.rank < b.rank || (a.rank == b.rank && a.position < b.position) }
    }

    /// Encodes one pre-tokenised word.
    func encode(_ word: String, into out: inout [Int32]) {
        var symbols: [Symbol] = []
        var pendingUnknown: (id: Int32, length: Int)?
        func add(_ id: Int32, _ length: Int) {
            let index = symbols.count
            symbols.append(Symbol(id: id, prev: index - 1, next: index + 1, length: length))
        }
        for scalar in word.unicodeScalars {
            let byteLength = UTF8.width(scalar)
            if let id = scalarIDs[scalar.value] {
                if let unk = pendingUnknown { add(unk.id, unk.length); pendingUnknown = nil }
                add(id, byteLength)
                continue
            }
            let utf8 = UTF8.encode(scalar)
            if byteFallback, let utf8, utf8.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                if let unk = pendingUnknown { add(unk.id, unk.length); pendingUnknown = nil }
                for b in utf8 { add(byteIDs[Int(b)], 1) }
                continue
            }
            guard let unknownID else { continue }
            if let unk = pendingUnknown {
                if fuseUnknown {
                    pendingUnknown = (unk.id, unk.length + byteLength)
                } else {
                    add(unk.id, unk.length)
                    pendingUnknown = (unknownID, byteLength)
                }
            } else {
                pendingUnknown = (unknownID, byteLength)
            }
        }
        if let unk = pendingUnknown { add(unk.id, unk.length) }
        guard !symbols.isEmpty else { return }
        symbols[symbols.count - 1].next = -1
        var queue = BinaryHeap<Merge>()
        for i in 0..<(symbols.count - 1) {
            if let m = merges[Self.key(symbols[i].id, symbols[i + 1].id)] { queue.push(Merge(rank: m.rank, position: i, id: m.id)) }
        }
        while let top = queue.pop() {
            let current = symbols[top.position]
            if current.length == 0 || current.next == -1 { continue }
            let right = symbols[current.next]
            guard let m = merges[Self.key(current.id, right.id)], m.id == top.id else { continue }
            symbols[top.position].id = top.id
            symbols[top.position].length += right.length
            symbols[top.position].next = right.next
            symbols[current.next].length = 0
            if right.next >= 0 { symbols[right.next].prev = top.position }
            let merged = symbols[top.position]
            if merged.prev >= 0, let m = merges[Self.key(symbols[merged.prev].id, merged.id)] {
                queue.push(Merge(rank: m.rank, position: merged.prev, id: m.id))
            }
            if merged.next >= 0, let m = merges[Self.key(merged.id, symbols[merged.next].id)] {
                queue.push(Merge(rank: m.rank, position: top.position, id: m.id))
            }
        }
        for s in symbols where s.length != 0 { out.append(s.id) }
    }
}
