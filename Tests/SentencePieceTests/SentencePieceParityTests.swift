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
