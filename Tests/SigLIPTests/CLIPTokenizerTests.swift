import Foundation
import Testing
import SigLIP

/// Golden ids from transformers 5.24's `CLIPTokenizer` over OpenAI's real 49,408-token vocabulary.
@Suite("CLIP tokenizer matches transformers")
struct CLIPTokenizerTests {
    static let directory = Fixtures.root.appendingPathComponent("tokenizers/clip")

    struct Case: Decodable {
        let text: String
        let tokens: [String]
        let ids: [Int32]
        let ids_pad_bang: [Int32]
    }

    static func cases() throws -> [Case] {
        let lines = try String(contentsOf: directory.appendingPathComponent("expected.jsonl"), encoding: .utf8).split(separator: "\n")
        return try lines.map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
    }

    /// Punctuation, digits, contractions, accents (composed and combining), Greek, Turkish İ, CJK, Hangul, Arabic,
    /// emoji with modifiers and flags, tabs and newlines, no-break and ideographic spaces, a ligature, literal special
    /// tokens and truncation of a long caption: ids and tokens exactly as the reference gives them.
    @Test func goldenIDs() throws {
        let tokenizer = try CLIPTokenizer(directory: Self.directory, maxLength: 77)
        let cases = try Self.cases()
        #expect(cases.count == 35)
        for c in cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(c.text)")
            #expect(tokenizer.tokenize(c.text) == c.tokens, "\(c.text)")
        }
        #expect((tokenizer.bosID, tokenizer.eosID, tokenizer.padID) == (49406, 49407, 49407))
    }

    /// A checkpoint whose pad token is "!" (id 0), as some non-OpenAI CLIP checkpoints ship.
    @Test func padTokenFromConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-pad-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Self.directory, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer_config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        config["pad_token"] = "!"
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        let tokenizer = try CLIPTokenizer(directory: dir, maxLength: 77)
        #expect(tokenizer.padID == 33)   // "!" in this fixture's vocab.json (ids in byte order, not OpenAI's)
        let cases = try Self.cases()
        #expect(cases.count == 35)
        for c in cases { #expect(tokenizer.encode(c.text) == c.ids_pad_bang, "\(c.text)") }
    }

    /// Decoding drops the special tokens and turns word ends back into spaces.
    @Test func decodeRoundTrip() throws {
        let tokenizer = try CLIPTokenizer(directory: Self.directory, maxLength: 77)
        #expect(tokenizer.decode(tokenizer.encode("a photo of a cat, 3 dogs & Zürich 🙂")) == "a photo of a cat , 3 dogs & zürich 🙂")
    }

    /// Missing files and a vocabulary without the end token fail with errors naming the file.
    @Test func badFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: (any Error).self) { try CLIPTokenizer(directory: dir, maxLength: 77) }
        try Data(#"{"a</w>": 0, "b</w>": 1}"#.utf8).write(to: dir.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        do {
            _ = try CLIPTokenizer(directory: dir, maxLength: 77)
            Issue.record("a vocabulary without <|startoftext|> was accepted")
        } catch {
            #expect("\(error)".contains("vocab.json"))
        }
    }
}
