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
        var node: Int32  // trie node reached by this symbol's bytes, -1 if no piece starts with them
        var frozen: Bool
    }

    private struct Candidate: Comparable {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32
        var node: Int32
        /// Higher score first, then the leftmost pair.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }

    /// The trie node for `text[start..<end]` walked on from `node`, or -1.
    @inline(__always)
    private func walk(_ node: Int32, _ text: UnsafeBufferPointer<UInt8>, _ start: Int32, _ end: Int32) -> Int32 {
        var node = node
        var i = Int(start)
        while i < Int(end), node >= 0 {
            node = trie.child(node, text[i])
            i += 1
        }
        return node
    }

    /// The merge of two adjacent symbols if their concatenation is a piece (`MaybeAddNewSymbolPair`).
    @inline(__always)
    private func candidate(_ symbols: [Symbol], _ left: Int32, _ right: Int32,
                           _ text: UnsafeBufferPointer<UInt8>) -> Candidate? {
        guard left >= 0, right >= 0 else { return nil }
        let l = symbols[Int(left)], r = symbols[Int(right)]
        guard !l.frozen, !r.frozen, l.node >= 0 else { return nil }
        let node = walk(l.node, text, r.start, r.end)
        guard node >= 0 else { return nil }
        let id = trie.id(at: node)
        guard id >= 0 else { return nil }
        return Candidate(score: scores[Int(id)], left: left, right: right, size: r.end - l.start, node: node)
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
                                  next: i + length < text.count ? index + 1 : -1,
                                  node: walk(PieceTrie.rootNode, text, Int32(i), Int32(i + length)), frozen: frozen))
            i += length
        }
        guard !symbols.isEmpty else { return }
        var heap = BinaryHeap<Candidate>()
        var reverseMerges: [[UInt8]: (Range<Int>, Range<Int>)] = [:]
        for k in 1..<symbols.count {
            if let c = candidate(symbols, Int32(k - 1), Int32(k), text) {
                heap.push(c)
                noteUnused(c, symbols, text, &reverseMerges)
            }
        }
        while let top = heap.pop() {
            let l = symbols[Int(top.left)], r = symbols[Int(top.right)]
            // Stale entries: one side was merged away or grew since the pair was pushed.
            if l.start == l.end || r.start == r.end || (l.end - l.start) + (r.end - r.start) != top.size { continue }
            symbols[Int(top.left)].end = r.end
            symbols[Int(top.left)].next = r.next
            symbols[Int(top.left)].node = top.node
            if r.next >= 0 { symbols[Int(r.next)].prev = top.left }
            symbols[Int(top.right)].end = symbols[Int(top.right)].start
            if let c = candidate(symbols, symbols[Int(top.left)].prev, top.left, text) {
                heap.push(c)
                noteUnused(c, symbols, text, &reverseMerges)
            }
            if let c = candidate(symbols, top.left, symbols[Int(top.left)].next, text) {
                heap.push(c)
                noteUnused(c, symbols, text, &reverseMerges)
            }
        }
        var index: Int32 = 0
        while index >= 0 {
            let s = symbols[Int(index)]
            let id = s.node >= 0 ? trie.id(at: s.node) : -1
            if id >= 0, isUnused[Int(id)] {
                resegment(Int(s.start)..<Int(s.end), text, reverseMerges, depth: 0, into: &result)
            } else {
                result.append(Segment(start: s.start, end: s.end, id: id))
            }
            index = s.next
        }
    }

    /// Remembers how an unused piece was formed when its pair is pushed (the C++ records it at push time,
    /// so a later push of the same piece overwrites an earlier one).
    @inline(__always)
    private func noteUnused(_ c: Candidate, _ symbols: [Symbol], _ text: UnsafeBufferPointer<UInt8>,
                            _ reverseMerges: inout [[UInt8]: (Range<Int>, Range<Int>)]) {
        guard isUnused[Int(trie.id(at: c.node))] else { return }
        let l = symbols[Int(c.left)], r = symbols[Int(c.right)]
        reverseMerges[Array(text[Int(l.start)..<Int(r.end)])] = (Int(l.start)..<Int(l.end), Int(r.start)..<Int(r.end))
    }

    /// Splits an unused piece back into what it was merged from, 100 levels at most; an unused piece that was
    /// never formed by a merge (a single character) is unknown (`resegment` in 0.2.3).
    private func resegment(_ range: Range<Int>, _ text: UnsafeBufferPointer<UInt8>,
                           _ reverseMerges: [[UInt8]: (Range<Int>, Range<Int>)], depth: Int, into result: inout [Segment]) {
        let node = walk(PieceTrie.rootNode, text, Int32(range.lowerBound), Int32(range.upperBound))
        var id = node >= 0 ? trie.id(at: node) : -1
        if depth <= 100, id >= 0, isUnused[Int(id)] {
            if let split = reverseMerges[Array(text[range])] {
                resegment(split.0, text, reverseMerges, depth: depth + 1, into: &result)
                resegment(split.1, text, reverseMerges, depth: depth + 1, into: &result)
                return
            }
            id = -1
        }
        result.append(Segment(start: Int32(range.lowerBound), end: Int32(range.upperBound), id: id))
    }
}
