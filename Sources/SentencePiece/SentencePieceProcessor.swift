import Foundation

/// A SentencePiece tokenizer read from a `.model` file: normalise, segment (unigram or BPE), and decode,
/// giving the same ids as the `sentencepiece` library's `encode`/`decode` with default options.
public struct SentencePieceProcessor: Sendable {
    /// The parsed model file.
    public let model: ModelProto
    /// The id of the unknown piece.
    public let unknownID: Int32

    private let normalizer: Normalizer
    private let segmenter: Segmenter
    private let reserved: PieceTrie  // control, unknown and byte pieces: looked up by text before the others
    private let vocabulary: PieceTrie  // normal, user-defined and unused pieces
    private let byteIDs: [Int32]  // `<0xNN>` ids, empty without byte fallback

    private enum Segmenter: Sendable {
        case unigram(UnigramModel)
        case bpe(BPEModel)
    }

    /// Loads a `.model` file; errors name the file.
    public init(contentsOf url: URL) throws {
        try self.init(model: ModelProto(contentsOf: url), file: url.path)
    }

    /// Builds a processor from a parsed model; `file` is used in error messages.
    public init(model: ModelProto, file: String = "<memory>") throws {
        self.model = model
        var normal: [([UInt8], Int32)] = [], special: [([UInt8], Int32)] = [], userDefined: [([UInt8], Int32)] = []
        var unknown: Int32?
        var bytes = [Int32](repeating: -1, count: 256)
        for (index, piece) in model.pieces.enumerated() {
            let id = Int32(index)
            guard !piece.bytes.isEmpty else { throw SentencePieceError.invalidModel(file: file, reason: "empty piece \(id)") }
            switch piece.type {
            case .normal, .unused: normal.append((piece.bytes, id))
            case .userDefined:
                normal.append((piece.bytes, id))
                userDefined.append((piece.bytes, id))
            case .unknown:
                guard unknown == nil else { throw SentencePieceError.invalidModel(file: file, reason: "two unknown pieces") }
                unknown = id
                special.append((piece.bytes, id))
            case .control: special.append((piece.bytes, id))
            case .byte:
                guard model.byteFallback, let value = Self.byteValue(piece.text) else {
                    throw SentencePieceError.invalidModel(file: file, reason: "unexpected byte piece \(piece.text)")
                }
                bytes[value] = id
                special.append((piece.bytes, id))
            }
        }
        guard let unknown else { throw SentencePieceError.invalidModel(file: file, reason: "no unknown piece") }
        if model.byteFallback && bytes.contains(-1) {
            throw SentencePieceError.invalidModel(file: file, reason: "byte_fallback is set but not all 256 byte pieces exist")
        }
        unknownID = unknown
        byteIDs = model.byteFallback ? bytes : []
        vocabulary = PieceTrie(normal.map { (bytes: $0.0, id: $0.1) })
        reserved = PieceTrie(special.map { (bytes: $0.0, id: $0.1) })
        if let id = (vocabulary.duplicates + reserved.duplicates).first, let piece = model.pieces[safe: id] {
            throw SentencePieceError.invalidModel(file: file, reason: "piece \(piece.text) is defined twice")
        }
        let matcher = userDefined.isEmpty ? nil : PieceTrie(userDefined.map { (bytes: $0.0, id: $0.1) })
        normalizer = try Normalizer(spec: model.normalizer, treatWhitespaceAsSuffix: model.treatWhitespaceAsSuffix,
                                    userDefined: matcher, file: file)
        switch model.modelType {
        case .unigram: segmenter = .unigram(UnigramModel(pieces: model.pieces, trie: vocabulary, unknownID: unknown))
        case .bpe:
            segmenter = .bpe(BPEModel(trie: vocabulary, scores: model.pieces.map(\.score),
                                      isUnused: model.pieces.map { $0.type == .unused }, userDefined: matcher))
        case .word, .char:
            throw SentencePieceError.invalidModel(file: file, reason: "model type \(model.modelType) is not supported")
        }
    }

