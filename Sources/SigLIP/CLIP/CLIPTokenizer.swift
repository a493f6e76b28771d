import Foundation
import SentencePiece

/// CLIP's byte-level BPE (HF `CLIPTokenizer` from `vocab.json` and `merges.txt`), giving the ids transformers 5.24
/// gives with `padding="max_length", truncation=True, max_length=maxLength`.
///
/// The pipeline: special tokens matched in the raw text; NFC, whitespace runs to one space, lowercase; CLIP's
/// pre-tokenising pattern (contractions, letter runs, single digits, other-symbol runs; whitespace dropped);
/// each piece's UTF-8 bytes mapped to printable characters (GPT-2's table), `</w>` on the last, BPE merges by rank;
/// `<|startoftext|>` … `<|endoftext|>` around at most `maxLength − 2` tokens, padded with the pad token.
public struct CLIPTokenizer: Sendable {
    /// Every `encode` returns exactly this many ids.
    public let maxLength: Int
    /// `<|startoftext|>`.
    public let bosID: Int32
    /// `<|endoftext|>`.
    public let eosID: Int32
    /// The pad token's id (`<|endoftext|>` in OpenAI's checkpoints, `!` in some others).
    public let padID: Int32
    private let unknownID: Int32
    private let vocabulary: [String: Int32]
    private let pieces: [Int32: String]
    /// `(left id << 32 | right id)` → (rank, merged id).
    private let merges: [UInt64: (rank: Int32, id: Int32)]
    private let splitter: AddedTokenSplitter
    private let specialIDs: Set<Int32>

