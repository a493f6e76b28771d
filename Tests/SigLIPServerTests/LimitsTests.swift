import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIPServer
import Testing

@Suite("Limits, authentication and path confinement")
struct LimitsTests {
    @Test func limitsAnswer413Or400WithJSON() async throws {
        let config = testConfiguration { c in
            c.maxBody = 32768; c.maxLabels = 3; c.maxTextLength = 10; c.maxK = 5; c.maxInputs = 4; c.maxPixels = 1000
        }
        let small = try Data(contentsOf: Fixtures.images.appendingPathComponent("size_17x13.png"))
        try await withServer(config) { client, _ in
            var (status, body) = try await client.post("/v1/embeddings", json: ["texts": [String(repeating: "a", count: 40000)]])
            #expect(status == .contentTooLarge && message(body).contains("limit"))
            (status, body) = try await client.post("/v1/embeddings", json: ["images": [small.base64EncodedString()]])
            #expect(status == .ok)
            (status, body) = try await client.post("/v1/embeddings", form: [("images", "cut.png", Data(small.prefix(1500)))])
            #expect(status == .badRequest)   // a truncated PNG
            (status, body) = try await client.post("/v1/classify", json: ["image": small.base64EncodedString(), "labels": ["a", "b", "c", "d"]])
            #expect(status == .badRequest && message(body).contains("limit is 3"))
            (status, body) = try await client.post("/v1/embeddings", json: ["texts": ["01234567890"]])
            #expect(status == .badRequest && message(body).contains("limit is 10"))
            (status, body) = try await client.post("/v1/embeddings", json: ["texts": ["a", "b", "c", "d", "e"]])
            #expect(status == .badRequest)
            for k in [0, 6, -1] {
                (status, body) = try await client.post("/v1/search", json: ["text": "a", "k": k])
                #expect(status == .badRequest && message(body).contains("'k'"))
            }
        }
        // The pixel limit: a 32x32 image passes a 1000-pixel limit, a 17x13 one too, the 1000x7 PNG does not.
        let big = try Data(contentsOf: Fixtures.images.appendingPathComponent("size_1000x7.png"))
        try await withServer(config) { client, _ in
            let (status, body) = try await client.post("/v1/embeddings", form: [("images", "x.png", big)])
            #expect(status == .contentTooLarge && message(body).contains("exceeds the limit of 1000 pixels"))
            let (indexStatus, _) = try await client.post("/v1/index", form: [("images", "x.png", big)])
            #expect(indexStatus == .contentTooLarge)
        }
    }

    @Test func bearerKeyGuardsEveryRouteButHealthAndPage() async throws {
        let config = testConfiguration { $0.apiKey = "s3cret-key" }
        try await withServer(config) { client, _ in
            #expect(try await client.send("/healthz", method: .get).0 == .ok)
            #expect(try await client.send("/", method: .get).0 == .ok)
            for (uri, method) in [("/v1/models", HTTPRequest.Method.get), ("/metrics", .get), ("/openapi.json", .get), ("/readyz", .get),
                                  ("/v1/index", .get), ("/v1/embeddings", .post), ("/v1/index/1", .delete)] {
                let (status, body) = try await client.send(uri, method: method)
                #expect(status == .unauthorized, "\(uri)")
                #expect(message(body).contains("API key"))
                #expect(try await client.send(uri, method: method, headers: [.authorization: "Bearer s3cret-kez"]).0 == .unauthorized)
                #expect(try await client.send(uri, method: method, headers: [.authorization: "Bearer s3cret-key-longer"]).0 == .unauthorized)
                #expect(try await client.send(uri, method: method, headers: [.authorization: "s3cret-key"]).0 == .unauthorized)
            }
            let (status, _) = try await client.send("/v1/models", method: .get, headers: [.authorization: "Bearer s3cret-key"])
            #expect(status == .ok)
            let (embed, _) = try await client.post("/v1/embeddings", json: ["texts": ["a"]], headers: [.authorization: "Bearer s3cret-key"])
            #expect(embed == .ok)
        }
    }

