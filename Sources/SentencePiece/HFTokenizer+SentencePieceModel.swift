import Foundation

extension HFTokenizer {
    /// The fast tokenizer transformers 5.24 builds for `GemmaTokenizer` / `Siglip2Tokenizer` from a SentencePiece
    /// BPE `.model` with byte fallback when a checkpoint has no `tokenizer.json`: every piece in the vocabulary,
    /// as merges every split of a piece into two pieces (pieces in id order, split points left to right: its
    /// `generate_merges` without scores), control, unknown and user-defined pieces as added tokens matched in the
    /// raw text, spaces replaced by `▁`, then the `Split(" ")` pre-tokeniser. `specialTokens` are the tokens the
    /// config names (`<bos>`, `<eos>`, …): those and control pieces are special, the other added tokens are not.
    public init(sentencePieceBPE url: URL, specialTokens: Set<String>) throws {
        let file = url.path
        let proto = try ModelProto(contentsOf: url)
        guard proto.modelType == .bpe, proto.byteFallback else {
            throw SentencePieceError.unsupported(file: file, component: "a .model other than BPE with byte fallback")
        }
        guard !proto.pieces.isEmpty, proto.pieces.count <= Int(Int32.max) else {
            throw SentencePieceError.invalidModel(file: file, reason: "\(proto.pieces.count) pieces")
        }
        var entries: [(token: String, id: Int32)] = []
        entries.reserveCapacity(proto.pieces.count)
        var vocabulary: [ExactText: Int32] = [:]
        vocabulary.reserveCapacity(proto.pieces.count)
        var added: [AddedToken] = []
        for (index, piece) in proto.pieces.enumerated() {
            let id = Int32(index)
            entries.append((piece.text, id))
            vocabulary[ExactText(bytes: piece.bytes)] = id  // a repeated piece keeps its last id, as a Python dict
            switch piece.type {
            case .control, .unknown, .userDefined:
                added.append(AddedToken(content: piece.text, id: id,
                                        special: piece.type == .control || specialTokens.contains(piece.text),
                                        normalized: false))
            case .normal, .unused, .byte: break
            }
        }
        guard let unknown = proto.pieces.first(where: { $0.type == .unknown })?.text else {
            throw SentencePieceError.invalidModel(file: file, reason: "no unknown piece")
        }
        let merges = Self.splitMerges(proto.pieces.map(\.bytes), vocabulary)
        let model = HFBPEModel(entries: entries, vocabulary: vocabulary, merges: merges, unknown: unknown,
                               byteFallback: true, fuseUnknown: true)
        self.init(model: model, addedTokens: added, normalizers: [.replace(pattern: " ", content: "\u{2581}")],
                  preTokenizers: [.split(pattern: " ", behavior: .mergedWithPrevious)])
    }

    /// Every (left, right) split of each piece, at UTF-8 scalar boundaries, whose two halves are both pieces.
    private static func splitMerges(_ pieces: [[UInt8]], _ vocabulary: [ExactText: Int32])
        -> [(left: Int32, right: Int32, merged: Int32)] {
        var merges: [(left: Int32, right: Int32, merged: Int32)] = []
        merges.reserveCapacity(pieces.count * 3)
        for bytes in pieces {
            guard bytes.count > 1, let merged = vocabulary[ExactText(bytes: bytes)] else { continue }
            for cut in 1..<bytes.count where bytes[cut] & 0xC0 != 0x80 {
                guard let left = vocabulary[ExactText(bytes: Array(bytes[..<cut]))],
                      let right = vocabulary[ExactText(bytes: Array(bytes[cut...]))] else { continue }
                merges.append((left, right, merged))
            }
        }
        return merges
    }
}
