import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIPServer
import Testing

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let model = root.appendingPathComponent("models/tiny-siglip")
    static let images = root.appendingPathComponent("images/files")
    static let photos = ["photo_chelsea_q90.jpg", "photo_rocket.jpg", "photo_camera_gray.jpg", "photo_astronaut_crop.png", "jpeg_420.jpg"]
        .map { images.appendingPathComponent($0) }
    static func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(name)-\(UUID().uuidString)")
    }
    static func photo(_ i: Int) throws -> Data { try Data(contentsOf: photos[i]) }
}

/// A configuration for the tiny model with an index in a fresh scratch directory (and the fixture images as root).
func testConfiguration(index: Bool = true, _ change: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
    var c = ServerConfiguration(model: Fixtures.model)
    if index { c.index = Fixtures.scratch("index") }
    c.root = Fixtures.images
    c.port = 0
    change(&c)
    return c
}

/// How long one in-process server session may take before the test fails instead of hanging (the slowest
/// session, the OpenAPI probe of every route, takes a few seconds).
let serverTimeout: Duration = .seconds(120)

/// Runs `body` against a server for `configuration` through Hummingbird's in-process router client; throws
/// `TimedOut` if the session is not over within `serverTimeout`.
func withServer<T: Sendable>(_ configuration: ServerConfiguration,
                             _ body: @escaping @Sendable (any TestClientProtocol, SiglipServer) async throws -> T) async throws -> T {
    let server = try SiglipServer(configuration: configuration)
    defer { if let index = configuration.index { try? FileManager.default.removeItem(at: index) } }
    return try await withTimeout(serverTimeout) { try await server.application().test(.router) { client in try await body(client, server) } }
}

struct TimedOut: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "timed out after \(limit)" }
}

/// The result of `work`, or `TimedOut` once `limit` has passed. The work is cancelled then, and the caller is
/// released even if the work ignores cancellation (a structured task group would wait for it).
func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = Once<T>()
    return try await withCheckedThrowingContinuation { continuation in
        once.continuation = continuation
        let timer = Task { try await Task.sleep(for: limit) }
        let worker = Task {
            do { once.finish(.success(try await work())) } catch { once.finish(.failure(error)) }
            timer.cancel()
        }
        Task {
            if (try? await timer.value) != nil, once.finish(.failure(TimedOut(limit: limit))) { worker.cancel() }
        }
    }
}

/// Resumes a continuation with the first result offered and ignores later ones.
final class Once<T: Sendable>: @unchecked Sendable {
    var continuation: CheckedContinuation<T, any Error>?
    private let lock = NSLock()

    /// Returns whether this result was the first.
    @discardableResult func finish(_ result: Result<T, any Error>) -> Bool {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(with: result)
        return c != nil
    }
}

extension TestClientProtocol {
    /// POSTs a JSON object; returns status and the parsed JSON body (or nil when not JSON).
    func post(_ uri: String, json: [String: Any], headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, [String: Any]) {
        var h = headers
        h[.contentType] = "application/json"
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await send(uri, method: .post, headers: h, body: data)
    }

    /// POSTs `multipart/form-data` built from (name, filename?, bytes) parts.
    func post(_ uri: String, form parts: [(String, String?, Data)]) async throws -> (HTTPResponse.Status, [String: Any]) {
        let boundary = "testboundary\(UUID().uuidString.prefix(8))"
        return try await send(uri, method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                              body: multipartBody(parts, boundary: boundary))
    }

    func send(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: Data? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) { response in
            let bytes = Data(response.body.readableBytesView)
            return (response.status, (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] ?? [:])
        }
    }
}

/// A multipart/form-data body.
func multipartBody(_ parts: [(String, String?, Data)], boundary: String) -> Data {
    var body = Data()
    for (name, filename, data) in parts {
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"".utf8)
        if let filename { body += Data("; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream".utf8) }
        body += Data("\r\n\r\n".utf8) + data + Data("\r\n".utf8)
    }
    return body + Data("--\(boundary)--\r\n".utf8)
}

/// The error message of a JSON error body.
func message(_ body: [String: Any]) -> String { ((body["error"] as? [String: Any])?["message"] as? String) ?? "" }

func floats(_ any: Any?) -> [Float] { (any as? [Any])?.compactMap { ($0 as? NSNumber)?.floatValue } ?? [] }
