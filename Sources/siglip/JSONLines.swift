import Foundation

/// Writes one JSON object per line to standard output, with floats in their shortest round-trip form.
struct JSONLines {
    private var buffer = ""

    /// A JSON string literal for `s`, escaped per RFC 8259.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A JSON number for `x`, or null when it is not finite.
    static func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }

    /// A JSON array of numbers.
    static func numbers<S: Sequence>(_ xs: S) -> String where S.Element == Float {
        "[" + xs.map(number).joined(separator: ", ") + "]"
    }

    /// A JSON array of integers.
    static func integers<S: Sequence>(_ xs: S) -> String where S.Element: BinaryInteger {
        "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]"
    }

    /// An object from already-encoded values, keys in the given order.
    static func object(_ fields: KeyValuePairs<String, String>) -> String {
        "{" + fields.map { string($0.key) + ": " + $0.value }.joined(separator: ", ") + "}"
    }

    /// Prints one line and flushes, so a consumer reading a pipe sees results as they come.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints the error object for a failed input and reports it on standard error.
    static func emitError(input: String, _ error: Error) {
        let message = "\(CommandFailure.wrapping(error))"
        emit(object(["input": string(input), "error": string(message)]))
        // Most messages already start with the file they are about.
        printError(message.hasPrefix(input) ? message : "\(input): \(message)")
    }
}
