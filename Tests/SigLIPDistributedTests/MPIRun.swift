import Foundation
import SafeTensors
import Tensor

/// Runs executables of this package under `mpirun`, with a time limit after which the whole job is killed.
enum MPIRun {
    /// The build products directory: swift test runs the test bundle from it, next to the executables.
    static let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    /// Long enough for four ranks of the tiny model on two oversubscribed cores (about 2 s each), short enough
    /// that a rank waiting for a partner that never comes fails the test instead of hanging it.
    static let timeout: TimeInterval = 120

    struct Output {
        let status: Int32
        let stderr: String
        let timedOut: Bool
    }

    /// `mpirun -np ranks PRODUCT arguments…` on this machine alone: as root too (CI), more ranks than cores
    /// (oversubscribed, unbound), shared memory between the ranks. Without the single-copy (cross-memory attach)
    /// path of shared memory: in a container without ptrace rights it fails ("Read -1, expected …"), and the
    /// tests' messages are small enough for the copy-in/copy-out path.
    static func run(ranks: Int, _ product: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
                             "--mca", "btl_vader_single_copy_mechanism", "none",
                             "-np", String(ranks), products.appendingPathComponent(product).path] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mpirun-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()   // mpirun passes SIGTERM on to its ranks
            if finished.wait(timeout: .now() + 10) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = finished.wait(timeout: .now() + 10)
            }
        }
        try handle.close()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Output(status: timedOut ? -1 : process.terminationStatus, stderr: text, timedOut: timedOut)
    }

    /// A fresh temporary folder.
    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Max |a − b| over max |b| (or over `scale` when given), for tensors of equal size; infinity when the sizes differ.
func relativeError(_ actual: [Float], _ expected: [Float], scale given: Float? = nil) -> Float {
    guard actual.count == expected.count, !expected.isEmpty else { return .infinity }
    let scale = given ?? expected.reduce(0) { max($0, abs($1)) }
    return zip(actual, expected).reduce(0) { max($0, abs($1.0 - $1.1)) } / max(scale, .leastNormalMagnitude)
}
