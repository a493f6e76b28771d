import Foundation
import SentencePiece
import SigLIP
import Testing

/// Broken model files are refused with an error naming the file; bad text never crashes.
@Suite("Bad input")
struct BadInputTests {
    private static func temporaryFile(_ bytes: [UInt8], name: String = "spiece.model") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sp-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    @Test(arguments: [
        ([0x0A, 0x80] as [UInt8], "truncated varint"),
        ([0x0A, 0x05, 0x01], "runs past the end"),
        ([0x0B, 0x00], "wire type"),
        ([0x0A, 0x03, 0x0A, 0x09, 0x61], "runs past the end"),  // a piece whose own length overruns its message
        ([0x0A, 0x03, 0x15, 0x00, 0x00], "truncated fixed32"),
        ([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "varint"),
    ])
    func malformedProtoThrowsNamingTheFile(bytes: [UInt8], reason: String) throws {
        let url = try Self.temporaryFile(bytes)
        let error = try #require(throws: SentencePieceError.self) { try SentencePieceProcessor(contentsOf: url) }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains(reason), "\(error)")
    }

    @Test func emptyFileHasNoPieces() throws {
        let url = try Self.temporaryFile([])
        let error = try #require(throws: SentencePieceError.self) { try SentencePieceProcessor(contentsOf: url) }
        #expect(error.description.contains(url.path))
    }

    @Test func missingFileNamesThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent/dir/spiece.model")
        let error = try #require(throws: SentencePieceError.self) { try SentencePieceProcessor(contentsOf: url) }
        #expect(error.description.contains(url.path))
    }

    /// Every prefix of a real model either loads or throws; none crashes, and every truncation inside a
    /// message is reported as malformed.
    @Test func everyTruncationOfARealModelIsHandled() throws {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.modelFile("unigram-identity")))
        var thrown = 0
        for length in stride(from: 0, to: bytes.count, by: 7) {
            do { _ = try SentencePieceProcessor(model: ModelProto(bytes: Array(bytes[..<length]), file: "cut.model"), file: "cut.model") } catch let error as SentencePieceError {
                #expect(error.description.hasPrefix("cut.model"))
                thrown += 1
            }
        }
        #expect(thrown > bytes.count / 7 / 2)
    }

    @Test func corruptCheckpointTokenizerNamesTheFile() throws {
        let url = try Self.temporaryFile([0x0A, 0x80])
        let error = try #require(throws: SentencePieceError.self) {
            try SiglipTokenizer(directory: url.deletingLastPathComponent(), maxLength: 64)
        }
        #expect(error.description.contains(url.path))
    }

    /// Malformed UTF-8 bytes: each bad byte becomes U+FFFD, as sentencepiece does (ids recorded from it).
    @Test(arguments: Fixtures.unigramModels + [Fixtures.bpeModel])
    func invalidUTF8MatchesReference(model: String) throws {
        let processor = try SentencePieceProcessor(contentsOf: Fixtures.modelFile(model))
        let rows = try Fixtures.lines(Fixtures.root.appendingPathComponent("invalid-utf8.jsonl"))
        #expect(rows.count >= 10)
        for row in rows {
            let object = try #require(try JSONSerialization.jsonObject(with: row) as? [String: Any])
            let hex = try #require(object["hex"] as? String)
            let want = try #require(object[model] as? [Int]).map(Int32.init)
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
                index = next
            }
            #expect(processor.encode(bytes: bytes) == want, "\(hex)")
        }
    }

    /// Serialises one `ModelProto.SentencePiece` (text, score, type) by hand.
    private static func piece(_ text: String, score: Float, type: UInt8) -> [UInt8] {
        func varint(_ v: Int) -> [UInt8] {
            var v = v, out: [UInt8] = []
            repeat { out.append(UInt8(v & 0x7F) | (v > 0x7F ? 0x80 : 0)); v >>= 7 } while v > 0
            return out
        }
        let bits = score.bitPattern
        let body = [0x0A] + varint(text.utf8.count) + Array(text.utf8)
            + [0x15, UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
            + [0x18, type]
        return [0x0A] + varint(body.count) + body
    }

    /// A hand-made model with an 8000-byte piece loads and segments without exhausting the stack.
    @Test func veryLongPieceIsFine() throws {
        let long = String(repeating: "ab", count: 4000)
        let bytes = Self.piece("<unk>", score: 0, type: 2) + Self.piece("a", score: -1, type: 1)
            + Self.piece("b", score: -1, type: 1) + Self.piece("\u{2581}", score: -1, type: 1) + Self.piece(long, score: -2, type: 1)
        let processor = try SentencePieceProcessor(model: ModelProto(bytes: bytes))
        #expect(processor.count == 5)
        let text = String(repeating: "ab", count: 4000)
        let ids = processor.encode(text)
        #expect(ids.contains(4))
        #expect(processor.encode("abc") == [3, 1, 2, 0])  // ▁ a b, then the unknown c
    }

    @Test func duplicatePieceIsRefused() throws {
        let bytes = Self.piece("<unk>", score: 0, type: 2) + Self.piece("a", score: -1, type: 1) + Self.piece("a", score: -2, type: 1)
        let error = try #require(throws: SentencePieceError.self) {
            try SentencePieceProcessor(model: ModelProto(bytes: bytes, file: "dup.model"), file: "dup.model")
        }
        #expect(error.description.contains("dup.model") && error.description.contains("defined twice"))
    }

    @Test func nonPositiveMaxLengthIsAnError() throws {
        #expect(throws: SentencePieceError.self) {
            try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent("unigram-nmt-nfkc"), maxLength: 0)
        }
    }
}
