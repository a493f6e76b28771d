import Foundation
import SentencePiece

/// The text pipelines of SigLIP (HF `SiglipTokenizer`) and SigLIP 2 (HF `Siglip2Tokenizer`), giving the ids
/// transformers 5.24 gives with `padding="max_length", truncation=True, max_length=maxLength`.
///
/// The pipeline is chosen from the checkpoint's files: `tokenizer_config.json`'s `tokenizer_class` when present,
/// else `spiece.model` means SigLIP and a BPE `tokenizer.json` means SigLIP 2. A SigLIP 2 directory without
/// `tokenizer.json` is read from its Gemma `tokenizer.model`, as transformers converts it.
public struct SiglipTokenizer: Sendable {
    /// Which reference pipeline this tokenizer reproduces.
    public enum Pipeline: Sendable, Equatable {
        /// SigLIP v1: canonicalise, SentencePiece unigram, `</s>`, right-pad with the pad id (1).
        case siglip
        /// SigLIP 2: lowercase, Gemma BPE with byte fallback, `<eos>`, right-pad with `<pad>` (0).
        case siglip2
    }

    /// The pipeline read from the checkpoint.
    public let pipeline: Pipeline
    /// Every `encode` returns exactly this many ids.
    public let maxLength: Int
    /// The id appended at the end of the text (kept when truncating).
    public let eosID: Int32
    /// The id used to pad to `maxLength`.
    public let padID: Int32

    private let backend: Backend

    fileprivate enum Backend: Sendable {
        case siglip(V1)
        case siglip2(HFTokenizer)
    }

    /// HF `SiglipTokenizer` state: the model, the special tokens it splits on, and the `<unk>`-prefix length.
    fileprivate struct V1: Sendable {
        let processor: SentencePieceProcessor
        let splitter: AddedTokenSplitter
        let special: [String: Int32]
        let unknownToken: String
        let unknownTokenLength: Int
        let lowercase: Bool
    }

    /// Loads the tokenizer files of a checkpoint directory; `maxLength` is the text tower's
    /// `max_position_embeddings` (64, or 16 for so400m-patch14-224).
    public init(directory: URL, maxLength: Int) throws {
        guard maxLength > 0 else {
            throw SentencePieceError.invalidModel(file: directory.path, reason: "max length \(maxLength) is not positive")
        }
        self.maxLength = maxLength
        let fm = FileManager.default
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        var config: [String: Any] = [:]
        if fm.fileExists(atPath: configURL.path) {
            guard let data = try? Data(contentsOf: configURL),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw SentencePieceError.invalidJSON(file: configURL.path, reason: "not a JSON object")
            }
            config = object
        }
        let spiece = directory.appendingPathComponent("spiece.model")
        let tokenizerJSON = directory.appendingPathComponent("tokenizer.json")
        let tokenizerClass = config["tokenizer_class"] as? String ?? ""
        let isV2 = tokenizerClass.contains("Gemma") || tokenizerClass.contains("Siglip2")
            || (!tokenizerClass.contains("Siglip") && !fm.fileExists(atPath: spiece.path))
        if isV2 {
            let eos = Self.tokenString(config["eos_token"]) ?? "<eos>"
            let pad = Self.tokenString(config["pad_token"]) ?? "<pad>"
            let gemmaModel = directory.appendingPathComponent("tokenizer.model")
            let loaded: HFTokenizer
            if fm.fileExists(atPath: tokenizerJSON.path) {
                loaded = try HFTokenizer(contentsOf: tokenizerJSON)
            } else if fm.fileExists(atPath: gemmaModel.path) {
                // What transformers builds from the SentencePiece file when there is no tokenizer.json.
                let named = ["bos_token", "eos_token", "unk_token", "pad_token", "mask_token"]
                    .compactMap { Self.tokenString(config[$0]) }
                loaded = try HFTokenizer(sentencePieceBPE: gemmaModel,
                                         specialTokens: Set(named + ["<bos>", "<eos>", "<unk>", "<pad>", "<mask>"]))
            } else {
                throw SentencePieceError.unreadable(file: tokenizerJSON.path,
                                                    reason: "SigLIP 2 checkpoints need tokenizer.json or tokenizer.model")
            }
            // Siglip2Tokenizer puts Lowercase first; fixed-resolution checkpoints may ship a Gemma file without it.
            let hf = loaded.withLowercaseFirst()
            let tokenizerFile = fm.fileExists(atPath: tokenizerJSON.path) ? tokenizerJSON : gemmaModel
            guard let eosID = hf.id(for: eos), let padID = hf.id(for: pad) else {
                throw SentencePieceError.invalidModel(file: tokenizerFile.path, reason: "no \(eos) or \(pad) token")
            }
            pipeline = .siglip2
            self.eosID = eosID
            self.padID = padID
            backend = .siglip2(hf)
        } else {
            let processor = try SentencePieceProcessor(contentsOf: spiece)
            let eos = Self.tokenString(config["eos_token"]) ?? "</s>"
            let unk = Self.tokenString(config["unk_token"]) ?? "<unk>"
            let pad = Self.tokenString(config["pad_token"]) ?? "</s>"
            var tokens: [AddedToken] = []
            for (key, value) in config["added_tokens_decoder"] as? [String: [String: Any]] ?? [:] {
                guard let id = Int32(key), let content = value["content"] as? String else { continue }
                tokens.append(AddedToken(content: content, id: id, lstrip: value["lstrip"] as? Bool ?? false,
                                         rstrip: value["rstrip"] as? Bool ?? false))
            }
            let extra = (config["additional_special_tokens"] as? [Any] ?? []) + (config["extra_special_tokens"] as? [Any] ?? [])
            for content in [eos, unk, pad] + extra.compactMap(Self.tokenString)
            where !tokens.contains(where: { $0.content == content }) {
                tokens.append(AddedToken(content: content, id: processor.id(for: content)))
            }
            var special: [String: Int32] = [:]
            for token in tokens { special[token.content] = token.id }
            pipeline = .siglip
            eosID = special[eos] ?? processor.id(for: eos)
            padID = special[pad] ?? processor.id(for: pad)
            backend = .siglip(V1(processor: processor, splitter: AddedTokenSplitter(tokens), special: special,
                                 unknownToken: unk, unknownTokenLength: processor.encodeAsPieces(unk).count,
                                 lowercase: config["do_lower_case"] as? Bool ?? true))
        }
    }

    private static func tokenString(_ value: Any?) -> String? {
        (value as? String) ?? ((value as? [String: Any])?["content"] as? String)
    }

    /// The model's input ids for `text`: exactly `maxLength` ids, EOS kept last when truncating, right-padded.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32]
        switch backend {
        case .siglip(let v1):
            ids = v1.tokens(text).map { v1.special[$0] ?? v1.processor.id(for: $0) }
            // HF: truncate to leave room for one EOS, then add it unless the text already ends with one.
            if ids.count + 1 > maxLength { ids.removeLast(ids.count + 1 - maxLength) }
            if ids.last != eosID { ids.append(eosID) }
        case .siglip2(let hf):
            ids = hf.encode(text)
            if ids.count + 1 > maxLength { ids.removeLast(ids.count + 1 - maxLength) }
            ids.append(eosID)
        }
        if ids.count > maxLength { ids.removeLast(ids.count - maxLength) }
        return ids + [Int32](repeating: padID, count: maxLength - ids.count)
    }

    /// The tokens the text is split into, before EOS, truncation and padding (for `siglip tokenize`).
    public func tokenize(_ text: String) -> [String] {
        switch backend {
        case .siglip(let v1): return v1.tokens(text)
        case .siglip2(let hf): return hf.encode(text).map { hf.piece(for: $0) ?? "" }
        }
    }

    /// Text for ids, for debugging: EOS and padding vanish, spaces come back.
    public func decode(_ ids: [Int32]) -> String {
        switch backend {
        case .siglip(let v1): return v1.processor.decode(ids.filter { $0 != eosID && $0 != padID })
        case .siglip2(let hf): return hf.decode(ids, skipSpecialTokens: true)
        }
    }
}

