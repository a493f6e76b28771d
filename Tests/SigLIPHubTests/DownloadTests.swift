import Foundation
import Testing
@testable import SigLIPHub

/// A fresh cache (and HOME, so no stray token file is read) per test.
struct Scratch {
    let root: URL
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hub-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    var cache: URL { root.appendingPathComponent("cache") }
    func settings(_ hub: StandInHub?, token: String? = nil, offline: Bool = false) -> HubSettings {
        var environment = ["HOME": root.path, "HF_HUB_CACHE": cache.path, "HF_ENDPOINT": hub?.endpoint ?? "http://127.0.0.1:9"]
        if let token { environment["HF_TOKEN"] = token }
        if offline { environment["HF_HUB_OFFLINE"] = "1" }
        return HubSettings(environment: environment)
    }
    var repoFolder: URL { cache.appendingPathComponent("models--org--tiny") }
    func blob(_ file: String) -> URL { repoFolder.appendingPathComponent("blobs/\(StandInHub.etag(file))") }
    func remove() { try? FileManager.default.removeItem(at: root) }
}

let tiny = RepoReference("org/tiny")!

/// Downloads `org/tiny` with `settings`, bounded.
func download(_ settings: HubSettings, _ repo: RepoReference = tiny) async throws -> URL {
    try await bounded { try await HubDownloader(settings: settings).snapshot(repo) }
}

/// The error message of a download expected to fail (nil if it succeeded).
func failure(_ settings: HubSettings, _ repo: RepoReference = tiny) async -> String? {
    do { _ = try await download(settings, repo); return nil } catch { return "\(error)" }
}

