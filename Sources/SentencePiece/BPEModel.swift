/// SentencePiece BPE segmentation (`bpe_model.cc`): start from characters (user-defined symbols whole and
/// frozen), repeatedly merge the adjacent pair whose concatenation is the highest-scoring piece, leftmost first.
struct BPEModel: Sendable {
    let trie: PieceTrie
    let scores: [Float]
    let isUnused: [Bool]
    let userDefined: PieceTrie?

    private struct Symbol {
        var start: Int32
        var end: Int32
        var prev: Int32
        var next: Int32
        var frozen: Bool
    }

    private struct Candidate: Comparable {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32
        /// Higher score first, then the leftmost pair.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }

    /// The id of the exact bytes `text[range]` among normal, user-defined and unused pieces.
    @inline(__always)
    private func lookup(_ text: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
        var node = PieceTrie.rootNode
        var i = start
        while i < end {
            node = trie.child(node, text[i])
            if node < 0 { return -1 }
            i += 1
        }
        return trie.id(at: node)
    }

    /// Segments normalised bytes; ids are -1 where the final symbol is not a piece (the caller maps it to unknown).
    func encode(_ text: UnsafeBufferPointer<UInt8>, into result: inout [Segment]) {
        var symbols: [Symbol] = []
        symbols.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            var length = min(UTF8Scanner.oneCharLength(text[i]), text.count - i)
            var frozen = false
            if let userDefined, let match = userDefined.longestPrefix(text, from: i, to: text.count) {
                length = match.length
                frozen = true
            }
            let index = Int32(symbols.count)
            symbols.append(Symbol(start: Int32(i), end: Int32(i + length), prev: index - 1,
                                  next: i + length < text.count ? index + 1 : -1, frozen: frozen))
            i += length
        }
        guard !symbols.isEmpty else { return }
        var heap = BinaryHeap<Candidate>()
        var reverseMerges: [[UInt8]: (Range<Int>, Range<Int>)] = [:]
        func consider(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let l = symbols[Int(left)], r = symbols[Int(right)]
            guard !l.frozen, !r.frozen else { return }
            let id = lookup(text, Int(l.start), Int(r.end))
            guard id >= 0 else { return }
            heap.push(Candidate(score: scores[Int(id)], left: left, right: right, size: r.end - l.start))
            if isUnused[Int(id)] {
                reverseMerges[Array(text[Int(l.start)..<Int(r.end)])] =
                    (Int(l.start)..<Int(l.end), Int(r.start)..<Int(r.end))
            }
        }
        for k in 1..<symbols.count { consider(Int32(k - 1), Int32(k)) }
        while let top = heap.pop() {
            let l = symbols[Int(top.left)], r = symbols[Int(top.right)]
            // Stale entries: one side was merged away or grew since the pair was pushed.
            if l.start == l.end || r.start == r.end || (l.end - l.start) + (r.end - r.start) != top.size { continue }
            if l.end != r.start { continue }
            symbols[Int(top.left)].end = r.end
            symbols[Int(top.left)].next = r.next
            if r.next >= 0 { symbols[Int(r.next)].prev = top.left }
            symbols[Int(top.right)].end = symbols[Int(top.right)].start
            consider(symbols[Int(top.left)].prev, top.left)
            consider(top.left, symbols[Int(top.left)].next)
        }
        func emit(_ range: Range<Int>, depth: Int = 0) {
            let id = lookup(text, range.lowerBound, range.upperBound)
            // Unused pieces are split back into what they were merged from, 100 levels at most (as 0.2.3).
            if depth <= 100, id >= 0, isUnused[Int(id)], let split = reverseMerges[Array(text[range])] {
                emit(split.0, depth: depth + 1)
                emit(split.1, depth: depth + 1)
                return
            }
            result.append(Segment(start: Int32(range.lowerBound), end: Int32(range.upperBound), id: id))
        }
        var index: Int32 = 0
        while index >= 0 {
            let s = symbols[Int(index)]
            emit(Int(s.start)..<Int(s.end))
            index = s.next
        }
    }
}
