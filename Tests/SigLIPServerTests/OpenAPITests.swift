import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIPServer
import Testing

@Suite("/openapi.json describes exactly the routes served")
struct OpenAPITests {
    /// Every (method, path) the document lists.
    static func documented(_ document: [String: Any]) -> Set<String> {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }

    @Test func documentAndRouterAgree() async throws {
        try await withServer(testConfiguration()) { client, _ in
            let (status, document) = try await client.send("/openapi.json", method: .get)
            #expect(status == .ok)
            #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
            let documented = Self.documented(document)
            #expect(documented.count == 14)
            // Every documented operation is served: probing it never meets the router's "no such route".
            for operation in documented {
                let parts = operation.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                let uri = String(parts[1]).replacingOccurrences(of: "{id}", with: "999")
                let (code, body) = try await client.send(uri, method: method, headers: [.contentType: "application/json"], body: Data("{}".utf8))
                #expect(message(body) != "no such route", "\(operation) is documented but not served")
                // Each answer's status is one the document lists for that operation.
                let responses = ((document["paths"] as? [String: [String: Any]])?[String(parts[1])]?[parts[0].lowercased()] as? [String: Any])?["responses"] as? [String: Any]
                #expect(responses?["\(code.code)"] != nil, "\(operation) answered \(code.code), which is not documented")
            }
            // And nothing is served that is not documented: sibling methods and paths get the router's 404.
            let paths = Set(documented.map { String($0.split(separator: " ")[1]) })
            for path in paths {
                for method in [HTTPRequest.Method.get, .post, .delete, .put] where !documented.contains("\(method.rawValue) \(path)") {
                    let uri = path.replacingOccurrences(of: "{id}", with: "1")
                    let (code, body) = try await client.send(uri, method: method)
                    #expect(code == .notFound && message(body) == "no such route", "\(method) \(path) is served but not documented")
                }
            }
        }
    }

    @Test func requestSchemasNameTheFieldsTheRoutesAccept() async throws {
        try await withServer(testConfiguration()) { client, _ in
            let (_, document) = try await client.send("/openapi.json", method: .get)
            let schemas = ((document["components"] as? [String: Any])?["schemas"] as? [String: [String: Any]]) ?? [:]
            // A field the schema names is accepted (not "unknown field"); one it does not name is refused.
            for (route, schema) in [("/v1/embeddings", "EmbeddingsRequest"), ("/v1/classify", "ClassifyRequest"),
                                    ("/v1/search", "SearchRequest"), ("/v1/index", "IndexAddRequest")] {
                let fields = (schemas[schema]?["properties"] as? [String: Any])?.keys.sorted() ?? []
                #expect(!fields.isEmpty)
                for field in fields {
                    let (_, body) = try await client.post(route, json: [field: NSNull()])
                    #expect(!message(body).contains("unknown field"), "\(route) refuses documented field \(field)")
                }
                let (status, body) = try await client.post(route, json: ["undocumented": 1])
                #expect(status == .badRequest && message(body).contains("unknown field"))
            }
        }
    }
}
