import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Reports bytes of one file as they arrive: the file's name, bytes on disk, and the size when known.
public typealias HubProgress = @Sendable (_ file: String, _ bytes: Int64, _ total: Int64?) -> Void

/// One file's metadata from the Hub's HEAD answer.
struct FileMetadata {
    /// The blob name: the LFS SHA-256 for large files, the git blob id otherwise.
    let etag: String
    /// The byte count, when the Hub says.
    let size: Int64?
    /// Where the bytes are: a CDN URL for LFS files, else the resolve URL.
    let location: String
    /// The commit the Hub resolved the revision to.
    let commit: String?

    /// An LFS etag is the file's SHA-256, which the download is checked against.
    var sha256: String? {
        etag.utf8.count == 64 && etag.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } ? etag : nil
    }
}

/// Downloads a blob into `<blob>.incomplete`, resuming what an earlier attempt left there, checks its size and
/// SHA-256, and renames it into place only when both match.
struct BlobDownload {
    let transport: HubTransport
    let repo: RepoReference
    let file: String
    let metadata: FileMetadata
    let destination: URL
    let progress: HubProgress?
    /// Attempts after a connection drop that still delivered bytes, as huggingface_hub retries.
    static let retries = 5

    var partial: URL { URL(fileURLWithPath: destination.path + ".incomplete") }

    func run() async throws {
        var failures = 0
        var restartedAfterMismatch = false
        while true {
            let before = partialSize()
            do {
                try await fetchRest()
            } catch let failure as TransportFailure {
                // A dropped connection after some bytes is retried from where it stopped; one that gave nothing is not.
                failures += 1
                guard partialSize() > before, failures <= Self.retries else {
                    throw HubError("\(repo): download of \(file) interrupted at \(partialSize()) of \(metadata.size.map(String.init) ?? "?") bytes (\(failure.underlying)); run again to resume")
                }
                continue
            }
            if let problem = verify() {
                try? FileManager.default.removeItem(at: partial)
                // A resumed download may have built on a damaged partial file: start once more from nothing.
                if before > 0, !restartedAfterMismatch { restartedAfterMismatch = true; continue }
                throw HubError("\(repo): \(file): \(problem); the partial download was removed")
            }
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.moveItem(at: partial, to: destination)
            return
        }
    }

    private func partialSize() -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: partial.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Requests the bytes the partial file lacks, appending on 206 and starting over on 200 (a server that ignores
    /// Range); nothing is requested when the partial already holds the whole size.
    private func fetchRest() async throws {
        if !FileManager.default.fileExists(atPath: partial.path) {
            guard FileManager.default.createFile(atPath: partial.path, contents: nil) else { throw HubError("\(partial.path): cannot create") }
        }
        var have = partialSize()
        if let size = metadata.size, have > size {
            try FileHandle(forWritingTo: partial).truncate(atOffset: 0)
            have = 0
        }
        if let size = metadata.size, have == size { return }
        var headers = [("Accept-Encoding", "identity")]
        if have > 0 { headers.append(("Range", "bytes=\(have)-")) }
        let answer = try await transport.send(.GET, metadata.location, headers: headers, followAbsolute: true)
        if have > 0, answer.status == 416 {
            // The partial is at least as long as the file: let the checks decide whether it is the file.
            _ = try? await answer.response.body.collect(upTo: 1 << 16)
            return
        }
        guard answer.status == 200 || answer.status == 206 else {
            _ = try? await answer.response.body.collect(upTo: 1 << 16)
            throw statusError(answer, repo: repo, what: file, hasToken: transport.token != nil)
        }
        let handle = try FileHandle(forWritingTo: partial)
        defer { try? handle.close() }
        if answer.status == 200 {
            try handle.truncate(atOffset: 0)
            have = 0
        } else {
            try handle.seekToEnd()
        }
        progress?(file, have, metadata.size)
        do {
            for try await chunk in answer.response.body {
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                have += Int64(chunk.readableBytes)
                progress?(file, have, metadata.size)
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw TransportFailure(url: answer.url, underlying: error)
        }
    }

    /// Why the partial file is not the file the Hub described, or nil when it is.
    private func verify() -> String? {
        let size = partialSize()
        if let expected = metadata.size, size != expected { return "got \(size) bytes where the Hub announced \(expected)" }
        guard let expected = metadata.sha256 else { return nil }
        guard let handle = try? FileHandle(forReadingFrom: partial) else { return "cannot read the download back" }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try? handle.read(upToCount: 1 << 22), !data.isEmpty { hasher.update(data: data) }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return digest == expected ? nil : "SHA-256 \(digest) does not match the Hub's \(expected)"
    }
}