    /// Loads `vocab.json`, `merges.txt` and the special tokens of `tokenizer_config.json` (or
    /// `special_tokens_map.json`) from a checkpoint directory; `maxLength` is the text tower's positions (77).
    public init(directory: URL, maxLength: Int) throws {
        guard maxLength >= 2 else {
            throw SentencePieceError.invalidModel(file: directory.path, reason: "max length \(maxLength) leaves no room for the start and end tokens")
        }
        self.maxLength = maxLength
        let vocabURL = directory.appendingPathComponent("vocab.json")
        guard let vocabData = try? Data(contentsOf: vocabURL) else {
            throw SentencePieceError.unreadable(file: vocabURL.path, reason: "CLIP checkpoints need vocab.json")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: vocabData)) as? [String: Any] else {
            throw SentencePieceError.invalidJSON(file: vocabURL.path, reason: "not a JSON object of token to id")
        }
        var vocabulary: [String: Int32] = [:]
        for (token, value) in object {
            guard let n = value as? NSNumber, let id = Int32(exactly: n.doubleValue), id >= 0 else {
                throw SentencePieceError.invalidJSON(file: vocabURL.path, reason: "the id of \"\(token)\" is not a non-negative integer")
            }
            vocabulary[token] = id
        }
        let mergesURL = directory.appendingPathComponent("merges.txt")
        guard let mergesText = try? String(contentsOf: mergesURL, encoding: .utf8) else {
            throw SentencePieceError.unreadable(file: mergesURL.path, reason: "CLIP checkpoints need merges.txt (UTF-8)")
        }
        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        var rank: Int32 = 0
        for (number, line) in mergesText.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#version") || line.allSatisfy({ $0 == " " || $0 == "\r" }) { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2, let a = vocabulary[String(parts[0])], let b = vocabulary[String(parts[1])],
                  let merged = vocabulary[String(parts[0]) + String(parts[1])] else {
                throw SentencePieceError.invalidModel(file: mergesURL.path, reason: "line \(number + 1) is not a merge of two tokens in vocab.json")
            }
            let key = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
            if merges[key] == nil { merges[key] = (rank, merged) }
            rank += 1
        }
        let config = Self.readSpecialTokens(directory)
        func id(_ key: String, _ fallback: String) throws -> Int32 {
            let token = config[key] ?? fallback
            guard let id = vocabulary[token] else {
                throw SentencePieceError.invalidModel(file: vocabURL.path, reason: "\(key) \"\(token)\" is not in the vocabulary")
            }
            return id
        }
        bosID = try id("bos_token", "<|startoftext|>")
        eosID = try id("eos_token", "<|endoftext|>")
        padID = try id("pad_token", "<|endoftext|>")
        unknownID = try id("unk_token", "<|endoftext|>")
        var added: [AddedToken] = []
        for key in ["bos_token", "eos_token", "unk_token", "pad_token"] {
            let content = config[key] ?? (key == "bos_token" ? "<|startoftext|>" : "<|endoftext|>")
            if let id = vocabulary[content], !added.contains(where: { $0.content == content }) {
                added.append(AddedToken(content: content, id: id))
            }
        }
        splitter = AddedTokenSplitter(added)
        specialIDs = Set(added.map(\.id))
        self.vocabulary = vocabulary
        self.merges = merges
        pieces = Dictionary(vocabulary.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
    }

    /// bos/eos/pad/unk strings from `tokenizer_config.json`, else `special_tokens_map.json` (strings or
    /// `{"content": …}` objects).
    private static func readSpecialTokens(_ directory: URL) -> [String: String] {
        var tokens: [String: String] = [:]
        for file in ["special_tokens_map.json", "tokenizer_config.json"] {   // the second wins
            guard let data = try? Data(contentsOf: directory.appendingPathComponent(file)),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { continue }
            for key in ["bos_token", "eos_token", "pad_token", "unk_token"] {
                if let s = object[key] as? String { tokens[key] = s }
                if let s = (object[key] as? [String: Any])?["content"] as? String { tokens[key] = s }
            }
        }
        return tokens
    }

    /// The model's input ids for `text`: exactly `maxLength` ids, `<|startoftext|>` first, `<|endoftext|>` kept
    /// when truncating, right-padded with the pad id.
    public func encode(_ text: String) -> [Int32] {
        var ids = tokenIDs(text)
        if ids.count > maxLength - 2 { ids.removeLast(ids.count - (maxLength - 2)) }
        ids = [bosID] + ids + [eosID]
        return ids + [Int32](repeating: padID, count: maxLength - ids.count)
    }

    /// The tokens of `text` before the start/end tokens, truncation and padding (for `siglip tokenize`).
    public func tokenize(_ text: String) -> [String] { tokenIDs(text).map { pieces[$0] ?? "" } }

    /// Text for ids, for debugging: special tokens vanish, `</w>` becomes a space, bytes come back.
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids where !specialIDs.contains(id) {
            guard let piece = pieces[id] else { continue }
            let word = piece.hasSuffix("</w>") ? String(piece.dropLast(4)) : piece
            for s in word.unicodeScalars { if let b = ByteLevel.byte[s] { bytes.append(b) } }
            if piece.hasSuffix("</w>") { bytes.append(0x20) }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    private func tokenIDs(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for chunk in splitter.split(text) {
            switch chunk {
            case .token(let token): ids.append(token.id)
            case .text(let run):
                for piece in CLIPPreTokenizer.pieces(CLIPPreTokenizer.normalize(run)) { ids += bpe(piece) }
            }
        }
        return ids
    }

    /// One pre-token through byte-level BPE: lowest-rank adjacent pair first, leftmost on ties.
    private func bpe(_ piece: String) -> [Int32] {
        let bytes = Array(piece.utf8)
        var symbols: [Int32] = bytes.indices.map { i in
            let char = String(ByteLevel.scalar[Int(bytes[i])])
            return vocabulary[i == bytes.count - 1 ? char + "</w>" : char] ?? unknownID
        }
        while symbols.count > 1 {
            var best: (index: Int, rank: Int32, id: Int32)?
            for i in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(symbols[i])) << 32 | UInt64(UInt32(symbols[i + 1]))
                if let merge = merges[key], merge.rank < (best?.rank ?? .max) { best = (i, merge.rank, merge.id) }
            }
            guard let best else { break }
            symbols[best.index] = best.id
            symbols.remove(at: best.index + 1)
        }
        return symbols
    }
}

/// GPT-2's table of bytes to printable characters: printable Latin-1 bytes stand for themselves, the others
/// (controls, space, a few Latin-1 gaps) for U+0100 onwards in byte order.
enum ByteLevel {
    static let scalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next) ?? " "
                next += 1
            }
        }
        return table
    }()

    static let byte: [Unicode.Scalar: UInt8] = Dictionary(uniqueKeysWithValues: scalar.enumerated().map { ($1, UInt8($0)) })
}
