/// Text operations with the exact semantics of the reference implementations tokenizers are wrapped in:
/// Python's `str.lower`/`str.strip`/`\s` (slow HF tokenizers) and Rust's `char::to_lowercase` (HF tokenizers).
public enum UnicodeText {
    /// Python `str.isspace` / regex `\s` for one scalar (bidi classes WS, B, S and category Zs).
    @inline(__always)
    public static func isPythonWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python `str.lower()`: full lowercase mappings plus the Final_Sigma rule for `Σ`.
    public static func pythonLowercased(_ text: String) -> String {
        if let ascii = asciiLowercased(text) { return ascii }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, s) in scalars.enumerated() {
            if s.value < 0x80 {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(UInt8(s.value + 32)) : s)
            } else if s.value == 0x3A3 {
                out.append(isFinalSigma(scalars, at: i) ? "\u{3C2}" : "\u{3C3}")
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Rust `str` lowercasing as HF tokenizers' `Lowercase` normaliser does it: each scalar's full mapping, no context.
    public static func rustLowercased(_ text: String) -> String {
        if let ascii = asciiLowercased(text) { return ascii }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value < 0x80 {
                out.append(s.value >= 0x41 && s.value <= 0x5A ? Unicode.Scalar(UInt8(s.value + 32)) : s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Both lowercasings agree on ASCII text; this is the fast path for it (nil if any byte is not ASCII).
    private static func asciiLowercased(_ text: String) -> String? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            if b >= 0x80 { return nil }
            bytes.append(b >= 0x41 && b <= 0x5A ? b + 32 : b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// CPython's `handle_capital_sigma`: cased (case-ignorable)* Σ not followed by (case-ignorable)* cased.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        var j = i - 1
        while j >= 0, scalars[j].properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, scalars[j].properties.isCased else { return false }
        j = i + 1
        while j < scalars.count, scalars[j].properties.isCaseIgnorable { j += 1 }
        return j == scalars.count || !scalars[j].properties.isCased
    }

    /// Python `str.strip()` with no arguments.
    public static func pythonStripped(_ text: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        var view = text
        while let first = view.first, isPythonWhitespace(first) { view.removeFirst() }
        while let last = view.last, isPythonWhitespace(last) { view.removeLast() }
        return view
    }
}
