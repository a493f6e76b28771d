/// Why a tokenizer file could not be used; every case names the file so the message stands on its own.
public enum SentencePieceError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The protobuf bytes are broken (truncated varint, length past the end, bad wire type).
    case malformedProto(file: String, offset: Int, reason: String)
    /// The model parses but is not usable (no pieces, no `<unk>`, missing byte pieces, broken charsmap).
    case invalidModel(file: String, reason: String)
    /// A tokenizer.json or tokenizer_config.json that is not valid JSON or has an unexpected shape.
    case invalidJSON(file: String, reason: String)
    /// A tokenizer.json component this library does not implement (it would give wrong ids silently).
    case unsupported(file: String, component: String)

    /// A one-line message naming the file.
    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read: \(reason)"
        case let .malformedProto(file, offset, reason): return "\(file): malformed model at byte \(offset): \(reason)"
        case let .invalidModel(file, reason): return "\(file): invalid model: \(reason)"
        case let .invalidJSON(file, reason): return "\(file): invalid JSON: \(reason)"
        case let .unsupported(file, component): return "\(file): unsupported tokenizer component \(component)"
        }
    }
}
