import Foundation

/// Reads `model.vocab` of a `tokenizer.json` with every key kept byte for byte. `JSONDecoder` gives a
/// `[String: Int32]`, and `String` keys are equal under canonical equivalence, so two distinct vocabulary entries
/// such as `▁à` and `▁a` + U+0300 (Gemma has 61 such pairs) would collapse into one.
struct ExactVocabularyReader {
    private let bytes: [UInt8]
    private var at = 0
    private let file: String

    /// Every `(token, id)` of `model.vocab`, in file order; throws `invalidJSON` naming `file` and the offset.
    static func entries(in data: Data, file: String) throws -> [(token: [UInt8], id: Int32)] {
        var reader = ExactVocabularyReader(bytes: [UInt8](data), file: file)
        guard try reader.findKey("model", inObjectAt: "the top level"), try reader.findKey("vocab", inObjectAt: "model") else {
            throw SentencePieceError.invalidJSON(file: file, reason: "no model.vocab object")
        }
        return try reader.vocabularyObject()
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func failure(_ reason: String) -> SentencePieceError {
        .invalidJSON(file: file, reason: "\(reason) at byte \(at)")
    }

    private mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { throw failure("expected '\(Character(UnicodeScalar(byte)))'") }
        at += 1
    }

    /// Enters the object here and stops after `key`'s colon; false if the object has no such key.
    private mutating func findKey(_ key: String, inObjectAt place: String) throws -> Bool {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { return false }
        while true {
            let name = try string()
            try expect(UInt8(ascii: ":"))
            if name == Array(key.utf8) { return true }
            try skipValue()
            skipSpace()
            guard at < bytes.count else { throw failure("unterminated object in \(place)") }
            if bytes[at] == UInt8(ascii: "}") { return false }
            try expect(UInt8(ascii: ","))
        }
    }

    /// The object of token → integer id here.
    private mutating func vocabularyObject() throws -> [(token: [UInt8], id: Int32)] {
        var entries: [(token: [UInt8], id: Int32)] = []
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { return entries }
        while true {
            let token = try string()
            try expect(UInt8(ascii: ":"))
            entries.append((token, try integer()))
            skipSpace()
            guard at < bytes.count else { throw failure("unterminated model.vocab") }
            if bytes[at] == UInt8(ascii: "}") { return entries }
            try expect(UInt8(ascii: ","))
        }
    }

    private mutating func integer() throws -> Int32 {
        skipSpace()
        let start = at
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
        while at < bytes.count, (0x30...0x39).contains(bytes[at]) { at += 1 }
        guard let text = String(bytes: bytes[start..<at], encoding: .ascii), let value = Int32(text) else {
            throw failure("a vocabulary id is not a 32-bit integer")
        }
        return value
    }

    /// A string's UTF-8 bytes with its escapes decoded (`\uXXXX` surrogate pairs joined), no normalisation.
    private mutating func string() throws -> [UInt8] {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while at < bytes.count {
            let byte = bytes[at]
            at += 1
            switch byte {
            case UInt8(ascii: "\""): return out
            case UInt8(ascii: "\\"): try escape(into: &out)
            default: out.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func escape(into out: inout [UInt8]) throws {
        guard at < bytes.count else { throw failure("unterminated escape") }
        let kind = bytes[at]
        at += 1
        let simple: [UInt8: UInt8] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 0x08, 0x66: 0x0C, 0x6E: 0x0A, 0x72: 0x0D, 0x74: 0x09]
        if let byte = simple[kind] { out.append(byte); return }
        guard kind == UInt8(ascii: "u") else { throw failure("unknown escape") }
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                throw failure("a lone high surrogate")
            }
            at += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("a high surrogate without its low half") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw failure("a lone low surrogate") }
        out.append(contentsOf: Array(String(Character(unicode)).utf8))
    }

    private mutating func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count, let text = String(bytes: bytes[at..<at + 4], encoding: .ascii),
              let value = UInt32(text, radix: 16) else { throw failure("a bad \\u escape") }
        at += 4
        return value
    }

    /// Steps over any JSON value (strings honour escapes, so brackets inside them do not count).
    private mutating func skipValue() throws {
        skipSpace()
        var depth = 0
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "\""):
                _ = try string()
                if depth == 0 { return }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                at += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return }  // the enclosing container ends: a number, true, false or null ended
                depth -= 1
                at += 1
                if depth == 0 { return }
            case UInt8(ascii: ",") where depth == 0:
                return
            default:
                at += 1
            }
        }
        throw failure("unterminated value")
    }
}
