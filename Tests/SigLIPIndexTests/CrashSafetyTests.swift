import Foundation
import Testing
import SigLIP
import SigLIPIndex

/// A running `siglip` whose standard error is collected as it arrives; every wait on it has a deadline.
final class Child: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var collected = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = CrashSafetyTests.binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            self?.lock.withLock { self?.collected.append(data) }
        }
        try process.run()
    }

    /// What the child has written to standard error so far.
    var stderr: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }

    /// Polls until `found` returns a value for the standard error so far, or `timeout` seconds pass (nil).
    func wait<T>(timeout: Double, for found: (String) -> T?) -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = found(stderr) { return value }
            if !process.isRunning { return found(stderr) }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return nil
    }

    /// Waits up to `timeout` seconds for the child to end; kills it and returns false if it has not.
    func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        let grace = Date().addingTimeInterval(10)   // SIGKILL cannot be caught; this only bounds the reaping
        while process.isRunning, Date() < grace { Thread.sleep(forTimeInterval: 0.005) }
        return false
    }
}

@Suite("Killing index add at any moment loses at most the batch in flight")
struct CrashSafetyTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("siglip")

    /// Runs `siglip` to the end (at most `timeout` seconds) and returns its exit status.
    func run(_ arguments: [String], timeout: Double = 300) throws -> Int32 {
        let child = try Child(arguments)
        #expect(child.waitForExit(timeout: timeout), "siglip \(arguments.prefix(2).joined(separator: " ")) ran over \(timeout) s")
        return child.process.terminationStatus
    }

    /// Items done in the first "indexing: DONE/TOTAL" progress line (printed after each committed batch).
    static func progress(_ text: String) -> Int? {
        guard let range = text.range(of: #"indexing: [0-9]+/"#, options: .regularExpression) else { return nil }
        return Int(text[range].dropFirst("indexing: ".count).dropLast())
    }

    /// The tiny model indexes these 32-pixel images at about 2,400 a second on one thread, so a whole add takes
    /// under half a second: the kill must come soon after the add starts, and there must be plenty left to do.
    static let imageCount = 1000

    /// Each round waits for the add's first progress line (a batch is committed: the add is under way), lets it
    /// run a random moment longer, then kills it, and checks the kill cut the add short: the child died of
    /// SIGKILL, and the index holds at least what was reported and less than everything. With an approximate
    /// index the kill may also land between the store's commit and the FAISS file's save: every round's
    /// approximate search (replaying the change log) must still equal exact search.
    @Test(arguments: [nil, "IVF2,Flat"])
    func killDuringAddThenResume(ann: String?) throws {
        let total = Self.imageCount
        let data = Paths.scratch("shapes"), dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["datasets", "shapes", "--output", data.path, "--count", "\(total)", "--test-count", "0", "--seed", "5"]) == 0)
        let images = data.appendingPathComponent("images/train").path
        let add = ["index", "add", "--index", dir.path, "--model", Paths.model.path, "--batch-size", "3", "--threads", "1", images]
            + (ann.map { ["--ann", $0] } ?? [])
        var random = SystemRandomNumberGenerator()
        var counts: [Int] = []
        for round in 0..<6 {
            let child = try Child(add)
            let reported = child.wait(timeout: 120) { Self.progress($0) }
            guard let reported else {
                _ = child.waitForExit(timeout: 0)
                Issue.record("round \(round): no progress within 120 s: \(child.stderr)")
                return
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.02, using: &random))
            kill(child.process.processIdentifier, SIGKILL)
            #expect(child.waitForExit(timeout: 30))
            #expect(child.process.terminationReason == .uncaughtSignal && child.process.terminationStatus == SIGKILL,
                    "round \(round): the add ended by itself (status \(child.process.terminationStatus)), so the kill interrupted nothing")
            // The index opens, passes verify, keeps every batch reported, and never shrinks or duplicates.
            let index = try SiglipIndex(directory: dir)
            if ann != nil, try index.info().images >= 2 {
                let query = [Float](repeating: 1 / Float(index.dimension).squareRoot(), count: index.dimension)
                let approximate = try index.search(vector: query, k: 40, effort: 2), exact = try index.search(vector: query, k: 40, exact: true)
                #expect(approximate.map(\.item) == exact.map(\.item), "round \(round)")
            }
            #expect(try index.verify().isEmpty, "round \(round)")
            let count = try index.info().images
            #expect(count >= reported && count < total && count >= (counts.last ?? 0),
                    "round \(round): \(count) stored after \(reported) reported, earlier \(counts)")
            counts.append(count)
        }
        #expect(try run(add) == 0)
        let index = try SiglipIndex(directory: dir)
        #expect(try index.info().images == total)
        #expect(try index.verify().isEmpty)
        if ann != nil { #expect(index.approximateType == ann) }
    }

    @Test func twoConcurrentAddsAreSerialised() throws {
        let data = Paths.scratch("shapes"), dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: dir) }
        #expect(try run(["datasets", "shapes", "--output", data.path, "--count", "30", "--test-count", "30", "--seed", "9"]) == 0)
        // Create the index first so both writers agree on the model, then add two folders at once.
        #expect(try run(["index", "add", "--index", dir.path, "--model", Paths.model.path, Paths.photos[0].path]) == 0)
        let children = try ["train", "test"].map { split in
            try Child(["index", "add", "--index", dir.path, "--model", Paths.model.path, "--batch-size", "4", "--threads", "1",
                       data.appendingPathComponent("images/\(split)").path])
        }
        #expect(children.allSatisfy { $0.waitForExit(timeout: 300) })
        #expect(children.allSatisfy { $0.process.terminationStatus == 0 }, "\(children.map(\.stderr))")
        let index = try SiglipIndex(directory: dir)
        #expect(try index.info().images == 61)
        #expect(try index.verify().isEmpty)
    }
}

@Suite("Stored precision through the command line")
struct PrecisionCommandTests {
    @Test func precisionIsRecordedAndMixingIsRefused() throws {
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cli = CrashSafetyTests()
        let add = ["index", "add", "--index", dir.path, "--model", Paths.model.path]
        #expect(try cli.run(add + ["--vector-precision", "fp16", Paths.photos[0].path]) == 0)
        #expect(try SiglipIndex(directory: dir).info().precision == "float16")
        #expect(try cli.run(add + ["--vector-precision", "int8", Paths.photos[1].path]) != 0)
        #expect(try cli.run(add + ["--vector-precision", "fp64", Paths.photos[1].path]) != 0)
        #expect(try cli.run(add + [Paths.photos[1].path]) == 0)   // no --vector-precision: whatever the index stores
        #expect(try SiglipIndex(directory: dir).info().images == 2)
    }
}
