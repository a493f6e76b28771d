import Foundation

/// The normaliser and pre-tokeniser of HF's `CLIPTokenizer`, written out rather than run through a regex engine.
enum CLIPPreTokenizer {
    /// NFC, each whitespace run to one space, then each scalar lowercased on its own (no context such as Greek
    /// final sigma, as the reference's per-character lowercasing does).
    static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var inSpace = false
        for s in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if s.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
                continue
            }
            inSpace = false
            if s.properties.changesWhenLowercased {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }

    /// The matches of `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
    /// leftmost first, first alternative that matches; whatever matches nothing (whitespace) is dropped.
    static func pieces(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        func take(_ n: Int) {
            pieces.append(String(String.UnicodeScalarView(scalars[i..<(i + n)])))
            i += n
        }
        func hasPrefix(_ literal: String) -> Bool {
            let l = Array(literal.unicodeScalars)
            return i + l.count <= scalars.count && Array(scalars[i..<(i + l.count)]) == l
        }
        while i < scalars.count {
            let s = scalars[i]
            if s.properties.isWhitespace {
                i += 1
            } else if let literal = ["<|startoftext|>", "<|endoftext|>", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].first(where: hasPrefix) {
                take(literal.unicodeScalars.count)
            } else if isLetter(s) {
                var n = 1
                while i + n < scalars.count, isLetter(scalars[i + n]) { n += 1 }
                take(n)
            } else if isNumber(s) {
                take(1)
            } else {
                var n = 1
                while i + n < scalars.count, !scalars[i + n].properties.isWhitespace, !isLetter(scalars[i + n]), !isNumber(scalars[i + n]) {
                    n += 1
                }
                take(n)
            }
        }
        return pieces
    }

    /// `\p{L}`.
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// `\p{N}`.
    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}
