import Foundation
import SigLIPIndex
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("A real server on loopback: malformed input, slow clients, SIGTERM", .serialized)
struct ReliabilityTests {
    @Test func malformedRequestsGet4xxAndTheServerStaysUp() throws {
        let index = Fixtures.scratch("live-index")
        defer { try? FileManager.default.removeItem(at: index) }
        let server = try LiveServer(["--index", index.path, "--max-body", "65536", "--max-pixels", "5000"])
        let photo = try Fixtures.photo(4)
        var corrupt = photo
        corrupt.replaceSubrange(200..<min(2000, corrupt.count), with: Data(repeating: 0x5A, count: min(2000, corrupt.count) - 200))
        let boundary = "b0und"
        let truncated = multipartBody([("images", "x.jpg", photo)], boundary: boundary).prefix(300)
        let cases: [(String, String, String?, Data)] = [
            ("POST", "/v1/embeddings", "application/json", Data("{\"texts\": [".utf8)),
            ("POST", "/v1/embeddings", "application/json", Data(#"{"texts": {"a": 1}}"#.utf8)),
            ("POST", "/v1/embeddings", "application/json", Data(#"{"images": [12]}"#.utf8)),
            ("POST", "/v1/embeddings", "application/json", Data([0xFF, 0xFE, 0x00, 0x7B])),
            ("POST", "/v1/embeddings", "multipart/form-data; boundary=\(boundary)", Data(truncated)),
            ("POST", "/v1/embeddings", "multipart/form-data; boundary=\(boundary)", multipartBody([("images", "c.jpg", corrupt)], boundary: boundary)),
            ("POST", "/v1/embeddings", "multipart/form-data; boundary=\(boundary)", multipartBody([("images", "t.jpg", photo.prefix(photo.count / 2))], boundary: boundary)),
            ("POST", "/v1/embeddings", "multipart/form-data; boundary=\(boundary)", multipartBody([("images", "e.png", Data())], boundary: boundary)),
            ("POST", "/v1/classify", "multipart/form-data; boundary=\(boundary)", multipartBody([("image", "x.jpg", Data("GIF89a".utf8)), ("labels", nil, Data("a".utf8))], boundary: boundary)),
            ("POST", "/v1/index", "multipart/form-data; boundary=\(boundary)", multipartBody([("images", "c.jpg", corrupt)], boundary: boundary)),
            ("POST", "/v1/embeddings", "application/json", Data(repeating: 0x20, count: 200_000)),
            ("POST", "/v1/search", "application/json", Data(#"{"vector": [1e400]}"#.utf8)),
            ("GET", "/v1/items/99999/thumbnail", nil, Data()),
            ("DELETE", "/v1/index/-1", nil, Data()),
        ]
        for (method, path, type, body) in cases {
            let response = try server.request(method, path, contentType: type, body: body)
            #expect((400..<500).contains(response.status), "\(method) \(path) \(type ?? "") gave \(response.status)")
            #expect(server.healthy)
        }
        // A body larger than the limit with no Content-Length (chunked) is cut off with 413 too.
        let fd = try server.connect()
        LiveServer.write(fd, Data("POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        for _ in 0..<20 { LiveServer.write(fd, Data("4000\r\n".utf8) + Data(repeating: 0x20, count: 0x4000) + Data("\r\n".utf8)) }
        LiveServer.write(fd, Data("0\r\n\r\n".utf8))
        #expect(LiveServer.readResponse(fd).status == 413)
        close(fd)
        #expect(server.healthy)
        // The 5000-pixel limit holds for uploads: a 1000x7 image is refused with 413.
        let wide = try Data(contentsOf: Fixtures.images.appendingPathComponent("size_1000x7.png"))
        #expect(try server.request("POST", "/v1/embeddings", contentType: "multipart/form-data; boundary=\(boundary)",
                                   body: multipartBody([("images", "w.png", wide)], boundary: boundary)).status == 413)
        #expect(server.terminate() == 0)
    }

    @Test func slowClientsDoNotBlockOthers() throws {
        let server = try LiveServer([])
        // Ten clients that send half a request and stall.
        let stalled = try (0..<10).map { _ in try server.connect() }
        for fd in stalled { LiveServer.write(fd, Data("POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"te".utf8)) }
        // Meanwhile everyone else is served promptly.
        let start = Date()
        for _ in 0..<5 {
            let (status, body) = try server.json("POST", "/v1/embeddings", ["texts": ["a quick request"]])
            #expect(status == 200 && body["dimension"] as? Int == 64)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        for fd in stalled { close(fd) }
        #expect(server.healthy)
        #expect(server.terminate() == 0)
    }

    @Test func sigtermDuringIndexAdditionsLosesNothingAcknowledged() throws {
        let index = Fixtures.scratch("sigterm-index")
        defer { try? FileManager.default.removeItem(at: index) }
        let server = try LiveServer(["--index", index.path, "--max-wait-ms", "1"])
        // Every fixture image is a distinct upload; four clients add them one per request until refused.
        let files = try FileManager.default.contentsOfDirectory(at: Fixtures.images, includingPropertiesForKeys: nil)
            .filter { ["jpg", "png", "gif", "webp"].contains($0.pathExtension) }.sorted { $0.path < $1.path }
        try #require(files.count > 50)
        let acknowledged = Acknowledged()
        let group = DispatchGroup()
        for client in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for (i, file) in files.enumerated() where i % 4 == client {
                    guard let data = try? Data(contentsOf: file) else { return }
                    acknowledged.started()
                    defer { acknowledged.finished() }
                    guard let response = try? server.request("POST", "/v1/index", contentType: "multipart/form-data; boundary=zz",
                                                             body: multipartBody([("images", "f", data)], boundary: "zz")) else {
                        acknowledged.refused()   // no connection: the server is going away
                        return
                    }
                    if response.status == 200, let body = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
                        for item in body["items"] as? [[String: Any]] ?? [] { if let id = item["id"] as? Int { acknowledged.add(Int64(id)) } }
                    } else if response.status == 0 || response.status == 503 {
                        acknowledged.refused()
                        return   // the server is going away
                    }
                }
            }
        }
        // Let some additions through, then ask the server to stop while an addition is in flight (bounded waits:
        // a server that stops acknowledging fails the test instead of hanging it).
        let deadline = Date(timeIntervalSinceNow: LiveServer.timeout)
        while (acknowledged.count < 10 || acknowledged.inFlight == 0), Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        let inFlightAtSignal = acknowledged.inFlight, acknowledgedAtSignal = acknowledged.count
        kill(server.process.processIdentifier, SIGTERM)
        try #require(acknowledgedAtSignal >= 10, "only \(acknowledgedAtSignal) additions acknowledged in \(Int(LiveServer.timeout)) s")
        #expect(server.waitForExit(), "the server did not exit within \(Int(LiveServer.timeout)) s of SIGTERM")
        #expect(group.wait(timeout: .now() + LiveServer.timeout) == .success, "clients still waiting after the server exited")
        #expect(server.process.terminationStatus == 0)
        // Not vacuous: the signal came while an addition was in flight and before the uploads ran out, so
        // shutdown really cut additions short.
        #expect(inFlightAtSignal > 0)
        #expect(acknowledged.refusals > 0, "no addition was refused: SIGTERM came after the work was done")
        #expect(acknowledged.count < files.count)
        let stored = try SiglipIndex(directory: index)
        let ids = acknowledged.ids
        #expect(ids.count >= 10)
        for id in ids { #expect(try stored.item(id: id) != nil, "acknowledged item \(id) was lost") }
        #expect(try stored.verify().isEmpty)
    }
}

/// Ids the server acknowledged, requests in flight and requests refused, collected from several client threads.
final class Acknowledged: @unchecked Sendable {
    private var set = Set<Int64>()
    private var running = 0, refusedCount = 0
    private let lock = NSLock()
    func add(_ id: Int64) { lock.lock(); set.insert(id); lock.unlock() }
    func started() { lock.lock(); running += 1; lock.unlock() }
    func finished() { lock.lock(); running -= 1; lock.unlock() }
    func refused() { lock.lock(); refusedCount += 1; lock.unlock() }
    var inFlight: Int { lock.lock(); defer { lock.unlock() }; return running }
    var refusals: Int { lock.lock(); defer { lock.unlock() }; return refusedCount }
    var count: Int { lock.lock(); defer { lock.unlock() }; return set.count }
    var ids: Set<Int64> { lock.lock(); defer { lock.unlock() }; return set }
}
