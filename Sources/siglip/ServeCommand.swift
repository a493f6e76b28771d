import ArgumentParser
import Foundation
import Logging
import SigLIPServer
import Tensor

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve embeddings, zero-shot classification and index search over HTTP, with a web page at /.",
        discussion: """
        Binds to 127.0.0.1 unless --host says otherwise. The API is described at /openapi.json. SIGTERM or SIGINT \
        stops accepting connections, finishes the requests in flight and the queued model work, then exits.
        """
    )

    @Option(name: .long, help: ArgumentHelp(modelHelp)) var model: String
    @Option(name: .long, help: "An index directory to search and add to (created if absent).") var index: String?
    @Option(name: .long, help: "The only directory whose files POST /v1/index may add by path.") var root: String?
    @Option(name: .long, help: "A probe directory (siglip probe train) to serve at POST /v1/probe; it must have been trained on --model.") var probe: String?
    @Option(name: .long, help: "Address to bind.") var host = "127.0.0.1"
    @Option(name: .long, help: "Port to bind (0 picks a free one).") var port = 8080
    @Option(name: .long, help: "A file holding the bearer token every route but /healthz and / requires.") var apiKeyFile: String?
    @Option(name: .long, help: "Most inputs per model batch.") var maxBatch = 16
    @Option(name: .long, help: "Longest wait for a batch to fill, in milliseconds.") var maxWaitMs = 5
    @Option(name: .long, help: "Most inputs queued for the model before 503.") var maxQueue = 256
    @Option(name: .long, help: "Largest request body in bytes.") var maxBody = 16 << 20
    @Option(name: .long, help: "Largest decoded image in pixels.") var maxPixels = 40_000_000
    @Option(name: .long, help: "Kernel threads (default: all cores).") var threads: Int?
    @OptionGroup var naflex: NaFlexOptions

    func validate() throws {
        try require(port, in: 0...65535, "--port")
        try require(maxBatch, in: Limits.batchSize, "--max-batch")
        try require(maxWaitMs, in: 0...60_000, "--max-wait-ms")
        try require(maxQueue, in: 1...1_000_000, "--max-queue")
        try require(maxBody, in: 1024...(1 << 30), "--max-body")
        try require(maxPixels, in: 1...(1 << 28), "--max-pixels")
        try require(threads, in: Limits.threads, "--threads")
    }

    func run() throws {
        if let threads { Compute.threads = threads }
        var configuration = try ServerConfiguration(model: modelDirectory(model).standardizedFileURL)
        configuration.maxNumPatches = try naflex.patches(for: configuration.model, model: model)
        configuration.index = index.map { URL(fileURLWithPath: $0).standardizedFileURL }
        configuration.root = root.map { URL(fileURLWithPath: $0).standardizedFileURL }
        configuration.probe = probe.map { URL(fileURLWithPath: $0).standardizedFileURL }
        configuration.host = host
        configuration.port = port
        configuration.maxBatch = maxBatch
        configuration.maxWaitMilliseconds = maxWaitMs
        configuration.maxQueue = maxQueue
        configuration.maxBody = maxBody
        configuration.maxPixels = maxPixels
        if let apiKeyFile {
            let key = try String(contentsOfFile: apiKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw ValidationError("--api-key-file \(apiKeyFile) is empty") }
            configuration.apiKey = key
        }
        let server = try SiglipServer(configuration: configuration)
        let host = self.host
        // The command tree is synchronous; the server runs on Swift concurrency while this thread waits.
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                try await server.run { port in
                    // Written unbuffered so a supervisor (or a test) reading the pipe learns the port at once.
                    FileHandle.standardOutput.write(Data("siglip serve: listening on http://\(host):\(port)\n".utf8))
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
    }
}

/// Hands the server's error from its task back to the waiting command.
private final class FailureBox: @unchecked Sendable {
    var error: Error?
}
