/// Unigram segmentation: the Viterbi best path over code points, as SentencePiece 0.2.3's optimised encoder.
///
/// Scores are summed in float in the same order as the C++ (rounding decides near-ties, and the first
/// candidate wins exact ties), user-defined pieces score 0.1 × (bytes − 1), and the running score is
/// re-based when it drifts past ±100000 exactly as the reference does, so long inputs keep matching.
struct UnigramModel: Sendable {
    let trie: PieceTrie
    let scores: [Float]
    let isUnused: [Bool]
    let isUserDefined: [Bool]
    let unknownID: Int32
    let minScore: Float

    init(pieces: [ModelProto.Piece], trie: PieceTrie, unknownID: Int32) {
        self.trie = trie
        self.unknownID = unknownID
        scores = pieces.map(\.score)
        isUnused = pieces.map { $0.type == .unused }
        isUserDefined = pieces.map { $0.type == .userDefined }
        var lo = Float.greatestFiniteMagnitude
        for piece in pieces where piece.type == .normal { lo = min(lo, piece.score) }
        minScore = lo
    }

    /// Segments normalised bytes; appends the best path to `result` left to right.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into result: inout [Segment]) {
        let size = text.count
        guard size > 0 else { return }
        let unkScore = minScore - 10
        let resetThreshold: Float = 100_000
        var best = [Float](repeating: 0, count: size + 1)
        var from = [Int32](repeating: -1, count: size + 1)
        var ids = [Int32](repeating: -1, count: size + 1)
        var frontier = 0
        var start = 0
        while start < size {
            var tillHere = best[start]
            if tillHere < -resetThreshold || tillHere > resetThreshold {
                let offset = tillHere
                if frontier >= start {
                    for i in start...frontier where i == start || from[i] != -1 { best[i] -= offset }
                }
                tillHere = 0
            }
            let charLength = min(UTF8Scanner.oneCharLength(text[start]), size - start)
            var hasSingle = false
            var node = PieceTrie.rootNode
            var end = start
            while end < size {
                node = trie.child(node, text[end])
                if node < 0 { break }
                end += 1
                let id = trie.id(at: node)
                if id < 0 || isUnused[Int(id)] { continue }
                frontier = max(frontier, end)
                let length = end - start
                let score: Float = isUserDefined[Int(id)] ? Float(0.1 * Double(length - 1)) : scores[Int(id)]
                let candidate = score + tillHere
                if from[end] == -1 || candidate > best[end] {
                    best[end] = candidate
                    from[end] = Int32(start)
                    ids[end] = id
                }
                if length == charLength { hasSingle = true }
            }
            if !hasSingle {
                let end = start + charLength
                frontier = max(frontier, end)
                let candidate = unkScore + tillHere
                if from[end] == -1 || candidate > best[end] {
                    best[end] = candidate
                    from[end] = Int32(start)
                    ids[end] = unknownID
                }
            }
            start += charLength
        }
        let first = result.count
        var end = size
        while end > 0 {
            let s = Int(from[end])
            guard s >= 0, s < end else { break }  // unreachable for valid UTF-8; never loop on bad input
            result.append(Segment(start: Int32(s), end: Int32(end), id: ids[end]))
            end = s
        }
        result[first...].reverse()
    }
}
