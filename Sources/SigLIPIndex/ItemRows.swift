import Foundation

/// The rows of an index as adding needs them: SQLite here, PostgreSQL in SigLIPPostgres. Both stores get the
/// same add semantics (skips, edits, renames, removals, dedupe by content) from the extension in Adding.swift.
public protocol ItemRows: AnyObject {
    /// The image rows stored under `path`, oldest first.
    func files(path: String) throws -> [StoredFile]
    /// The image row holding these bytes, if any.
    func file(contentHash: String) throws -> StoredFile?
    /// The image rows whose paths lie inside `folder`.
    func files(under folder: String) throws -> [StoredFile]
    /// Applies one batch in one transaction (removes, then re-points, then inserts skipping content already
    /// indexed); returns the paths inserted.
    func commit(_ change: BatchChange) throws -> Set<String>
    /// Whether an item of `kind` with these bytes is stored.
    func contains(kind: ItemKind, contentHash: String) throws -> Bool
}
