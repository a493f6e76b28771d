import Foundation

/// The reference fixtures written by scripts/fixtures/tokenizers.py (Tests/Fixtures/tokenizers).
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizers")

    /// The three trained models, each a tokenizer directory.
    static let unigramModels = ["unigram-nmt-nfkc", "unigram-identity"]
    static let bpeModel = "bpe-gemma"

    /// One line of a model's expected.jsonl.
    struct Expected: Decodable {
        var sp: [Int32]
        var dec: String?
        var tok: [String]?
        var hf64: [Int32]?
        var hf16: [Int32]?
        var v2: [Int32]?
    }

    private struct Header: Decodable { var pad_id: Int32 }
    private struct Text: Decodable { var text: String }

    static func lines(_ url: URL) throws -> [Data] {
        try Data(contentsOf: url).split(separator: UInt8(ascii: "\n")).map { Data($0) }
    }

    /// How many strings corpus.jsonl holds: every loop over the corpus checks it got them all (an unreadable
    /// file would otherwise give an empty corpus and loops that pass vacuously).
    static let corpusCount = 5200

    /// The corpus strings, in order.
    static let corpus: [String] = {
        (try? lines(root.appendingPathComponent("corpus.jsonl")).map { try JSONDecoder().decode(Text.self, from: $0).text })
            ?? []
    }()

    /// A model's pad id (from the header) and one expected row per corpus string.
    static func expected(_ model: String) throws -> (pad: Int32, rows: [Expected]) {
        let all = try lines(root.appendingPathComponent(model).appendingPathComponent("expected.jsonl"))
        guard let first = all.first else { throw CocoaError(.fileReadCorruptFile) }
        let header = try JSONDecoder().decode(Header.self, from: first)
        return (header.pad_id, try all.dropFirst().map { try JSONDecoder().decode(Expected.self, from: $0) })
    }

    /// The stored reference ids padded back to `length` (the script strips the trailing run of pad ids).
    static func padded(_ ids: [Int32], to length: Int, with pad: Int32) -> [Int32] {
        ids + [Int32](repeating: pad, count: max(0, length - ids.count))
    }

    static func modelFile(_ model: String) -> URL {
        let directory = root.appendingPathComponent(model)
        let spiece = directory.appendingPathComponent("spiece.model")
        return FileManager.default.fileExists(atPath: spiece.path) ? spiece : directory.appendingPathComponent("tokenizer.model")
    }
}
