import Foundation

/// The Hugging Face cache layout, exactly as huggingface_hub writes it, so either side reads what the other filled:
/// `models--org--name/blobs/<etag>` holds the bytes, `snapshots/<commit>/<file>` is a relative symlink to the
/// blob, and `refs/<revision>` holds the commit a branch or tag pointed at when last fetched.
public struct HubCache: Sendable {
    /// The cache root (the `hub` folder).
    public let root: URL

    /// A cache rooted at `root`.
    public init(root: URL) { self.root = root }

    /// The repository's folder, `models--org--name`.
    public func folder(_ repo: RepoReference) -> URL { root.appendingPathComponent(repo.folderName, isDirectory: true) }

    /// The blob holding the file whose etag is `etag`.
    func blob(_ repo: RepoReference, etag: String) -> URL {
        folder(repo).appendingPathComponent("blobs", isDirectory: true).appendingPathComponent(etag)
    }

    /// The snapshot folder of `commit`.
    public func snapshot(_ repo: RepoReference, commit: String) -> URL {
        folder(repo).appendingPathComponent("snapshots", isDirectory: true).appendingPathComponent(commit, isDirectory: true)
    }

    /// The commit `repo.revision` points at in the cache: the revision itself when it is a commit with a snapshot,
    /// else the content of `refs/<revision>`; nil when the cache has not seen it.
    public func commit(_ repo: RepoReference) -> String? {
        if isCommitHash(repo.revision), FileManager.default.fileExists(atPath: snapshot(repo, commit: repo.revision).path) { return repo.revision }
        let ref = folder(repo).appendingPathComponent("refs").appendingPathComponent(repo.revision)
        guard let text = try? String(contentsOf: ref, encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return isCommitHash(commit) ? commit : nil
    }

    /// Records that `repo.revision` points at `commit` (nothing to record when the revision is the commit).
    func record(_ repo: RepoReference, commit: String) throws {
        guard repo.revision != commit else { return }
        let ref = folder(repo).appendingPathComponent("refs").appendingPathComponent(repo.revision)
        try FileManager.default.createDirectory(at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
        // No newline, as huggingface_hub writes it.
        try Data(commit.utf8).write(to: ref, options: .atomic)
    }

    /// Points `snapshots/<commit>/<file>` at the blob `etag` with a relative symlink (`../../blobs/<etag>` for a
    /// top-level file), replacing whatever was there.
    func link(_ repo: RepoReference, commit: String, file: String, etag: String) throws {
        let pointer = snapshot(repo, commit: commit).appendingPathComponent(file)
        try FileManager.default.createDirectory(at: pointer.deletingLastPathComponent(), withIntermediateDirectories: true)
        let depth = file.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth + 2) + "blobs/" + etag
        try? FileManager.default.removeItem(at: pointer)
        try FileManager.default.createSymbolicLink(atPath: pointer.path, withDestinationPath: target)
    }

    /// The snapshot folder of `repo` from the cache alone; the error names what is missing.
    public func cachedSnapshot(_ repo: RepoReference) throws -> URL {
        guard FileManager.default.fileExists(atPath: folder(repo).path) else {
            throw HubError("\(repo) is not in the Hugging Face cache (\(folder(repo).path) does not exist)")
        }
        guard let commit = commit(repo) else {
            throw HubError("\(repo): the cache has no refs/\(repo.revision) nor a snapshot of that commit in \(folder(repo).path)")
        }
        let folder = snapshot(repo, commit: commit)
        let missing = CheckpointFiles.missing(in: folder)
        guard missing.isEmpty else {
            throw HubError("\(repo): the cached snapshot \(commit) lacks \(missing.joined(separator: ", "))")
        }
        return folder
    }
}
