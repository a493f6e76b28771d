import Foundation

/// The contents of a SentencePiece `.model` file (the `ModelProto` message), read without a protobuf runtime.
public struct ModelProto: Sendable {
    /// The role of a piece, as in `ModelProto.SentencePiece.Type`.
    public enum PieceType: Int32, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, byte = 6, unused = 5
    }

    /// One vocabulary entry.
    public struct Piece: Sendable {
        /// The piece text; `▁` (U+2581) stands for a space.
        public var text: String
        /// The piece as UTF-8 bytes, which is what matching uses.
        public var bytes: [UInt8]
        /// Log-probability (unigram) or merge priority (BPE).
        public var score: Float
        /// The piece's role; absent on the wire means normal.
        public var type: PieceType
    }

    /// The segmentation algorithm, as in `TrainerSpec.ModelType`.
    public enum ModelType: Int32, Sendable {
        case unigram = 1, bpe = 2, word = 3, char = 4
    }

    /// All pieces; the id of a piece is its index.
    public var pieces: [Piece] = []
    /// The algorithm the model was trained with (proto2 default: unigram).
    public var modelType: ModelType = .unigram
    /// Whether unknown characters are spelled as `<0xNN>` byte pieces.
    public var byteFallback = false
    /// Whether the whitespace marker goes after words instead of before them.
    public var treatWhitespaceAsSuffix = false
    /// The surface used when decoding `<unk>` (proto2 default " ⁇ ").
    public var unkSurface = " \u{2047} "
    /// The normalisation rules applied before segmentation.
    public var normalizer = NormalizerSpec()

    /// Normalisation settings, as in `NormalizerSpec`; defaults are the proto2 defaults.
    public struct NormalizerSpec: Sendable {
        /// The rule name the trainer used (`nmt_nfkc`, `identity`, …); informative only.
        public var name = ""
        /// The compiled rules: a darts-clone trie plus a pool of replacement strings.
        public var precompiledCharsmap: [UInt8] = []
        /// Whether a `▁` is put before the text.
        public var addDummyPrefix = true
        /// Whether leading, trailing and repeated spaces are dropped.
        public var removeExtraWhitespaces = true
        /// Whether spaces become `▁`.
        public var escapeWhitespaces = true
    }

    /// Reads a `.model` file; errors name the file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SentencePieceError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data), file: url.path)
    }

    /// Parses serialized `ModelProto` bytes; `file` is used in error messages.
    public init(bytes: [UInt8], file: String = "<memory>") throws {
        var reader = ProtoReader(bytes: bytes, file: file)
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited): pieces.append(try Self.readPiece(reader.nested(try reader.readLengthDelimited())))
            case (2, .lengthDelimited): try readTrainerSpec(reader.nested(try reader.readLengthDelimited()))
            case (3, .lengthDelimited): try readNormalizerSpec(reader.nested(try reader.readLengthDelimited()))
            default: try reader.skip(wire)
            }
        }
        guard !pieces.isEmpty else { throw SentencePieceError.invalidModel(file: file, reason: "no pieces") }
    }

    private static func readPiece(_ message: ProtoReader) throws -> Piece {
        var reader = message
        var piece = Piece(text: "", bytes: [], score: 0, type: .normal)
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited):
                piece.bytes = Array(reader.bytes[try reader.readLengthDelimited()])
                piece.text = String(decoding: piece.bytes, as: UTF8.self)
            case (2, .fixed32): piece.score = try reader.readFloat()
            case (3, .varint):
                let raw = try reader.readInt32()
                guard let type = PieceType(rawValue: raw) else {
                    throw SentencePieceError.malformedProto(file: reader.file, offset: reader.offset,
                                                            reason: "unknown piece type \(raw)")
                }
                piece.type = type
            default: try reader.skip(wire)
            }
        }
        return piece
    }

    private mutating func readTrainerSpec(_ message: ProtoReader) throws {
        var reader = message
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (3, .varint):
                let raw = try reader.readInt32()
                guard let type = ModelType(rawValue: raw) else {
                    throw SentencePieceError.invalidModel(file: reader.file, reason: "unknown model type \(raw)")
                }
                modelType = type
            case (24, .varint): treatWhitespaceAsSuffix = try reader.readBool()
            case (35, .varint): byteFallback = try reader.readBool()
            case (44, .lengthDelimited): unkSurface = try reader.readString()
            default: try reader.skip(wire)
            }
        }
    }

    private mutating func readNormalizerSpec(_ message: ProtoReader) throws {
        var reader = message
        while !reader.isAtEnd {
            let (field, wire) = try reader.readTag()
            switch (field, wire) {
            case (1, .lengthDelimited): normalizer.name = try reader.readString()
            case (2, .lengthDelimited): normalizer.precompiledCharsmap = Array(reader.bytes[try reader.readLengthDelimited()])
            case (3, .varint): normalizer.addDummyPrefix = try reader.readBool()
            case (4, .varint): normalizer.removeExtraWhitespaces = try reader.readBool()
            case (5, .varint): normalizer.escapeWhitespaces = try reader.readBool()
            default: try reader.skip(wire)
            }
        }
    }
}
