import Crypto
import Foundation
import Hummingbird
import NIOCore
import Testing

/// A loopback stand-in for the Hub serving one repository, `org/tiny`, made of the tiny-siglip fixture: the
/// revision API, resolve URLs (LFS files answer with a 302 to a separate CDN route, as the Hub does), Range
/// requests, an optional token, and faults on demand. Every request is logged so tests can see what was asked.
final class StandInHub: @unchecked Sendable {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let model = fixtures.appendingPathComponent("models/tiny-siglip")
    static let repo = "org/tiny"
    /// An old name of `org/tiny`: its API and resolve URLs answer 307 with a relative Location, as the Hub does for
    /// a renamed or moved repository.
    static let renamed = "org/renamed"
    static let commit = "4f1c2a9e0b7d3c5e6a8f9b0c1d2e3f4a5b6c7d8e"
    /// The repository's files: the fixture's top level (its `expected/` folder is not part of the checkpoint).
    static let files: [String: Data] = {
        let names = ["config.json", "model.safetensors", "preprocessor_config.json", "spiece.model", "tokenizer_config.json"]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, (try? Data(contentsOf: model.appendingPathComponent($0))) ?? Data()) })
    }()
    /// Files kept in LFS (etag = SHA-256, bytes from the CDN); the rest are plain git files (etag = git blob id).
    static let lfs: Set<String> = ["model.safetensors", "spiece.model"]

    /// The etag the Hub gives `file`: its SHA-256 for LFS files, else the git blob SHA-1.
    static func etag(_ file: String) -> String {
        let data = files[file] ?? Data()
        if lfs.contains(file) { return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
        return Insecure.SHA1.hash(data: Data("blob \(data.count)\0".utf8) + data).map { String(format: "%02x", $0) }.joined()
    }

    /// One request as the stand-in saw it.
    struct Logged: Sendable {
        let method: String
        let path: String
        let range: String?
        let authorization: String?
        var bytesSent: Int
    }

    private let lock = NSLock()
    private var _log: [Logged] = []
    private var _port = 0
    private var task: Task<Void, Error>?

    /// The token the API and resolve routes demand (nil: none).
    var requiredToken: String? { get { locked { _requiredToken } } set { locked { _requiredToken = newValue } } }
    /// Cut the next CDN response after this many bytes (once).
    var cutAfter: Int? { get { locked { _cutAfter } } set { locked { _cutAfter = newValue } } }
    /// Answer Range requests with the whole file and 200, as some proxies do.
    var ignoreRange: Bool { get { locked { _ignoreRange } } set { locked { _ignoreRange = newValue } } }
    /// Serve LFS bytes with one byte flipped, so the SHA-256 cannot match.
    var corrupt: Bool { get { locked { _corrupt } } set { locked { _corrupt = newValue } } }
    private var _requiredToken: String?
    private var _cutAfter: Int?
    private var _ignoreRange = false
    private var _corrupt = false

    var log: [Logged] { locked { _log } }
    var port: Int { locked { _port } }
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The CDN requests for `file`'s bytes.
    func cdnRequests(_ file: String) -> [Logged] { log.filter { $0.path == "/cdn/\(Self.etag(file))" } }

    private func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }
    private func append(_ entry: Logged) -> Int { locked { _log.append(entry); return _log.count - 1 } }
    private func sent(_ index: Int, _ bytes: Int) { locked { _log[index].bytesSent += bytes } }

    /// Starts the server on a random loopback port and waits (at most 120 s: on two cores other tests can hold the cooperative pool that long) until it listens.
    init() async throws {
        let router = Router()
        router.get("/api/models/:org/:name/revision/:revision") { request, context in try self.revision(request, context) }
        router.on("/:org/:name/resolve/:revision/:file", method: .head) { request, context in try self.resolve(request, context, head: true) }
        router.get("/:org/:name/resolve/:revision/:file") { request, context in try self.resolve(request, context, head: false) }
        router.get("/cdn/:sha") { request, context in try self.cdn(request, context) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in self.locked { self._port = channel.localAddress?.port ?? 0 } })
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        let deadline = Date(timeIntervalSinceNow: 120)
        while port == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard port != 0 else { task?.cancel(); throw HubTestError("the stand-in hub did not start within 120 s") }
    }

    deinit { task?.cancel() }

    /// Stops the server.
    func stop() { task?.cancel() }

    private func record(_ request: Request) -> Int {
        append(Logged(method: request.method.rawValue, path: request.uri.path, range: request.headers[.range],
                      authorization: request.headers[.authorization], bytesSent: 0))
    }

    /// 401 unless the request carries the required token (when one is required).
    private func refused(_ request: Request) -> Response? {
        guard let token = requiredToken, request.headers[.authorization] != "Bearer \(token)" else { return nil }
        return Response(status: .unauthorized)
    }

    private func revision(_ request: Request, _ context: some RequestContext) throws -> Response {
        _ = record(request)
        if let refusal = refused(request) { return refusal }
        let id = "\(context.parameters.get("org") ?? "")/\(context.parameters.get("name") ?? "")"
        if id == Self.renamed {
            return Response(status: .temporaryRedirect, headers: [.location: "/api/models/\(Self.repo)/revision/\(context.parameters.get("revision") ?? "")"])
        }
        guard id == Self.repo else { return Response(status: .notFound, headers: [FieldName("X-Error-Code")!: "RepositoryNotFound"]) }
        let siblings = Self.files.keys.sorted().map { "{\"rfilename\": \"\($0)\"}" }.joined(separator: ", ")
        let body = "{\"id\": \"\(id)\", \"sha\": \"\(Self.commit)\", \"siblings\": [\(siblings)]}"
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func resolve(_ request: Request, _ context: some RequestContext, head: Bool) throws -> Response {
        _ = record(request)
        if let refusal = refused(request) { return refusal }
        let file = context.parameters.get("file") ?? ""
        if "\(context.parameters.get("org") ?? "")/\(context.parameters.get("name") ?? "")" == Self.renamed {
            return Response(status: .temporaryRedirect, headers: [.location: "/\(Self.repo)/resolve/\(context.parameters.get("revision") ?? "")/\(file)"])
        }
        guard let data = Self.files[file] else { return Response(status: .notFound, headers: [FieldName("X-Error-Code")!: "EntryNotFound"]) }
        var headers: HTTPFields = [FieldName("X-Repo-Commit")!: Self.commit, .eTag: "\"\(Self.etag(file))\""]
        if Self.lfs.contains(file) {
            headers[FieldName("X-Linked-Etag")!] = "\"\(Self.etag(file))\""
            headers[FieldName("X-Linked-Size")!] = "\(data.count)"
            // Another host name for the same server, as the Hub's CDN is another host: the token must not follow.
            headers[.location] = "http://localhost:\(port)/cdn/\(Self.etag(file))"
            return Response(status: .found, headers: headers)
        }
        headers[.contentLength] = "\(data.count)"
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func cdn(_ request: Request, _ context: some RequestContext) throws -> Response {
        let entry = record(request)
        let sha = context.parameters.get("sha") ?? ""
        guard let file = Self.lfs.first(where: { Self.etag($0) == sha }), var data = Self.files[file] else { return Response(status: .notFound) }
        if corrupt { data[data.count / 2] ^= 0xFF }
        var start = 0, status = HTTPResponse.Status.ok
        var headers: HTTPFields = [:]
        if !ignoreRange, let range = request.headers[.range], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let from = Int(range.dropFirst(6).dropLast()) {
            guard from < data.count else { return Response(status: .rangeNotSatisfiable) }
            start = from
            status = .partialContent
            headers[.contentRange] = "bytes \(from)-\(data.count - 1)/\(data.count)"
        }
        let body = data.subdata(in: start..<data.count)
        headers[.contentLength] = "\(body.count)"
        let cut: Int? = locked { defer { _cutAfter = nil }; return _cutAfter }
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: body.count) { writer in
            let limit = min(cut ?? body.count, body.count)
            var offset = 0
            // Small writes, so a cut lands mid-stream with everything before it already delivered.
            while offset < limit {
                let end = min(offset + 65536, limit)
                try await writer.write(ByteBuffer(bytes: body.subdata(in: offset..<end)))
                self.sent(entry, end - offset)
                offset = end
            }
            if cut != nil, limit < body.count { throw HubTestError("connection cut on purpose") }
            try await writer.finish(nil)
        })
    }
}

/// A header name (Hummingbird re-exports HTTPFields but not HTTPField).
typealias FieldName = HTTPFields.Element.Name

/// A failure of the test machinery itself.
struct HubTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `work`, failing instead of hanging when it takes longer than `seconds`.
func bounded<T: Sendable>(_ seconds: Double = 60, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await work() }
        group.addTask { try await Task.sleep(for: .seconds(seconds)); return nil }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw HubTestError("did not finish within \(seconds) s")
        }
        group.cancelAll()
        return value
    }
}
