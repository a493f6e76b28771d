import Foundation

/// Resolves client-given paths inside one root directory: relative paths only, no `..` component, and the
/// fully resolved file (symbolic links followed) must still lie under the resolved root.
struct ConfinedPaths: Sendable {
    /// The root with its own symbolic links resolved.
    let root: String

    /// Confinement to `root`, which must exist.
    init(root: URL) throws {
        guard let resolved = Self.realPath(root.path) else { throw APIError(.internalServerError, "the configured root does not exist") }
        self.root = resolved
    }

    /// The resolved absolute path of `relative`, or a 400 that names only the client's own string.
    func resolve(_ relative: String) throws -> String {
        let shown = String(relative.prefix(200))
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0") else {
            throw APIError.badRequest("path '\(shown)' must be relative to the server's root")
        }
        guard !relative.split(separator: "/").contains("..") else { throw APIError.badRequest("path '\(shown)' may not contain '..'") }
        guard let resolved = Self.realPath(root + "/" + relative) else { throw APIError.badRequest("path '\(shown)' does not exist under the root") }
        guard contains(resolved) else { throw APIError.badRequest("path '\(shown)' leads outside the server's root") }
        return resolved
    }

    /// Whether an absolute, resolved path lies under the root.
    func contains(_ resolved: String) -> Bool { resolved == root || resolved.hasPrefix(root == "/" ? "/" : root + "/") }

    /// The path as clients see it: relative to the root.
    func display(_ absolute: String) -> String {
        contains(absolute) && absolute != root ? String(absolute.dropFirst(root == "/" ? 1 : root.count + 1)) : absolute
    }

    /// `realpath(3)`: the canonical absolute path, or nil if something along it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
