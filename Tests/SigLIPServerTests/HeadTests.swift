import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIPServer
import Testing

@Suite("HEAD answers as GET would, without a body")
struct HeadTests {
    @Test(arguments: ["/healthz", "/openapi.json", "/metrics", "/", "/v1/models"])
    func headOfAGetRouteHasItsStatusAndTypeAndNoBody(path: String) async throws {
        try await withServer(testConfiguration(index: false)) { client, _ in
            let get = try await client.execute(uri: path, method: .get) { ($0.status, $0.headers[.contentType], $0.body.readableBytes) }
            let head = try await client.execute(uri: path, method: .head) { ($0.status, $0.headers[.contentType], $0.body.readableBytes) }
            #expect(get.0 == .ok && get.2 > 0)
            #expect(head.0 == get.0)
            #expect(head.1 == get.1 && head.1 != nil)
            #expect(head.2 == 0)
        }
    }

    @Test func headOfAMissingItemIsNotFoundAndOfAPostRouteIsRefused() async throws {
        try await withServer(testConfiguration()) { client, _ in
            let missing = try await client.execute(uri: "/v1/items/987654/thumbnail", method: .head) { ($0.status, $0.body.readableBytes) }
            #expect(missing.0 == .notFound && missing.1 == 0)
            let post = try await client.execute(uri: "/v1/embeddings", method: .head) { $0.status }
            #expect(post == .notFound || post == .methodNotAllowed)
        }
    }
}