    /// `<0xNN>` → NN.
    static func byteValue(_ piece: String) -> Int? {
        let u = Array(piece.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E,
              let value = Int(String(decoding: u[3..<5], as: UTF8.self), radix: 16) else { return nil }
        return value
    }

    /// Number of pieces (the vocabulary size).
    public var count: Int { model.pieces.count }

    /// The text of piece `id`, or nil if out of range.
    public func piece(for id: Int32) -> String? {
        guard id >= 0, Int(id) < model.pieces.count else { return nil }
        return model.pieces[Int(id)].text
    }

    /// The id of a piece by its text; the unknown id if there is none (as `PieceToId`).
    public func id(for piece: String) -> Int32 {
        reserved.exact(piece.utf8) ?? vocabulary.exact(piece.utf8) ?? unknownID
    }

    /// The type of piece `id`, or nil if out of range.
    public func type(of id: Int32) -> ModelProto.PieceType? {
        guard id >= 0, Int(id) < model.pieces.count else { return nil }
        return model.pieces[Int(id)].type
    }

    /// The normalised text the model segments (with `▁` for spaces).
    public func normalize(_ text: String) -> String {
        String(decoding: Array(text.utf8).withUnsafeBufferPointer { normalizer.normalize($0) }, as: UTF8.self)
    }

    /// Encodes text to ids.
    public func encode(_ text: String) -> [Int32] {
        var text = text
        return text.withUTF8 { input in segment(input, ranges: false) { ids, _, _ in ids } }
    }

    /// Encodes raw bytes to ids; malformed UTF-8 becomes U+FFFD one byte at a time, as SentencePiece does.
    public func encode(bytes: [UInt8]) -> [Int32] {
        bytes.withUnsafeBufferPointer { input in segment(input, ranges: false) { ids, _, _ in ids } }
    }

    /// Encodes text to piece strings; a fused unknown run is one piece spelled as its normalised text.
    public func encodeAsPieces(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { input in
            segment(input, ranges: true) { ids, ranges, normalized in
                zip(ids, ranges).map { id, range in
                    range.isEmpty ? (piece(for: id) ?? "") : String(decoding: normalized[range], as: UTF8.self)
                }
            }
        }
    }

    /// Normalises and segments, then hands the final ids, the normalised byte range of each (empty for byte
    /// pieces; only collected when `ranges` is set), and the normalised text to `body`.
    private func segment<T>(_ input: UnsafeBufferPointer<UInt8>, ranges wantRanges: Bool,
                            _ body: ([Int32], [Range<Int>], UnsafeBufferPointer<UInt8>) -> T) -> T {
        let normalized = normalizer.normalize(input)
        return normalized.withUnsafeBufferPointer { text in
            var segments: [Segment] = []
            segments.reserveCapacity(text.count / 3 + 1)
            switch segmenter {
            case .unigram(let model): model.encode(text, into: &segments)
            case .bpe(let model): model.encode(text, into: &segments)
            }
            var ids: [Int32] = []
            var ranges: [Range<Int>] = []
            assemble(segments, text, ids: &ids, ranges: &ranges, collectRanges: wantRanges)
            return body(ids, ranges, text)
        }
    }

    /// Resolves final ids, fuses runs of unknowns, and spells unknowns as bytes under byte fallback
    /// (`PopulateSentencePieceText`).
    private func assemble(_ segments: [Segment], _ text: UnsafeBufferPointer<UInt8>,
                          ids: inout [Int32], ranges: inout [Range<Int>], collectRanges: Bool) {
        ids.reserveCapacity(segments.count)
        if collectRanges { ranges.reserveCapacity(segments.count) }
        var lastUnknownStart = 0
        var previousUnknown = false
        for segment in segments {
            let range = Int(segment.start)..<Int(segment.end)
            var id = segment.id
            if id < 0 { id = unknownID }  // a BPE symbol that is no piece (0.2.3 never maps it to a reserved id)
            let isUnknown = id == unknownID
            if isUnknown && !byteIDs.isEmpty {
                for b in text[range] {
                    ids.append(byteIDs[Int(b)])
                    if collectRanges { ranges.append(range.lowerBound..<range.lowerBound) }
                }
            } else if isUnknown && previousUnknown {
                if collectRanges { ranges[ids.count - 1] = lastUnknownStart..<range.upperBound }
            } else {
                if isUnknown { lastUnknownStart = range.lowerBound }
                ids.append(id)
                if collectRanges { ranges.append(range) }
            }
            previousUnknown = isUnknown
        }
    }
}

extension Array {
    /// The element at `index` if it is in range.
    subscript(safe index: Int32) -> Element? {
        index >= 0 && Int(index) < count ? self[Int(index)] : nil
    }
}
