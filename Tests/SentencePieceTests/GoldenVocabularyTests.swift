import Foundation
import SigLIP
import Testing

/// siglip-spec.md §7.5: ids from the real google/siglip-base-patch16-224 vocabulary (HF's slow integration test).
/// The vocabulary is not shipped; point SIGLIP_BASE_TOKENIZER_DIR at a directory holding its spiece.model
/// (and tokenizer_config.json) to run this. Without it the test is reported as skipped, never as passed.
@Suite("Golden ids of the real SigLIP vocabulary")
struct GoldenVocabularyTests {
    static let directory: URL? = ProcessInfo.processInfo.environment["SIGLIP_BASE_TOKENIZER_DIR"].map {
        URL(fileURLWithPath: $0)
    }

    static var available: Bool {
        directory.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("spiece.model").path) } ?? false
    }

    static let golden: [(String, [Int32], Bool)] = [
        ("the real mountain view", [260, 638, 3293, 870, 1], true),
        ("Zürich", [262, 761, 5879, 5345, 1], true),
        ("San Francisco", [262, 264, 452, 20563, 15949, 1], true),
        ("a picture of a laptop with the lockscreen on, a cup of cappucino, salt and pepper grinders. The view through "
            + "the window reveals lake Zürich and the Alps in the background of the city.",
         [262, 266, 1357, 267, 262, 266, 4429, 275, 260, 3940, 6360, 277, 262, 266, 3064, 267, 3549, 388, 16538, 296, 298,
          2617, 263, 4869, 14998, 264, 260, 870, 393, 260, 1710, 7958, 4324, 262, 761, 5879, 5345, 263, 260, 1518, 388,
          264, 268, 260, 1970, 267, 260, 741, 1], true),
        ("A long paragraph for summarization.", [262, 266, 476, 8532, 270, 4460, 3949, 1682, 1], false),
        ("Summary of the text.", [6254, 267, 260, 1443, 1], false),
    ]

    @Test(.enabled(if: available, "set SIGLIP_BASE_TOKENIZER_DIR to a google/siglip-base-patch16-224 tokenizer directory"))
    func goldenIds() throws {
        let tokenizer = try SiglipTokenizer(directory: try #require(Self.directory), maxLength: 64)
        for (text, ids, padded) in Self.golden {
            let got = tokenizer.encode(text)
            let unpadded = Array(got.prefix(ids.count))
            #expect(unpadded == ids, "\(text)")
            if padded { #expect(got.dropFirst(ids.count).allSatisfy { $0 == 1 }) }
        }
        #expect(tokenizer.tokenize("</s>>") == ["</s>"])
    }
}
