import Foundation
import SentencePiece
import SigLIP
import Testing

/// SigLIP 2 text ids with the real Gemma vocabulary (256,000 pieces, the `tokenizer.model` of Google's SigLIP 2
/// checkpoints) against transformers' `Siglip2Tokenizer` built from the same file
/// (scripts/fixtures/gemma_vocab_fixtures.py). Ids must match exactly.
@Suite("SigLIP 2 with the real Gemma vocabulary matches transformers")
struct GemmaVocabularyTests {
    static let directory = Fixtures.root.appendingPathComponent("gemma-real")
    static let modelFile = directory.appendingPathComponent("tokenizer.model")

    struct Row: Decodable {
        var text: String
        var v2: [Int32]
        var full: [Int32]?
    }

    private struct Header: Decodable {
        var pad_id: Int32
        var hard: Int
    }

    /// The hard strings (with untruncated ids) and the corpus rows, in file order.
    static func rows() throws -> (hard: Int, rows: [Row]) {
        let lines = try Fixtures.lines(directory.appendingPathComponent("expected.jsonl"))
        let first = try #require(lines.first)
        let header = try JSONDecoder().decode(Header.self, from: first)
        #expect(header.pad_id == 0)
        return (header.hard, try lines.dropFirst().map { try JSONDecoder().decode(Row.self, from: $0) })
    }

    @Test func vocabularyIsGemmas() throws {
        let size = try FileManager.default.attributesOfItem(atPath: Self.modelFile.path)[.size] as? Int
        #expect(size == 4_241_003)
        let proto = try ModelProto(contentsOf: Self.modelFile)
        #expect(proto.pieces.count == 256_000)
        #expect(proto.modelType == .bpe && proto.byteFallback)
        #expect(proto.pieces.prefix(4).map(\.text) == ["<pad>", "<eos>", "<bos>", "<unk>"])
        #expect(proto.pieces.filter { $0.type == .byte }.count == 256)
    }

    @Test func paddedIdsMatchEveryString() throws {
        let start = ContinuousClock.now
        let tokenizer = try SiglipTokenizer(directory: Self.directory, maxLength: 64)
        let loaded = ContinuousClock.now - start
        #expect(tokenizer.pipeline == .siglip2 && tokenizer.eosID == 1 && tokenizer.padID == 0)
        let (hard, rows) = try Self.rows()
        try #require(hard > 100 && rows.count == hard + Fixtures.corpusCount)
        var mismatches = 0
        let encodeStart = ContinuousClock.now
        for row in rows {
            let want = Fixtures.padded(row.v2, to: 64, with: 0)
            let got = tokenizer.encode(row.text)
            if got != want {
                mismatches += 1
                if mismatches <= 8 { Issue.record("\(row.text.debugDescription): got \(got), want \(want)") }
            }
        }
        let encoded = ContinuousClock.now - encodeStart
        #expect(mismatches == 0, "\(mismatches) of \(rows.count) strings differ")
        print("gemma-real: load \(loaded), \(rows.count) strings encoded in \(encoded)")
    }

    @Test func untruncatedIdsMatchTheHardStrings() throws {
        let tokenizer = try HFTokenizer(sentencePieceBPE: Self.modelFile,
                                        specialTokens: ["<bos>", "<eos>", "<unk>", "<pad>", "<mask>"]).withLowercaseFirst()
        let (hard, rows) = try Self.rows()
        var checked = 0, mismatches = 0, pastLimit = 0
        for row in rows.prefix(hard) {
            let want = try #require(row.full)
            checked += 1
            if want.count > 63 { pastLimit += 1 }
            let got = tokenizer.encode(row.text)
            if got != want {
                mismatches += 1
                if mismatches <= 8 { Issue.record("\(row.text.debugDescription): got \(got), want \(want)") }
            }
        }
        #expect(checked == hard && pastLimit >= 5)
        #expect(mismatches == 0, "\(mismatches) of \(checked) strings differ")
    }

    @Test func canonicallyEquivalentPiecesKeepTheirOwnIds() throws {
        let tokenizer = try HFTokenizer(sentencePieceBPE: Self.modelFile, specialTokens: [])
        // `▁à` (U+00E0) and `▁a` + U+0300 are different pieces; `String` equality would merge them.
        let composed = try #require(tokenizer.id(for: "\u{2581}\u{E0}"))
        let decomposed = try #require(tokenizer.id(for: "\u{2581}a\u{300}"))
        #expect(composed == 1305 && decomposed == 217_138)
    }

    @Test func truncatedModelFileIsRefusedNamingIt() throws {
        let data = try Data(contentsOf: Self.modelFile)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gemma-cut-\(UUID().uuidString).model")
        try data.prefix(data.count / 2).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            _ = try HFTokenizer(sentencePieceBPE: url, specialTokens: [])
        } throws: { error in
            "\(error)".contains(url.path)
        }
    }
}
