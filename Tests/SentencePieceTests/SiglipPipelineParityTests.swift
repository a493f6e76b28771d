import Foundation
import SigLIP
import Testing

/// The SigLIP text pipelines against transformers' `SiglipTokenizer` / `Siglip2Tokenizer` on the whole corpus.
@Suite("SigLIP tokenizer pipelines match transformers")
struct SiglipPipelineParityTests {
    /// (model directory, max length, which stored reference) for every recorded reference.
    static let cases: [(String, Int, String)] = Fixtures.unigramModels.flatMap { [($0, 64, "hf64"), ($0, 16, "hf16")] }
        + [(Fixtures.bpeModel, 64, "v2")]

    @Test(arguments: cases)
    func idsMatchEveryCorpusString(model: String, maxLength: Int, reference: String) throws {
        let tokenizer = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent(model), maxLength: maxLength)
        #expect(tokenizer.pipeline == (reference == "v2" ? .siglip2 : .siglip))
        let (pad, rows) = try Fixtures.expected(model)
        try #require(Fixtures.corpus.count == Fixtures.corpusCount && rows.count == Fixtures.corpus.count)
        var mismatches = 0
        for (text, row) in zip(Fixtures.corpus, rows) {
            let stored = reference == "hf64" ? row.hf64 : reference == "hf16" ? row.hf16 : row.v2
            let want = Fixtures.padded(try #require(stored), to: maxLength, with: pad)
            let got = tokenizer.encode(text)
            if got != want {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("\(model)/\(reference) \(text.debugDescription): got \(got), want \(want); tokens \(tokenizer.tokenize(text))")
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(rows.count) strings differ")
    }

    @Test(arguments: Fixtures.unigramModels + [Fixtures.bpeModel])
    func tokensMatchTransformersTokenize(model: String) throws {
        let tokenizer = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent(model), maxLength: 64)
        let (_, rows) = try Fixtures.expected(model)
        try #require(Fixtures.corpus.count == Fixtures.corpusCount && rows.count == Fixtures.corpus.count)
        var checked = 0, mismatches = 0
        for (text, row) in zip(Fixtures.corpus, rows) {
            guard let want = row.tok else { continue }
            checked += 1
            let got = tokenizer.tokenize(text)
            if got != want {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(model) \(text.debugDescription): got \(got), want \(want)") }
            }
        }
        #expect(checked > 1000)
        #expect(mismatches == 0, "\(mismatches) of \(checked) strings differ")
    }
}

/// `tokenizer_config.json` settings change the v1 pipeline as they change transformers': `do_lower_case: false`.
@Suite("SigLIP tokenizer config variants")
struct SiglipConfigVariantTests {
    @Test func casedConfigMatchesTransformers() throws {
        let variant = Fixtures.root.appendingPathComponent("config-variants/cased")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cased-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (source, name) in [(variant.appendingPathComponent("tokenizer_config.json"), "tokenizer_config.json"),
                               (Fixtures.modelFile("unigram-nmt-nfkc"), "spiece.model")] {
            try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent(name))
        }
        let tokenizer = try SiglipTokenizer(directory: directory, maxLength: 64)
        let lines = try Fixtures.lines(variant.appendingPathComponent("expected.jsonl")).dropFirst()
        try #require(lines.count == 1500 && Fixtures.corpus.count == Fixtures.corpusCount)
        var mismatches = 0
        for (text, line) in zip(Fixtures.corpus, lines) {
            let want = Fixtures.padded(try #require(try JSONDecoder().decode([String: [Int32]].self, from: line)["hf64"]),
                                       to: 64, with: 1)
            if tokenizer.encode(text) != want {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(text.debugDescription): got \(tokenizer.encode(text)), want \(want)") }
            }
        }
        #expect(mismatches == 0)
    }
}
