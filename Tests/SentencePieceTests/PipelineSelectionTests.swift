import Foundation
import SentencePiece
import SigLIP
import Testing

/// The pipeline comes from the checkpoint's files, never from flags.
@Suite("Pipeline selection")
struct PipelineSelectionTests {
    /// A fresh directory holding copies of `files` from a fixture model directory, plus an optional config.
    private static func checkpoint(from model: String, files: [String], config: String? = nil) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in files {
            try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent(model).appendingPathComponent(file),
                                             to: directory.appendingPathComponent(file))
        }
        if let config { try Data(config.utf8).write(to: directory.appendingPathComponent("tokenizer_config.json")) }
        return directory
    }

    @Test func spieceAloneIsSiglip() throws {
        let tokenizer = try SiglipTokenizer(directory: Self.checkpoint(from: "unigram-nmt-nfkc", files: ["spiece.model"]),
                                            maxLength: 64)
        #expect(tokenizer.pipeline == .siglip)
        #expect(tokenizer.eosID == 1 && tokenizer.padID == 1)
    }

    @Test func tokenizerJSONAloneIsSiglip2() throws {
        let tokenizer = try SiglipTokenizer(directory: Self.checkpoint(from: "bpe-gemma", files: ["tokenizer.json"]),
                                            maxLength: 64)
        #expect(tokenizer.pipeline == .siglip2)
        #expect(tokenizer.eosID == 1 && tokenizer.padID == 0)
    }

    /// Fixed-resolution SigLIP 2 repos name the Gemma class and their tokenizer.json may not lowercase;
    /// the pipeline lowercases anyway (siglip-spec.md §7.4).
    @Test func gemmaClassIsSiglip2AndLowercases() throws {
        let directory = try Self.checkpoint(from: "bpe-gemma", files: ["tokenizer.model"],
                                            config: #"{"tokenizer_class": "GemmaTokenizerFast"}"#)
        let source = Fixtures.root.appendingPathComponent("bpe-gemma/tokenizer.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        json["normalizer"] = ["type": "Replace", "pattern": ["String": " "], "content": "\u{2581}"] as [String: Any]
        try JSONSerialization.data(withJSONObject: json).write(to: directory.appendingPathComponent("tokenizer.json"))
        let plain = try HFTokenizer(contentsOf: directory.appendingPathComponent("tokenizer.json"))
        #expect(plain.encode("CAT") != plain.encode("cat"), "the edited file itself does not lowercase")
        let tokenizer = try SiglipTokenizer(directory: directory, maxLength: 64)
        #expect(tokenizer.pipeline == .siglip2)
        #expect(tokenizer.encode("A PHOTO OF A CAT") == tokenizer.encode("a photo of a cat"))
    }

    @Test func lengthIsExactAndEOSSurvivesTruncation() throws {
        for (model, length) in [("unigram-identity", 16), ("bpe-gemma", 8)] {
            let tokenizer = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent(model), maxLength: length)
            for text in ["", "a", String(repeating: "a photo of a cat ", count: 50)] {
                let ids = tokenizer.encode(text)
                #expect(ids.count == length)
                #expect(ids.contains(tokenizer.eosID))
            }
            let long = tokenizer.encode(String(repeating: "dog ", count: 100))
            #expect(long.last == tokenizer.eosID, "truncation keeps EOS last")
        }
    }

    @Test func emptyDirectoryIsAnErrorNamingAFile() throws {
        let directory = try Self.checkpoint(from: "bpe-gemma", files: [])
        let error = try #require(throws: SentencePieceError.self) { try SiglipTokenizer(directory: directory, maxLength: 64) }
        #expect(error.description.contains(directory.path))
    }

    @Test func decodeGivesTheTextBack() throws {
        let v1 = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent("unigram-nmt-nfkc"), maxLength: 64)
        #expect(v1.decode(v1.encode("A photo, of a cat!")) == "a photo of a cat")
        let v2 = try SiglipTokenizer(directory: Fixtures.root.appendingPathComponent("bpe-gemma"), maxLength: 64)
        #expect(v2.decode(v2.encode("A photo of a 猫 🐱")) == "a photo of a 猫 🐱")
    }
}
