import Foundation
import Testing
@testable import SigLIPHub

/// A cache filled by Python's huggingface_hub (Tests/Fixtures/hub-cache, written by
/// scripts/fixtures/hub_cache.py) is read as it is.
@Suite("Caches written by huggingface_hub", .serialized)
struct CacheCompatibilityTests {
    static let pythonCache = StandInHub.fixtures.appendingPathComponent("hub-cache/models--org--tiny")

    /// A scratch cache holding a copy of the Python-written tree, links kept as links.
    func copiedCache() throws -> Scratch {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(at: scratch.cache, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.pythonCache, to: scratch.repoFolder)
        return scratch
    }

    @Test func pythonCacheIsReadOffline() throws {
        let scratch = try copiedCache()
        defer { scratch.remove() }
        let folder = try ModelLocator.directory(for: "org/tiny", settings: scratch.settings(nil, offline: true))
        #expect(folder.lastPathComponent == StandInHub.commit)
        #expect(StandInHub.files.count == 5)
        for (file, bytes) in StandInHub.files {
            let pointer = folder.appendingPathComponent(file)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: pointer.path) == "../../blobs/\(StandInHub.etag(file))")
            #expect(try Data(contentsOf: pointer) == bytes, "\(file)")
        }
        let pinned = try ModelLocator.directory(for: "org/tiny@\(StandInHub.commit)", settings: scratch.settings(nil, offline: true))
        #expect(pinned == folder)
    }

    @Test func pythonCacheNeedsNoDownloadOnline() async throws {
        let hub = try await StandInHub(), scratch = try copiedCache()
        defer { hub.stop(); scratch.remove() }
        let folder = try await download(scratch.settings(hub))
        #expect(folder.lastPathComponent == StandInHub.commit)
        // Only the revision lookup: every file was already in the snapshot huggingface_hub wrote.
        #expect(hub.log.map(\.path) == ["/api/models/org/tiny/revision/main"])
    }
}
