import Foundation

/// An indexed file that no longer is what was embedded.
public struct StaleFile: Sendable, Equatable, CustomStringConvertible {
    /// How it differs.
    public enum Change: Sendable, Equatable {
        /// The file is gone.
        case missing
        /// The file's bytes differ from those embedded.
        case changed
        /// The file is gone and a file with its bytes, not indexed, sits in the same folder under this path.
        case renamed(to: String)
    }

    /// The row id.
    public let id: Int64
    /// The path stored.
    public let path: String
    /// How it differs.
    public let change: Change

    /// One line: what differs, and the command that fixes it.
    public var description: String {
        switch change {
        case .missing: "missing: \(path) (item \(id)) is gone; `siglip index add` of its folder drops the row, `siglip index remove` too"
        case .changed: "changed: \(path) (item \(id)) differs from what was embedded; `siglip index add` re-embeds it"
        case .renamed(let new): "renamed: \(path) (item \(id)) is now \(new); `siglip index add` of its folder moves the row"
        }
    }
}

extension SiglipIndex {
    /// Indexed files that are missing, changed or renamed. A file whose size and mtime are those recorded is
    /// taken as unchanged (a stat per file); otherwise its SHA-256 decides. A missing file counts as renamed when
    /// its folder holds an unindexed file of the same size and bytes.
    public func staleFiles() throws -> [StaleFile] {
        var stale: [StaleFile] = []
        for row in try store.files() {
            if let stamp = FileStamp(path: row.path) {
                guard !stamp.matches(row) else { continue }
                let data = try? Data(contentsOf: URL(fileURLWithPath: row.path))
                if data.map(Self.contentHash) != row.contentHash { stale.append(StaleFile(id: row.id, path: row.path, change: .changed)) }
            } else {
                stale.append(StaleFile(id: row.id, path: row.path, change: try renamedPath(of: row).map { StaleFile.Change.renamed(to: $0) } ?? .missing))
            }
        }
        return stale
    }

    /// An unindexed file beside `row`'s old path holding its bytes, if there is one.
    private func renamedPath(of row: StoredFile) throws -> String? {
        let folder = URL(fileURLWithPath: row.path).deletingLastPathComponent()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        for name in names {
            let path = folder.appendingPathComponent(name).path
            guard FileStamp(path: path)?.size == row.size, try store.files(path: path).isEmpty,
                  let data = try? Data(contentsOf: URL(fileURLWithPath: path)), Self.contentHash(data) == row.contentHash else { continue }
            return path
        }
        return nil
    }
}
