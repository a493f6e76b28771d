import AsyncHTTPClient
import Foundation
import NIOCore

/// Fetches a checkpoint's files into the Hugging Face cache the way huggingface_hub does (the revision's commit
/// and file list from the API, each file's etag from a HEAD on its resolve URL, the bytes into its blob) and
/// returns the snapshot folder; with `offline`, only looks in the cache.
public struct HubDownloader: Sendable {
    /// Endpoint, token, cache and offline switch.
    public let settings: HubSettings
    /// Called as bytes arrive; nil for silence.
    public let progress: HubProgress?
    /// Called with one-line notices (a fallback to the cache, a restart after a bad checksum).
    public let notice: (@Sendable (String) -> Void)?

    /// A downloader with these settings.
    public init(settings: HubSettings, progress: HubProgress? = nil, notice: (@Sendable (String) -> Void)? = nil) {
        self.settings = settings
        self.progress = progress
        self.notice = notice
    }

    var cache: HubCache { HubCache(root: settings.cache) }

    /// The snapshot folder holding `repo`'s checkpoint, fetching what the cache lacks.
    public func snapshot(_ repo: RepoReference) async throws -> URL {
        if settings.offline {
            do { return try cache.cachedSnapshot(repo) } catch let error as HubError { throw HubError("HF_HUB_OFFLINE is set and " + error.message) }
        }
        return try await HubTransport.with(token: settings.token, endpoint: settings.endpoint) { transport in
            let commit: String, siblings: Set<String>
            do {
                (commit, siblings) = try await revisionInfo(repo, transport)
            } catch let failure as TransportFailure {
                // As huggingface_hub does: when the Hub cannot be reached, a complete cached snapshot still serves.
                guard let cached = try? cache.cachedSnapshot(repo) else { throw HubError("cannot reach the Hub for \(repo): \(failure)") }
                notice?("cannot reach the Hub (\(failure.underlying)); using the cached snapshot of \(repo)")
                return cached
            }
            for file in try CheckpointFiles.wanted(in: siblings, repo: repo) {
                try await fetch(file, repo, commit: commit, transport)
            }
            let folder = cache.snapshot(repo, commit: commit)
            let index = folder.appendingPathComponent(CheckpointFiles.index)
            if !FileManager.default.fileExists(atPath: folder.appendingPathComponent(CheckpointFiles.weights).path),
               FileManager.default.fileExists(atPath: index.path) {
                for shard in try CheckpointFiles.shards(index: index) { try await fetch(shard, repo, commit: commit, transport) }
            }
            try cache.record(repo, commit: commit)
            return folder
        }
    }

    /// The commit the revision points at and the repository's file names, from `/api/models/{repo}/revision/{rev}`.
    func revisionInfo(_ repo: RepoReference, _ transport: HubTransport) async throws -> (String, Set<String>) {
        let url = "\(settings.endpoint)/api/models/\(repo.id)/revision/\(Self.encode(repo.revision, keepSlash: false))"
        let answer = try await transport.send(.GET, url, followAbsolute: true)
        let body: ByteBuffer
        do { body = try await answer.response.body.collect(upTo: 64 << 20) } catch { throw TransportFailure(url: url, underlying: error) }
        guard answer.status == 200 else { throw statusError(answer, repo: repo, what: "the repository", hasToken: settings.token != nil) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let sha = object["sha"] as? String, isCommitHash(sha), let list = object["siblings"] as? [Any] else {
            throw HubError("\(repo): the Hub's answer from \(url) has no commit sha and file list")
        }
        let names = list.compactMap { ($0 as? [String: Any])?["rfilename"] as? String }
        return (sha, Set(names))
    }

    /// Makes `snapshots/<commit>/<file>` present: nothing when it already is, a link when its blob is cached,
    /// else a download into the blob first.
    func fetch(_ file: String, _ repo: RepoReference, commit: String, _ transport: HubTransport) async throws {
        let pointer = cache.snapshot(repo, commit: commit).appendingPathComponent(file)
        if FileManager.default.fileExists(atPath: pointer.path) { return }  // follows the link: the blob is there too
        let metadata = try await head(file, repo, commit: commit, transport)
        let blob = cache.blob(repo, etag: metadata.etag)
        if !FileManager.default.fileExists(atPath: blob.path) {
            try FileManager.default.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
            try await BlobDownload(transport: transport, repo: repo, file: file, metadata: metadata, destination: blob, progress: progress).run()
        }
        try cache.link(repo, commit: commit, file: file, etag: metadata.etag)
    }

    /// The file's etag, size and location from a HEAD on its resolve URL, stopping at the Hub's redirect to a CDN.
    func head(_ file: String, _ repo: RepoReference, commit: String, _ transport: HubTransport) async throws -> FileMetadata {
        let url = "\(settings.endpoint)/\(repo.id)/resolve/\(commit)/\(Self.encode(file, keepSlash: true))"
        let answer = try await transport.send(.HEAD, url, headers: [("Accept-Encoding", "identity")], followAbsolute: false)
        _ = try? await answer.response.body.collect(upTo: 1 << 16)
        let redirected = (300..<400).contains(answer.status)
        guard answer.status == 200 || redirected else { throw statusError(answer, repo: repo, what: file, hasToken: settings.token != nil) }
        guard let raw = answer.header("X-Linked-Etag") ?? answer.header("ETag") else { throw HubError("\(repo): the Hub sent no etag for \(file)") }
        let etag = Self.normalize(etag: raw)
        guard !etag.isEmpty, etag.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }), etag != ".", etag != ".." else {
            throw HubError("\(repo): the etag '\(raw)' for \(file) cannot name a cache file")
        }
        let size = (answer.header("X-Linked-Size") ?? (redirected ? nil : answer.header("Content-Length"))).flatMap { Int64($0) }
        let location = answer.header("Location").flatMap { URL(string: $0, relativeTo: URL(string: answer.url))?.absoluteString } ?? answer.url
        return FileMetadata(etag: etag, size: size, location: location, commit: answer.header("X-Repo-Commit"))
    }

    /// An ETag without its weak marker and quotes, as huggingface_hub names blobs.
    static func normalize(etag: String) -> String {
        var text = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return text
    }

    /// Percent-encodes a revision (slashes too) or a file path (slashes kept) for a URL path.
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~" + (keepSlash ? "/" : ""))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