extension SiglipTokenizer.V1 {
    /// HF `SiglipTokenizer.tokenize`: `▁` prefix, split out special tokens, canonicalise and encode each run
    /// behind an `<unk>` prefix that is then dropped, and drop a lone leading `▁` before a special token.
    func tokens(_ text: String) -> [String] {
        let hasMarker = text.unicodeScalars.contains("\u{2581}")
        let prefixed = "\u{2581}" + (hasMarker ? String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\u{2581}" ? " " : $0 })) : text)
        var tokens: [String] = []
        for chunk in splitter.split(prefixed) {
            switch chunk {
            case .token(let token): tokens.append(token.content)
            case .text(let run):
                let pieces = processor.encodeAsPieces(unknownToken + canonicalize(run))
                tokens.append(contentsOf: pieces.count >= unknownTokenLength ? pieces.dropFirst(unknownTokenLength) : pieces[...])
            }
        }
        if tokens.count > 1, tokens[0] == "\u{2581}", special[tokens[1]] != nil { tokens.removeFirst() }
        return tokens
    }

    /// `canonicalize_text`: Python lowercase, delete ASCII punctuation, collapse `\s+` to one space, strip.
    func canonicalize(_ text: String) -> String {
        if let ascii = canonicalizeASCII(text) { return ascii }
        let lowered = lowercase ? UnicodeText.pythonLowercased(text) : text
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in lowered.unicodeScalars {
            if Self.isASCIIPunctuation(s) { continue }
            if UnicodeText.isPythonWhitespace(s) {
                pendingSpace = true
                continue
            }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(s)
        }
        return String(out)
    }

    /// The same on bytes for ASCII text (plus the `▁` this pipeline prepends), the common case; nil otherwise.
    /// ASCII whitespace for Python is 9–13 and 28–32.
    func canonicalizeASCII(_ text: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        var pendingMarker = 0  // bytes of a `▁` still to copy
        for b in text.utf8 {
            var byte = b
            if pendingMarker > 0 {
                pendingMarker -= 1
            } else if b >= 0x80 {
                guard b == 0xE2 else { return nil }
                pendingMarker = 2
            } else if Self.isASCIIPunctuation(Unicode.Scalar(b)) {
                continue
            } else if (0x09...0x0D).contains(b) || (0x1C...0x20).contains(b) {
                pendingSpace = true
                continue
            } else if lowercase && b >= 0x41 && b <= 0x5A {
                byte = b + 32
            }
            if pendingSpace && !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(byte)
        }
        // Only a whole `▁` (E2 96 81) may pass as non-ASCII.
        guard pendingMarker == 0 else { return nil }
        var i = 0
        while i < out.count {
            if out[i] >= 0x80 {
                guard i + 2 < out.count, out[i] == 0xE2, out[i + 1] == 0x96, out[i + 2] == 0x81 else { return nil }
                i += 3
            } else {
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Python's `string.punctuation`.
    static func isASCIIPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }
}
