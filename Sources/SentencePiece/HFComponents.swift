/// The `tokenizer.json` normalisers this library runs exactly; anything else is refused when loading.
enum HFNormalizer: Sendable {
    case lowercase
    case replace(pattern: String, content: String)
    case prepend(String)

    static func parse(_ json: JSONValue?, file: String) throws -> [HFNormalizer] {
        guard let object = json, object.object != nil else { return [] }
        let type = object["type"]?.string ?? "?"
        switch type {
        case "Sequence":
            return try (object["normalizers"]?.array ?? []).flatMap { try parse($0, file: file) }
        case "Lowercase": return [.lowercase]
        case "Prepend":
            guard let text = object["prepend"]?.string else { throw SentencePieceError.invalidJSON(file: file, reason: "Prepend") }
            return [.prepend(text)]
        case "Replace":
            guard let pattern = object["pattern"]?["String"]?.string, let content = object["content"]?.string else {
                throw SentencePieceError.unsupported(file: file, component: "Replace with a regex pattern")
            }
            return [.replace(pattern: pattern, content: content)]
        default:
            throw SentencePieceError.unsupported(file: file, component: "normalizer \(type)")
        }
    }

    func apply(_ text: String) -> String {
        switch self {
        case .lowercase: return UnicodeText.rustLowercased(text)
        case let .replace(pattern, content): return ScalarText.replacing(pattern, with: content, in: text)
        case let .prepend(prefix): return text.isEmpty ? text : prefix + text
        }
    }
}

/// The `tokenizer.json` pre-tokenisers this library runs exactly (string `Split`); anything else is refused.
enum HFPreTokenizer: Sendable {
    enum Behavior: String, Sendable { case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious",
                                           mergedWithNext = "MergedWithNext" }
    case split(pattern: String, behavior: Behavior)

    static func parse(_ json: JSONValue?, file: String) throws -> [HFPreTokenizer] {
        guard let object = json, object.object != nil else { return [] }
        let type = object["type"]?.string ?? "?"
        switch type {
        case "Sequence":
            return try (object["pretokenizers"]?.array ?? []).flatMap { try parse($0, file: file) }
        case "Split":
            guard let pattern = object["pattern"]?["String"]?.string, !pattern.isEmpty, object["invert"]?.bool != true,
                  let behavior = object["behavior"]?.string.flatMap(Behavior.init(rawValue:)) else {
                throw SentencePieceError.unsupported(file: file, component: "Split other than a plain string")
            }
            return [.split(pattern: pattern, behavior: behavior)]
        default:
            throw SentencePieceError.unsupported(file: file, component: "pre_tokenizer \(type)")
        }
    }

    func split(_ text: String) -> [String] {
        guard case let .split(pattern, behavior) = self else { return [text] }
        let parts = ScalarText.split(text, on: pattern)
        guard parts.count > 1 else { return [text] }
        var out: [String] = []
        for (i, part) in parts.enumerated() {
            let isLast = i == parts.count - 1
            switch behavior {
            case .removed: out.append(part)
            case .isolated:
                out.append(part)
                if !isLast { out.append(pattern) }
            case .mergedWithPrevious: out.append(isLast ? part : part + pattern)
            case .mergedWithNext: out.append(i == 0 ? part : pattern + part)
            }
        }
        return out.filter { !$0.isEmpty }
    }
}

/// Literal find/replace and split over Unicode scalars. Foundation's string search compares grapheme clusters,
/// which would miss a space followed by a combining mark; the Rust reference compares bytes.
enum ScalarText {
    static func split(_ text: String, on pattern: String) -> [String] {
        let p = Array(pattern.unicodeScalars)
        let s = Array(text.unicodeScalars)
        guard !p.isEmpty, s.count >= p.count else { return [text] }
        var parts: [String] = []
        var start = 0
        var i = 0
        while i + p.count <= s.count {
            if s[i] == p[0] && Array(s[i..<(i + p.count)]) == p {
                parts.append(string(s[start..<i]))
                i += p.count
                start = i
            } else {
                i += 1
            }
        }
        parts.append(string(s[start...]))
        return parts
    }

    static func replacing(_ pattern: String, with replacement: String, in text: String) -> String {
        guard !pattern.isEmpty else { return text }
        return split(text, on: pattern).joined(separator: replacement)
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
