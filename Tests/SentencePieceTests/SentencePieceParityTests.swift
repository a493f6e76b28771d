import Foundation
import SentencePiece
import Testing

/// Raw `sentencepiece` parity: our encode/decode against the Python binding's on every corpus string.
@Suite("SentencePiece parity with the reference library")
struct SentencePieceParityTests {
    static let models = Fixtures.unigramModels + [Fixtures.bpeModel]

    @Test func corpusIsLargeEnough() {
        #expect(Fixtures.corpus.count >= 5000)
    }

    @Test(arguments: models)
    func encodeMatchesEveryCorpusString(model: String) throws {
        let processor = try SentencePieceProcessor(contentsOf: Fixtures.modelFile(model))
        let (_, rows) = try Fixtures.expected(model)
        try #require(Fixtures.corpus.count == Fixtures.corpusCount && rows.count == Fixtures.corpus.count)
        var mismatches = 0
        for (text, row) in zip(Fixtures.corpus, rows) {
            let ids = processor.encode(text)
            if ids != row.sp {
                mismatches += 1
                if mismatches <= 5 {
                    let pieces = processor.encodeAsPieces(text)
                    Issue.record("\(model): \(text.debugDescription): got \(ids), want \(row.sp); pieces \(pieces)")
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(rows.count) strings differ")
    }

    @Test(arguments: models)
    func decodeMatchesReference(model: String) throws {
        let processor = try SentencePieceProcessor(contentsOf: Fixtures.modelFile(model))
        let (_, rows) = try Fixtures.expected(model)
        var checked = 0, mismatches = 0
        for row in rows {
            guard let want = row.dec else { continue }
            checked += 1
            let got = processor.decode(row.sp)
            if got != want {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(model): decode \(row.sp): got \(got.debugDescription), want \(want.debugDescription)") }
            }
        }
        #expect(checked > 1000)
        #expect(mismatches == 0)
    }
}

/// Models with UNUSED pieces (edited copies; the trainer never writes them): unigram skips them in the lattice,
/// BPE splits them back into the pieces they were merged from.
@Suite("Unused pieces")
struct UnusedPieceTests {
    @Test(arguments: ["unigram-identity", "bpe-gemma"])
    func idsMatchReference(model: String) throws {
        let directory = Fixtures.root.appendingPathComponent("unused")
        let processor = try SentencePieceProcessor(contentsOf: directory.appendingPathComponent(model + ".model"))
        #expect(processor.model.pieces.contains { $0.type == .unused })
        let lines = try Fixtures.lines(directory.appendingPathComponent("expected.jsonl")).dropFirst()
        try #require(lines.count == 1500 && Fixtures.corpus.count == Fixtures.corpusCount)
        var mismatches = 0
        for (text, line) in zip(Fixtures.corpus, lines) {
            let row = try #require(try JSONSerialization.jsonObject(with: line) as? [String: [Int]])
            let want = try #require(row[model]).map(Int32.init)
            if processor.encode(text) != want {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(model) \(text.debugDescription): got \(processor.encode(text)), want \(want)") }
            }
        }
        #expect(mismatches == 0)
    }
}

/// More normaliser set-ups: `nmt_nfkc_cf` (case folding) with the whitespace marker as a suffix, and BPE over `nfkc`.
@Suite("Normalisation variants")
struct NormalizationVariantTests {
    /// One field of a variants row: ids, a decoded string, or null.
    enum Value: Decodable {
        case ids([Int32]), text(String), none
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .none } else if let ids = try? container.decode([Int32].self) {
                self = .ids(ids)
            } else { self = .text(try container.decode(String.self)) }
        }
    }

    @Test(arguments: ["unigram-nmt-nfkc-cf-suffix", "bpe-nfkc"])
    func idsAndDecodesMatchReference(model: String) throws {
        let directory = Fixtures.root.appendingPathComponent("variants")
        let processor = try SentencePieceProcessor(contentsOf: directory.appendingPathComponent(model + ".model"))
        let lines = try Fixtures.lines(directory.appendingPathComponent("expected.jsonl")).dropFirst()
        try #require(lines.count == 1500 && Fixtures.corpus.count == Fixtures.corpusCount)
        var mismatches = 0, decodes = 0
        for (text, line) in zip(Fixtures.corpus, lines) {
            // JSONDecoder, not JSONSerialization: the latter drops a leading U+FEFF from strings.
            let row = try JSONDecoder().decode([String: Value].self, from: line)
            guard case .ids(let want) = row[model] else { throw CocoaError(.fileReadCorruptFile) }
            if processor.encode(text) != want {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(model) \(text.debugDescription): got \(processor.encode(text)), want \(want)") }
            }
            if case .text(let decoded) = row[model + ":dec"] {
                decodes += 1
                #expect(processor.decode(want) == decoded, "\(model) decode \(want)")
            }
        }
        #expect(mismatches == 0)
        #expect(decodes > 300)
    }
}
