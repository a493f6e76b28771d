/// A token matched as a whole string before the model runs (`<eos>`, `</s>`, …), as in HF `AddedToken`.
public struct AddedToken: Sendable, Hashable {
    /// The literal text that is matched.
    public var content: String
    /// The id it encodes to.
    public var id: Int32
    /// Whether it is a special token (skipped by some decoders).
    public var special: Bool
    /// Whether whitespace on its left is swallowed.
    public var lstrip: Bool
    /// Whether whitespace on its right is swallowed.
    public var rstrip: Bool
    /// Whether it is matched in normalised text (true) or in the raw input (false).
    public var normalized: Bool

    /// Creates an added token.
    public init(content: String, id: Int32, special: Bool = true, lstrip: Bool = false, rstrip: Bool = false,
                normalized: Bool = false) {
        self.content = content
        self.id = id
        self.special = special
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.normalized = normalized
    }
}

/// Splits text around added tokens: leftmost match first, the longest token at that position.
public struct AddedTokenSplitter: Sendable {
    /// A run of ordinary text or one matched token.
    public enum Chunk: Sendable, Equatable {
        case text(String)
        case token(AddedToken)
    }

    private let tokens: [[Unicode.Scalar]: AddedToken]
    private let firstScalars: Set<Unicode.Scalar>
    private let firstBytes: [Bool]  // leading UTF-8 byte of some token: lets most texts skip the scan
    private let longest: Int

    /// A splitter for `tokens` (empty contents are ignored).
    public init(_ tokens: [AddedToken]) {
        var map: [[Unicode.Scalar]: AddedToken] = [:]
        for token in tokens where !token.content.isEmpty {
            let key = Array(token.content.unicodeScalars)
            if map[key] == nil { map[key] = token }
        }
        self.tokens = map
        firstScalars = Set(map.keys.compactMap(\.first))
        var bytes = [Bool](repeating: false, count: 256)
        for scalar in firstScalars { if let b = String(scalar).utf8.first { bytes[Int(b)] = true } }
        firstBytes = bytes
        longest = map.keys.map(\.count).max() ?? 0
    }

    /// Whether there is nothing to split on.
    public var isEmpty: Bool { tokens.isEmpty }

    /// Splits `text`; whitespace next to a token with lstrip/rstrip is removed (Python `str.isspace` rules).
    public func split(_ text: String) -> [Chunk] {
        guard !tokens.isEmpty, text.utf8.contains(where: { firstBytes[Int($0)] }) else {
            return text.isEmpty ? [] : [.text(text)]
        }
        let scalars = Array(text.unicodeScalars)
        var pieces: [(range: Range<Int>, token: AddedToken?)] = []
        var textStart = 0
        var i = 0
        while i < scalars.count {
            guard firstScalars.contains(scalars[i]) else { i += 1; continue }
            var match: AddedToken?
            var matchLength = 0
            var length = min(longest, scalars.count - i)
            while length > 0 {
                if let token = tokens[Array(scalars[i..<(i + length)])] {
                    match = token
                    matchLength = length
                    break
                }
                length -= 1
            }
            guard let token = match else { i += 1; continue }
            pieces.append((textStart..<i, nil))
            pieces.append((i..<(i + matchLength), token))
            i += matchLength
            textStart = i
        }
        pieces.append((textStart..<scalars.count, nil))
        // Apply lstrip/rstrip of each token to its neighbouring text runs.
        var ranges = pieces.map(\.range)
        for (k, piece) in pieces.enumerated() {
            guard let token = piece.token else { continue }
            if token.lstrip, k > 0 {
                while ranges[k - 1].count > 0, UnicodeText.isPythonWhitespace(scalars[ranges[k - 1].upperBound - 1]) {
                    ranges[k - 1] = ranges[k - 1].lowerBound..<(ranges[k - 1].upperBound - 1)
                }
            }
            if token.rstrip, k + 1 < pieces.count {
                while ranges[k + 1].count > 0, UnicodeText.isPythonWhitespace(scalars[ranges[k + 1].lowerBound]) {
                    ranges[k + 1] = (ranges[k + 1].lowerBound + 1)..<ranges[k + 1].upperBound
                }
            }
        }
        var chunks: [Chunk] = []
        for (k, piece) in pieces.enumerated() {
            if let token = piece.token {
                chunks.append(.token(token))
            } else if !ranges[k].isEmpty {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[ranges[k]])
                chunks.append(.text(String(view)))
            }
        }
        return chunks
    }
}
