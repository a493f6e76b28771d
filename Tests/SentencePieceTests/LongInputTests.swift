import Foundation
import SentencePiece
import SigLIP
import Testing

/// Long inputs: a ~60k-character string (sentencepiece re-bases its Viterbi score along the way) and the same
/// string repeated past 10 MB, which must come out truncated exactly as the reference truncates it, in linear time.
@Suite("Long inputs")
struct LongInputTests {
    struct Long: Decodable {
        struct Reference: Decodable {
            var sp: [Int32]
            var hf64: [Int32]?
            var v2: [Int32]?
            var big64: [Int32]
        }
        var text: String
        var repeatCount: Int
        var references: [String: Reference]

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            text = try container.decode(String.self, forKey: Key(stringValue: "text"))
            repeatCount = try container.decode(Int.self, forKey: Key(stringValue: "repeat"))
            references = [:]
            for key in container.allKeys where key.stringValue != "text" && key.stringValue != "repeat" {
                references[key.stringValue] = try container.decode(Reference.self, forKey: key)
            }
        }

        /// The ≥10 MB string the fixture script tokenized: `text` joined with spaces `repeat` times.
        var big: String { Array(repeating: text, count: repeatCount).joined(separator: " ") }
    }

    static let long: Long? = {
        guard let line = try? Fixtures.lines(Fixtures.root.appendingPathComponent("long.jsonl")).first else { return nil }
        return try? JSONDecoder().decode(Long.self, from: line)
    }()

    static let models = Fixtures.unigramModels + [Fixtures.bpeModel]

    @Test(arguments: models)
    func rawIdsMatchOnALongString(model: String) throws {
        let long = try #require(Self.long)
        let reference = try #require(long.references[model])
        #expect(long.text.count > 50_000)
        let processor = try SentencePieceProcessor(contentsOf: Fixtures.modelFile(model))
        #expect(processor.encode(long.text) == reference.sp)
    }

    @Test(arguments: models)
    func pipelineMatchesOnLongAndTenMegabyteStrings(model: String) throws {
        let long = try #require(Self.long)
        let reference = try #require(long.references[model])
        let tokenizer = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent(model), maxLength: 64)
        let pad = tokenizer.padID
        let want = try #require(reference.hf64 ?? reference.v2)
        #expect(tokenizer.encode(long.text) == Fixtures.padded(want, to: 64, with: pad))
        let big = long.big
        #expect(big.utf8.count >= 10_000_000)
        let got = tokenizer.encode(big)
        #expect(got == Fixtures.padded(reference.big64, to: 64, with: pad))
        #expect(got.count == 64 && got.last == tokenizer.eosID)
    }

    /// Ten times the text must take well under a hundred times as long (quadratic work would be ~100×).
    @Test func timeGrowsLinearly() throws {
        let long = try #require(Self.long)
        let tokenizer = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent("unigram-nmt-nfkc"), maxLength: 64)
        let small = Array(repeating: long.text, count: 4).joined(separator: " ")
        let large = Array(repeating: long.text, count: 40).joined(separator: " ")
        func seconds(_ text: String) -> Double {
            let clock = ContinuousClock()
            let elapsed = clock.measure { _ = tokenizer.encode(text) }
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        _ = seconds(small)
        let ratio = seconds(large) / seconds(small)
        #expect(ratio < 30, "10× longer text took \(ratio)× as long")
    }
}
