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
        try #require(rows.count == Fixtures.corpus.count)
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
        #expect(lines.count == 1500)
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
