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
        let root: TokenizerFile
        do { root = try JSONDecoder().decode(TokenizerFile.self, from: data) } catch {
            throw SentencePieceError.invalidJSON(file: file, reason: "\(error)")
        }
        let modelJSON = root.model
        guard modelJSON.type == "BPE" else {
            throw SentencePieceError.unsupported(file: file, component: "model \(modelJSON.type)")
        }
        if modelJSON.continuing_subword_prefix != nil || modelJSON.end_of_word_suffix != nil || modelJSON.dropout != nil
            || modelJSON.ignore_merges == true {
            throw SentencePieceError.unsupported(file: file, component: "BPE with a subword prefix/suffix, dropout or ignore_merges")
        }
        let vocabulary = try ExactVocabularyReader.entries(in: data, file: file)
        let model = try HFBPEModel(vocabulary: vocabulary.map { (token: String(decoding: $0.token, as: UTF8.self), id: $0.id) },
                                   merges: modelJSON.merges?.map { ($0.left, $0.right) } ?? [], unknown: modelJSON.unk_token, byteFallback: modelJSON.byte_fallback ?? false,
                                   fuseUnknown: modelJSON.fuse_unk ?? false, file: file)
        var added: [AddedToken] = []
        for entry in root.added_tokens ?? [] {
            if entry.single_word == true {
                throw SentencePieceError.unsupported(file: file, component: "single_word added token \(entry.content)")
            }
            added.append(AddedToken(content: entry.content, id: entry.id, special: entry.special ?? false,
                                    lstrip: entry.lstrip ?? false, rstrip: entry.rstrip ?? false,
                                    normalized: entry.normalized ?? false))
        }
        self.init(model: model, addedTokens: added, normalizers: try HFNormalizer.parse(root.normalizer, file: file),
                  preTokenizers: try HFPreTokenizer.parse(root.pre_tokenizer, file: file))
    }

    /// Assembles a tokenizer from its parts (a parsed `tokenizer.json`, or one converted from a `.model`).
    init(model: HFBPEModel, addedTokens added: [AddedToken], normalizers: [HFNormalizer], preTokenizers: [HFPreTokenizer]) {
        self.model = model
        addedTokens = added
        splitter = AddedTokenSplitter(added.filter { !$0.normalized })
        self.normalizers = normalizers
        normalizedSplitter = Self.normalizedSplitter(added, normalizers)
        self.preTokenizers = preTokenizers
        var pieces: [Int32: String] = [:]
        for (piece, id) in model.entries { pieces[id] = piece }
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
        addedTokens.first(where: { $0.content.unicodeScalars.elementsEqual(piece.unicodeScalars) })?.id
            ?? model.vocabulary[ExactText(piece)]
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
