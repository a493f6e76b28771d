import Foundation
import Testing
@testable import SigLIPHub

@Suite("Hub references and settings")
struct RepoReferenceTests {
    @Test func parsesRepositoryAndRevision() throws {
        let plain = try #require(RepoReference("google/siglip-base-patch16-224"))
        #expect(plain.id == "google/siglip-base-patch16-224" && plain.revision == "main")
        #expect(plain.folderName == "models--google--siglip-base-patch16-224")
        let pinned = try #require(RepoReference("org/name@v1.0"))
        #expect(pinned.id == "org/name" && pinned.revision == "v1.0")
    }

    @Test func pathsAndTraversalAreNotRepositories() {
        for text in ["./models/x", "../x/y", "/abs/path", "a/b/c", "org/name@../../etc", "org/", "org/name@", ".hidden/x"] {
            #expect(RepoReference(text) == nil, "\(text)")
        }
    }

    @Test func cacheRootFollowsHuggingFaceHubPrecedence() {
        #expect(HubSettings(environment: ["HOME": "/h", "HF_HUB_CACHE": "/c", "HF_HOME": "/x"]).cache.path == "/c")
        #expect(HubSettings(environment: ["HOME": "/h", "HF_HOME": "/x"]).cache.path == "/x/hub")
        #expect(HubSettings(environment: ["HOME": "/h"]).cache.path == "/h/.cache/huggingface/hub")
        let defaults = HubSettings(environment: ["HOME": "/h"])
        #expect(defaults.endpoint == "https://huggingface.co" && !defaults.offline)
        let set = HubSettings(environment: ["HOME": "/h", "HF_ENDPOINT": "http://127.0.0.1:9/", "HF_HUB_OFFLINE": "1", "HF_TOKEN": "t"])
        #expect(set.endpoint == "http://127.0.0.1:9" && set.offline && set.token == "t")
    }
}