@Suite("Hub downloads into the Hugging Face cache", .serialized)
struct DownloadTests {
    @Test func fullDownloadWritesTheExactCacheLayout() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        hub.requiredToken = "secret"
        let folder = try await download(scratch.settings(hub, token: "secret"))
        #expect(folder.path == scratch.repoFolder.appendingPathComponent("snapshots/\(StandInHub.commit)").path)
        #expect(StandInHub.files.count == 5)
        for (file, bytes) in StandInHub.files {
            let pointer = folder.appendingPathComponent(file)
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: pointer.path)
            #expect(target == "../../blobs/\(StandInHub.etag(file))", "\(file)")
            #expect(try Data(contentsOf: pointer) == bytes, "\(file)")
        }
        #expect(try String(contentsOf: scratch.repoFolder.appendingPathComponent("refs/main"), encoding: .utf8) == StandInHub.commit)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: scratch.repoFolder.appendingPathComponent("blobs").path)
        #expect(Set(blobs) == Set(StandInHub.files.keys.map(StandInHub.etag)))
        // The token goes to the Hub and never to the CDN, which the redirect names by another host.
        let cdn = hub.log.filter { $0.path.hasPrefix("/cdn/") }
        #expect(cdn.count == 2 && cdn.allSatisfy { $0.authorization == nil })
        #expect(hub.log.filter { !$0.path.hasPrefix("/cdn/") }.allSatisfy { $0.authorization == "Bearer secret" })

        // A second run finds everything cached: one API call, no HEAD, no bytes.
        let before = hub.log.count
        #expect(try await download(scratch.settings(hub, token: "secret")) == folder)
        #expect(hub.log.count == before + 1 && hub.log.last?.path.hasPrefix("/api/models/") == true)
    }

    @Test func interruptedDownloadResumesFromThePartialBytes() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let total = try #require(StandInHub.files["model.safetensors"]).count
        hub.cutAfter = 300_000
        // The cut hits the first CDN request, which is the weights (fetched right after config.json).
        _ = try await download(scratch.settings(hub))
        let requests = hub.cdnRequests("model.safetensors")
        try #require(requests.count == 2, "\(requests)")
        #expect(requests[0].range == nil && requests[0].bytesSent == 300_000)
        let resumedAt = try #require(requests[1].range.flatMap { Int($0.dropFirst(6).dropLast()) }, "second request had no Range")
        #expect(resumedAt > 0 && resumedAt <= 300_000)
        #expect(requests[1].bytesSent == total - resumedAt)
        #expect(try Data(contentsOf: scratch.blob("model.safetensors")) == StandInHub.files["model.safetensors"])
        #expect(!FileManager.default.fileExists(atPath: scratch.blob("model.safetensors").path + ".incomplete"))
    }

    @Test func partialLeftByAnEarlierRunIsResumed() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let bytes = try #require(StandInHub.files["model.safetensors"])
        try FileManager.default.createDirectory(at: scratch.blob("model.safetensors").deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.prefix(400_000).write(to: URL(fileURLWithPath: scratch.blob("model.safetensors").path + ".incomplete"))
        _ = try await download(scratch.settings(hub))
        let requests = hub.cdnRequests("model.safetensors")
        try #require(requests.count == 1, "\(requests)")
        #expect(requests[0].range == "bytes=400000-")
        #expect(requests[0].bytesSent == bytes.count - 400_000)
        #expect(try Data(contentsOf: scratch.blob("model.safetensors")) == bytes)
    }

    @Test func corruptedPartialIsCaughtByTheChecksumAndRefetched() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let bytes = try #require(StandInHub.files["model.safetensors"])
        try FileManager.default.createDirectory(at: scratch.blob("model.safetensors").deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 400_000).write(to: URL(fileURLWithPath: scratch.blob("model.safetensors").path + ".incomplete"))
        _ = try await download(scratch.settings(hub))
        let requests = hub.cdnRequests("model.safetensors")
        try #require(requests.count == 2, "\(requests)")
        #expect(requests[0].range == "bytes=400000-" && requests[1].range == nil && requests[1].bytesSent == bytes.count)
        #expect(try Data(contentsOf: scratch.blob("model.safetensors")) == bytes)
    }

    @Test func wrongBytesFromTheServerAreRefused() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        hub.corrupt = true
        let message = try #require(await failure(scratch.settings(hub)))
        #expect(message.contains("SHA-256") && message.contains("org/tiny"), "\(message)")
        let blobs = (try? FileManager.default.contentsOfDirectory(atPath: scratch.repoFolder.appendingPathComponent("blobs").path)) ?? []
        #expect(!blobs.contains { $0.hasPrefix(StandInHub.etag("model.safetensors")) }, "\(blobs)")
        #expect(!FileManager.default.fileExists(atPath: scratch.blob("model.safetensors").path))
        #expect(!FileManager.default.fileExists(atPath: scratch.blob("model.safetensors").path + ".incomplete"))
    }

    @Test func serverIgnoringRangeRestartsTheFile() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        hub.ignoreRange = true
        let bytes = try #require(StandInHub.files["model.safetensors"])
        try FileManager.default.createDirectory(at: scratch.blob("model.safetensors").deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.prefix(400_000).write(to: URL(fileURLWithPath: scratch.blob("model.safetensors").path + ".incomplete"))
        _ = try await download(scratch.settings(hub))
        let requests = hub.cdnRequests("model.safetensors")
        try #require(requests.count == 1)
        #expect(requests[0].range == "bytes=400000-" && requests[0].bytesSent == bytes.count)
        #expect(try Data(contentsOf: scratch.blob("model.safetensors")) == bytes)
    }

    @Test func offlineUsesTheCacheAndSaysWhatIsMissing() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let empty = try #require(await failure(scratch.settings(nil, offline: true)))
        #expect(empty.contains("HF_HUB_OFFLINE") && empty.contains("org/tiny") && empty.contains("not in the Hugging Face cache"), "\(empty)")
        let folder = try await download(scratch.settings(hub))
        let requests = hub.log.count
        // Offline, with an endpoint nothing listens on: served from the cache without a request.
        #expect(try await download(scratch.settings(nil, offline: true)) == folder)
        #expect(hub.log.count == requests)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        let missing = try #require(await failure(scratch.settings(nil, offline: true)))
        #expect(missing.contains("lacks model.safetensors"), "\(missing)")
        let revision = try #require(await failure(scratch.settings(nil, offline: true), RepoReference("org/tiny@v2")!))
        #expect(revision.contains("refs/v2"), "\(revision)")
    }

    @Test func unreachableHubFallsBackToACompleteCache() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let folder = try await download(scratch.settings(hub))
        #expect(try await download(scratch.settings(nil)) == folder)
        let other = try Scratch()
        defer { other.remove() }
        let message = try #require(await failure(other.settings(nil)))
        #expect(message.contains("cannot reach the Hub for org/tiny"), "\(message)")
    }

    @Test func gatedRepositoryNeedsTheRightToken() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        hub.requiredToken = "secret"
        let without = try #require(await failure(scratch.settings(hub)))
        #expect(without.contains("401") && without.contains("set HF_TOKEN") && without.contains("org/tiny"), "\(without)")
        let wrong = try #require(await failure(scratch.settings(hub, token: "guess")))
        #expect(wrong.contains("HF_TOKEN was refused (401)"), "\(wrong)")
        #expect(!FileManager.default.fileExists(atPath: scratch.repoFolder.appendingPathComponent("blobs").path))
        _ = try await download(scratch.settings(hub, token: "secret"))
    }

    @Test func unknownRepositoryIsNamed() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        let message = try #require(await failure(scratch.settings(hub), RepoReference("org/missing")!))
        #expect(message.contains("org/missing") && message.contains("not found (404)"), "\(message)")
    }

    @Test func renamedRepositoryFollowsTheHubsRelativeRedirects() async throws {
        let hub = try await StandInHub(), scratch = try Scratch()
        defer { hub.stop(); scratch.remove() }
        hub.requiredToken = "secret"
        let folder = try await download(scratch.settings(hub, token: "secret"), RepoReference(StandInHub.renamed)!)
        // Cached under the name asked for, as huggingface_hub does.
        #expect(folder.path == scratch.cache.appendingPathComponent("models--org--renamed/snapshots/\(StandInHub.commit)").path)
        for (file, bytes) in StandInHub.files { #expect(try Data(contentsOf: folder.appendingPathComponent(file)) == bytes, "\(file)") }
        #expect(hub.log.contains { $0.path == "/api/models/org/renamed/revision/main" })
        // The redirected requests stay on the Hub's host, so they keep the token.
        let followed = hub.log.filter { $0.path.hasPrefix("/org/tiny/resolve/") || $0.path.hasPrefix("/api/models/org/tiny/") }
        #expect(!followed.isEmpty && followed.allSatisfy { $0.authorization == "Bearer secret" }, "\(followed)")
    }
}