    @Test func serverSidePathsStayUnderTheRoot() async throws {
        // A root holding one image, a link to a file outside it and a link to a folder outside it.
        let root = Fixtures.scratch("root"), outside = Fixtures.scratch("outside")
        defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: outside) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try fm.createDirectory(at: outside, withIntermediateDirectories: true)
        try fm.copyItem(at: Fixtures.photos[0], to: root.appendingPathComponent("sub/inside.jpg"))
        try fm.copyItem(at: Fixtures.photos[1], to: outside.appendingPathComponent("secret.jpg"))
        try fm.createSymbolicLink(at: root.appendingPathComponent("sub/escape.jpg"), withDestinationURL: outside.appendingPathComponent("secret.jpg"))
        try fm.createSymbolicLink(at: root.appendingPathComponent("elsewhere"), withDestinationURL: outside)
        try await withServer(testConfiguration { $0.root = root }) { client, _ in
            for path in ["../outside/secret.jpg", "sub/../../x.jpg", outside.appendingPathComponent("secret.jpg").path, "sub/escape.jpg",
                         "elsewhere", "elsewhere/secret.jpg", "missing.jpg", ""] {
                let (status, body) = try await client.post("/v1/index", json: ["paths": [path]])
                #expect(status == .badRequest, "\(path)")
                // Error bodies name only what the client sent, never where the server keeps files.
                if !path.hasPrefix("/") {
                    #expect(!message(body).contains(root.path) && !message(body).contains(outside.path), "\(message(body))")
                }
            }
            // A folder walk skips links that lead out: only the real file is added.
            let (status, body) = try await client.post("/v1/index", json: ["paths": ["sub"]])
            #expect(status == .ok)
            let items = body["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["path"] as? String } == ["sub/inside.jpg"])
        }
        // Without --root no server-side path is accepted at all.
        try await withServer(testConfiguration { $0.root = nil }) { client, _ in
            let (status, body) = try await client.post("/v1/index", json: ["paths": ["photo_rocket.jpg"]])
            #expect(status == .badRequest && message(body).contains("--root"))
        }
    }

    @Test func badRequestsGetJSONErrorsWithoutPaths() async throws {
        try await withServer(testConfiguration()) { client, _ in
            let cases: [(String, HTTPFields, Data, HTTPResponse.Status)] = [
                ("/v1/embeddings", [.contentType: "application/json"], Data("{not json".utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data("[1,2]".utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data(#"{"texts": "a"}"#.utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data(#"{"texts": [1]}"#.utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data(#"{"texts": ["a"], "extra": 1}"#.utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data(#"{"images": ["!!!"]}"#.utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data(#"{"images": ["aGVsbG8gd29ybGQ="]}"#.utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "application/json"], Data("{}".utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "text/plain"], Data("hello".utf8), .unsupportedMediaType),
                ("/v1/embeddings", [.contentType: "multipart/form-data; boundary=xyz"], Data("--xyz\r\nContent-Disposition: form-data; name=\"texts\"\r\n\r\nabc".utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "multipart/form-data; boundary=xyz"], Data("garbage".utf8), .badRequest),
                ("/v1/embeddings", [.contentType: "multipart/form-data"], Data("--xyz--".utf8), .unsupportedMediaType),
                ("/v1/search", [.contentType: "application/json"], Data(#"{"k": true, "text": "a"}"#.utf8), .badRequest),
                ("/v1/search", [.contentType: "application/json"], Data(#"{"k": 2.5, "text": "a"}"#.utf8), .badRequest),
                ("/v1/search", [.contentType: "application/json"], Data(#"{"text": "a", "vector": [1]}"#.utf8), .badRequest),
                ("/v1/search", [.contentType: "application/json"], Data(#"{"vector": [1, 2]}"#.utf8), .badRequest),
                ("/v1/search", [.contentType: "application/json"], Data(#"{"text": "a", "kind": "video"}"#.utf8), .badRequest),
                ("/v1/classify", [.contentType: "application/json"], Data(#"{"labels": ["a"]}"#.utf8), .badRequest),
                ("/v1/classify", [.contentType: "application/json"], Data(#"{"image": "aGk=", "labels": ["a"], "template": "no slot"}"#.utf8), .badRequest),
                ("/v1/index/abc", [:], Data(), .badRequest),
                ("/v1/nothing", [:], Data(), .notFound),
            ]
            for (uri, headers, body, expected) in cases {
                let method: HTTPRequest.Method = uri == "/v1/index/abc" ? .delete : .post
                let (status, json) = try await client.send(uri, method: method, headers: headers, body: body)
                #expect(status == expected, "\(uri) \(String(decoding: body.prefix(60), as: UTF8.self))")
                #expect(!message(json).isEmpty, "\(uri): a JSON error body")
                #expect(!message(json).contains("/tmp") && !message(json).contains(Fixtures.root.path) && !message(json).contains(".swift"))
            }
        }
    }
}
