/// The parts of a `tokenizer.json` this library reads, decoded with `JSONDecoder` (typed, so a 256k-entry
/// vocabulary loads quickly; and unlike `JSONSerialization` it keeps a leading U+FEFF in strings).
/// Field names are the file's own.
struct TokenizerFile: Decodable {
    struct Model: Decodable {
        var type: String
        // `vocab` is read by ExactVocabularyReader: as `[String: Int32]` canonically equivalent keys would merge.
        var merges: [Merge]?
        var unk_token: String?
        var byte_fallback: Bool?
        var fuse_unk: Bool?
        var ignore_merges: Bool?
        var dropout: Double?
        var continuing_subword_prefix: String?
        var end_of_word_suffix: String?
    }

    /// A merge, written either as `["a", "b"]` or, in older files, as `"a b"`.
    struct Merge: Decodable {
        var left: String
        var right: String

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let pair = try? container.decode([String].self) {
                guard pair.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "merge of \(pair.count) parts")
                }
                (left, right) = (pair[0], pair[1])
            } else {
                let line = try container.decode(String.self)
                guard let space = line.firstIndex(of: " ") else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "merge without a space")
                }
                (left, right) = (String(line[..<space]), String(line[line.index(after: space)...]))
            }
        }
    }

    struct Added: Decodable {
        var id: Int32
        var content: String
        var special: Bool?
        var lstrip: Bool?
        var rstrip: Bool?
        var normalized: Bool?
        var single_word: Bool?
    }

    var model: Model
    var added_tokens: [Added]?
    var normalizer: JSONValue?
    var pre_tokenizer: JSONValue?
}
