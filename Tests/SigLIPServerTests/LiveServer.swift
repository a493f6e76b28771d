import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real `siglip serve` process on a loopback port, and a raw HTTP/1.1 client that can also misbehave.
final class LiveServer: @unchecked Sendable {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("siglip")
    let process = Process()
    let port: Int
    private let output = Pipe()

    /// How long any one wait on the server may take before the test fails instead of hanging.
    static let timeout: TimeInterval = 60
    private let exited = DispatchSemaphore(value: 0)
    private let printed = Printed()

    /// Starts the server with `arguments` after `serve --model <tiny> --port 0` and waits (bounded) for its port.
    init(_ arguments: [String]) throws {
        process.executableURL = Self.binary
        process.arguments = ["serve", "--model", Fixtures.model.path, "--port", "0"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let exitSignal = self.exited, printed = self.printed
        process.terminationHandler = { _ in exitSignal.signal() }
        // Drained on Foundation's reader thread for the server's whole life, so a blocking read can never hang the
        // test and a chatty server never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            printed.append(chunk)
            if chunk.isEmpty { handle.readabilityHandler = nil }   // end of file: the server closed its output
        }
        try process.run()
        let deadline = Date(timeIntervalSinceNow: Self.timeout)
        while !printed.text.contains("\n"), !printed.closed, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let text = printed.text
        guard let range = text.range(of: #"listening on http://[^:]+:(\d+)"#, options: .regularExpression),
              let port = Int(text[range].split(separator: ":").last ?? "") else {
            kill(process.processIdentifier, SIGKILL)
            output.fileHandleForReading.readabilityHandler = nil
            throw LiveError(Date() < deadline ? "server did not start: \(text)" : "server printed no port within \(Int(Self.timeout)) s: \(text)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        output.fileHandleForReading.readabilityHandler = nil
    }

    /// Waits at most `timeout` seconds for the process to exit; if it has not, kills it and returns false.
    func waitForExit(timeout: TimeInterval = LiveServer.timeout) -> Bool {
        if exited.wait(timeout: .now() + timeout) == .success { exited.signal(); return true }
        kill(process.processIdentifier, SIGKILL)
        _ = exited.wait(timeout: .now() + 10)
        return false
    }

    /// Sends SIGTERM and waits (bounded) for the exit status; -1 if the server had to be killed.
    func terminate() -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        guard waitForExit() else { return -1 }
        return process.terminationStatus
    }

    /// A connected socket to the server.
    func connect() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LiveError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(fd); throw LiveError("connection refused") }
        // Neither a silent server nor one that stops reading can hold a test past the timeout.
        var timeout = timeval(tv_sec: Int(Self.timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Writes raw bytes (a request, or part of one).
    static func write(_ fd: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// Reads until the server closes the connection (or the timeout passes: then whatever arrived, which fails
    /// the caller's status check); returns status and body.
    static func readResponse(_ fd: Int32) -> (status: Int, headers: String, body: Data) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { return (0, "", data) }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var body = Data(data[split.upperBound...])
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return (status, head, body)
    }

    private static func dechunk(_ data: Data) -> Data {
        var out = Data(), rest = data[...]
        while let line = rest.range(of: Data("\r\n".utf8)), let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self), radix: 16), size > 0 {
            let start = line.upperBound
            guard rest.count >= start - rest.startIndex + size else { break }
            out += rest[start..<(start + size)]
            rest = rest[(start + size + 2)...]
        }
        return out
    }

    /// One request on its own connection (Connection: close).
    func request(_ method: String, _ path: String, contentType: String? = nil, body: Data = Data()) throws -> (status: Int, headers: String, body: Data) {
        let fd = try connect()
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if let contentType { head += "Content-Type: \(contentType)\r\n" }
        Self.write(fd, Data((head + "\r\n").utf8) + body)
        return Self.readResponse(fd)
    }

    func json(_ method: String, _ path: String, _ object: [String: Any]) throws -> (status: Int, body: [String: Any]) {
        let r = try request(method, path, contentType: "application/json", body: JSONSerialization.data(withJSONObject: object))
        return (r.status, (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any] ?? [:])
    }

    var healthy: Bool { (try? request("GET", "/healthz").status) == 200 }
}

/// What the server printed so far, appended from Foundation's reader thread.
final class Printed: @unchecked Sendable {
    private var data = Data(), ended = false
    private let lock = NSLock()
    func append(_ chunk: Data) { lock.lock(); if chunk.isEmpty { ended = true } else { data += chunk }; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    var closed: Bool { lock.lock(); defer { lock.unlock() }; return ended }
}

struct LiveError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
