/// A forward-only reader of protobuf wire format over a byte buffer: just enough for `ModelProto`.
///
/// Every read is bounds-checked and throws `SentencePieceError.malformedProto` rather than trapping,
/// because the bytes come from a file we did not write.
struct ProtoReader {
    /// Wire types of protobuf encoding; groups (3, 4) are obsolete and rejected.
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    let bytes: [UInt8]
    let file: String
    private(set) var offset: Int
    let end: Int

    init(bytes: [UInt8], file: String, range: Range<Int>? = nil) {
        self.bytes = bytes
        self.file = file
        self.offset = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { offset >= end }

    private func fail(_ reason: String) -> SentencePieceError {
        .malformedProto(file: file, offset: offset, reason: reason)
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw fail("truncated varint") }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a field key and returns its number and wire type.
    mutating func readTag() throws -> (field: Int, wire: WireType) {
        let key = try readVarint()
        guard let wire = WireType(rawValue: key & 7) else { throw fail("unsupported wire type \(key & 7)") }
        let field = key >> 3
        guard field > 0, field < 1 << 29 else { throw fail("bad field number \(field)") }
        return (Int(field), wire)
    }

    mutating func readFixed32() throws -> UInt32 {
        guard end - offset >= 4 else { throw fail("truncated fixed32") }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return value
    }

    mutating func readFloat() throws -> Float { Float(bitPattern: try readFixed32()) }

    /// Reads a length prefix and returns the range of the payload, moving past it.
    mutating func readLengthDelimited() throws -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - offset) else { throw fail("length \(length) runs past the end") }
        let range = offset..<(offset + Int(length))
        offset = range.upperBound
        return range
    }

    mutating func readString() throws -> String {
        String(decoding: bytes[try readLengthDelimited()], as: UTF8.self)
    }

    mutating func readBool() throws -> Bool { try readVarint() != 0 }

    /// proto2 int32 is sign-extended to 64 bits on the wire; keep the low 32.
    mutating func readInt32() throws -> Int32 { Int32(truncatingIfNeeded: try readVarint()) }

    mutating func skip(_ wire: WireType) throws {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64:
            guard end - offset >= 8 else { throw fail("truncated fixed64") }
            offset += 8
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        }
    }

    /// A reader over a nested message payload.
    func nested(_ range: Range<Int>) -> ProtoReader { ProtoReader(bytes: bytes, file: file, range: range) }
}
