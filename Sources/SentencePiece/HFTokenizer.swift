import Foundation

/// A Hugging Face `tokenizer.json` with a BPE model (the Gemma / SigLIP 2 kind): added tokens, normaliser,
/// pre-tokeniser and model, run as the `tokenizers` library runs them. Components it does not implement are
/// refused at load time with `SentencePieceError.unsupported`, never approximated.
public struct HFTokenizer: Sendable {
    /// Tokens split out before the model runs, as listed in the file.
    public let addedTokens: [AddedToken]
    private let splitter: AddedTokenSplitter  // tokens matched in the raw text
    private var normalizedSplitter: AddedTokenSplitter
    private var normalizers: [HFNormalizer]
    private let preTokenizers: [HFPreTokenizer]
    private let model: HFBPEModel
    private let pieces: [Int32: String]

    /// Reads `tokenizer.json`; errors name the file.
    public init(contentsOf url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SentencePieceError.unreadable(file: file, reason: error.localizedDescription)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SentencePieceError.invalidJSON(file: file, reason: "not a JSON object")
        }
        guard let modelJSON = root["model"] as? [String: Any], let type = modelJSON["type"] as? String else {
            throw SentencePieceError.invalidJSON(file: file, reason: "no model")
        }
        guard type == "BPE" else { throw SentencePieceError.unsupported(file: file, component: "model \(type)") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] where !(modelJSON[key] is NSNull || modelJSON[key] == nil) {
            throw SentencePieceError.unsupported(file: file, component: "BPE \(key)")
        }
        if let dropout = modelJSON["dropout"], !(dropout is NSNull) {
            throw SentencePieceError.unsupported(file: file, component: "BPE dropout")
        }
        if modelJSON["ignore_merges"] as? Bool == true {
            throw SentencePieceError.unsupported(file: file, component: "BPE ignore_merges")
        }
        guard let vocabJSON = modelJSON["vocab"] as? [String: Any] else {
            throw SentencePieceError.invalidJSON(file: file, reason: "BPE vocab is not an object")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(vocabJSON.count)
        for (piece, value) in vocabJSON {
            guard let id = (value as? NSNumber)?.int32Value else {
                throw SentencePieceError.invalidJSON(file: file, reason: "vocab id of \(piece) is not a number")
            }
            vocabulary[piece] = id
        }
        var merges: [(String, String)] = []
        for entry in modelJSON["merges"] as? [Any] ?? [] {
            if let pair = entry as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let line = entry as? String, let space = line.firstIndex(of: " ") {
                merges.append((String(line[..<space]), String(line[line.index(after: space)...])))
            } else {
                throw SentencePieceError.invalidJSON(file: file, reason: "bad merge \(entry)")
            }
        }
        model = try HFBPEModel(vocabulary: vocabulary, merges: merges, unknown: modelJSON["unk_token"] as? String,
                               byteFallback: modelJSON["byte_fallback"] as? Bool ?? false,
                               fuseUnknown: modelJSON["fuse_unk"] as? Bool ?? false, file: file)
        var added: [AddedToken] = []
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.int32Value else {
                throw SentencePieceError.invalidJSON(file: file, reason: "bad added token \(entry)")
            }
            if entry["single_word"] as? Bool == true {
                throw SentencePieceError.unsupported(file: file, component: "single_word added token \(content)")
            }
            added.append(AddedToken(content: content, id: id, special: entry["special"] as? Bool ?? false,
                                    lstrip: entry["lstrip"] as? Bool ?? false, rstrip: entry["rstrip"] as? Bool ?? false,
                                    normalized: entry["normalized"] as? Bool ?? false))
        }
        addedTokens = added
        splitter = AddedTokenSplitter(added.filter { !$0.normalized })
        normalizers = try HFNormalizer.parse(root["normalizer"], file: file)
        normalizedSplitter = Self.normalizedSplitter(added, normalizers)
        preTokenizers = try HFPreTokenizer.parse(root["pre_tokenizer"], file: file)
        var pieces: [Int32: String] = [:]
        for (piece, id) in vocabulary { pieces[id] = piece }
        for token in added { pieces[token.id] = token.content }
        self.pieces = pieces
    }

    /// Tokens flagged `normalized` are matched by their normalised content in normalised text (`AddedVocabulary`).
    private static func normalizedSplitter(_ tokens: [AddedToken], _ normalizers: [HFNormalizer]) -> AddedTokenSplitter {
        AddedTokenSplitter(tokens.filter(\.normalized).map { token in
            var copy = token
            for n in normalizers { copy.content = n.apply(copy.content) }
            return copy
        })
    }

    /// Encodes text without any post-processing (no BOS/EOS), as `tokenizer.encode(text, add_special_tokens=False)`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for chunk in splitter.split(text) {
            switch chunk {
            case .token(let token): ids.append(token.id)
            case .text(let text):
                var normalized = text
                for n in normalizers { normalized = n.apply(normalized) }
                for inner in normalizedSplitter.split(normalized) {
                    switch inner {
                    case .token(let token): ids.append(token.id)
                    case .text(let text):
                        var words = [text]
                        for p in preTokenizers { words = words.flatMap { p.split($0) } }
                        for word in words where !word.isEmpty { model.encode(word, into: &ids) }
                    }
                }
            }
        }
        return ids
    }

    /// The token text of `id` (added tokens included), or nil.
    public func piece(for id: Int32) -> String? { pieces[id] }

    /// The id of an added token or vocabulary entry by its text.
    public func id(for piece: String) -> Int32? {
        addedTokens.first(where: { $0.content == piece })?.id ?? model.vocabulary[piece]
    }

    /// Decodes as the Gemma decoder chain does: `▁` → space, `<0xNN>` runs → UTF-8 (bad bytes → U+FFFD), joined.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        let special = Set(addedTokens.filter(\.special).map(\.id))
        var bytes: [UInt8] = []
        for id in ids {
            if skipSpecialTokens && special.contains(id) { continue }
            guard let piece = pieces[id] else { continue }
            if let value = SentencePieceProcessor.byteValue(piece) {
                bytes.append(UInt8(value))
            } else {
                bytes.append(contentsOf: piece.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension HFTokenizer {
    /// The same tokenizer with a `Lowercase` normaliser first, unless the chain already starts with one
    /// (what transformers' `Siglip2Tokenizer` does to the Gemma tokenizer).
    public func withLowercaseFirst() -> HFTokenizer {
        if case .lowercase = normalizers.first { return self }
        var copy = self
        copy.normalizers.insert(.lowercase, at: 0)
        copy.normalizedSplitter = Self.normalizedSplitter(addedTokens, copy.normalizers)
        return copy
    }
}
