/// A Hub model repository and revision, as `org/name` or `org/name@revision` on the command line.
public struct RepoReference: Sendable, Equatable, CustomStringConvertible {
    /// The repository id, `org/name`.
    public let id: String
    /// A branch, tag or commit; `main` when none is given.
    public let revision: String

    /// Parses `org/name[@revision]`; nil when `text` is not of that form (so it is taken for a local path).
    public init?(_ text: String) {
        let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let id = String(parts[0])
        let names = id.split(separator: "/", omittingEmptySubsequences: false)
        guard names.count == 2, names.allSatisfy(Self.isName) else { return nil }
        if parts.count == 2 {
            // Branch names may hold slashes ("refs/pr/1"), but never a path that climbs out of refs/.
            let revision = String(parts[1])
            guard !revision.isEmpty, !revision.hasPrefix("/"), !revision.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }),
                  revision.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return nil }
            self.revision = revision
        } else {
            self.revision = "main"
        }
        self.id = id
    }

    /// The folder the cache keeps this repository in: `models--org--name`.
    public var folderName: String { "models--" + id.replacingOccurrences(of: "/", with: "--") }

    public var description: String { revision == "main" ? id : "\(id)@\(revision)" }

    /// A Hub name segment: letters, digits, `-`, `_`, `.`, not starting with a dot or dash (so `./x` and `../x`
    /// stay local paths).
    private static func isName(_ part: Substring) -> Bool {
        guard let first = part.unicodeScalars.first, !part.isEmpty, part.count <= 96, first != ".", first != "-" else { return false }
        return part.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0) }
    }
}

/// True when `text` is a full 40-digit lowercase hexadecimal commit id.
func isCommitHash(_ text: String) -> Bool {
    text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
}
