import Foundation
import SentencePiece
import Testing

/// `tokenizer.json` loading details not covered by the corpus parity tests.
@Suite("tokenizer.json loading")
struct HFTokenizerTests {
    private static func file(_ json: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        return url
    }

    /// Vocabulary entries that start with U+FEFF survive loading (Foundation's JSONSerialization strips them).
    @Test(arguments: [#"[["\#u{FEFF}", "a"]]"#, #"["\#u{FEFF} a"]"#])
    func byteOrderMarkInPiecesIsKept(merges: String) throws {
        let url = try Self.file(#"""
        {"model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,
                   "vocab": {"<unk>": 0, "\#u{FEFF}": 1, "a": 2, "\#u{FEFF}a": 3}, "merges": \#(merges)}}
        """#)
        let tokenizer = try HFTokenizer(contentsOf: url)
        #expect(tokenizer.encode("\u{FEFF}a") == [3])
        #expect(tokenizer.encode("a\u{FEFF}") == [2, 1])
        #expect(tokenizer.encode("bb a") == [0, 2], "unknown run fused into one <unk>")
    }

    /// Vocabulary keys that are canonically equivalent but different (precomposed `à` against `a` + U+0300, as
    /// Gemma's vocabulary has 61 pairs of) keep their own ids, as HF tokenizers compares bytes. Expected ids are
    /// the ones `tokenizers` 0.23.3 gives for this file (`Tokenizer.from_file(...).encode(text).ids`); escapes,
    /// surrogate pairs and brackets inside skipped strings must not disturb the reading.
    @Test func canonicallyEquivalentKeysStayDistinct() throws {
        let url = try Self.file(#"""
        {"version": "1.0", "x_note": "} ] \" { [", "added_tokens": [], "normalizer": null, "pre_tokenizer": null,
         "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": false, "byte_fallback": false,
                   "vocab": {"<unk>": 0, "a": 1, "\u0300": 2, "à": 3, "a\u0300": 4, "\ud83d\ude00": 5, "{\"]": 6},
                   "merges": [["a", "\u0300"]]}}
        """#)
        let tokenizer = try HFTokenizer(contentsOf: url)
        #expect(tokenizer.encode("\u{E0}") == [3])
        #expect(tokenizer.encode("a\u{300}") == [4])
        #expect(tokenizer.encode("\u{E0}a\u{300}\u{E0}") == [3, 4, 3])
        #expect(tokenizer.encode("\u{1F600}a") == [5, 1])
    }

    @Test(arguments: [
        (#"{"model": {"type": "WordPiece", "vocab": {}}}"#, "WordPiece"),
        (#"{"model": {"type": "BPE", "vocab": {}, "merges": []}, "normalizer": {"type": "NFKC"}}"#, "NFKC"),
        (#"{"model": {"type": "BPE", "vocab": {}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#, "ByteLevel"),
    ])
    func unsupportedComponentsAreRefusedByName(json: String, component: String) throws {
        let url = try Self.file(json)
        let error = try #require(throws: SentencePieceError.self) { try HFTokenizer(contentsOf: url) }
        #expect(error.description.contains(component) && error.description.contains(url.path), "\(error)")
    }

    @Test(arguments: ["", "{", #"{"model": 3}"#, #"{"model": {"type": "BPE", "vocab": {"a": 1}, "merges": [["a", "b"]]}}"#])
    func brokenFilesThrowNamingTheFile(json: String) throws {
        let url = try Self.file(json)
        let error = try #require(throws: SentencePieceError.self) { try HFTokenizer(contentsOf: url) }
        #expect(error.description.contains(url.path))
    }
}
