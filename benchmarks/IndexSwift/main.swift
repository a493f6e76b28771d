// siglip-index-bench: times SigLIPIndex on raw float32 vectors and prints one JSON object (used by
// benchmarks/index.py; with --store, PostgresIndex for benchmarks/postgres.py). Result ids are written beside
// the inputs so the driver can measure recall.
import ArgumentParser
import Foundation
import SigLIPIndex
import SigLIPPostgres
import Tensor

@main
struct IndexBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "siglip-index-bench", abstract: "Time the index on one data set.")

    @Option(help: "Stored vectors: raw little-endian float32, rows of --dimension.") var base: String
    @Option(help: "Query vectors, same layout.") var queries: String
    @Option(help: "Vector width.") var dimension = 768
    @Option(help: "Directory for the index and the result ids.") var work: String
    @Option(help: "Threads.") var threads = Compute.defaultThreads
    @Option(help: "Queries timed one at a time (median latency).") var single = 50
    @Option(help: "Timed repetitions of the batched search (median).") var repeats = 3
    @Option(help: "Stored precision: float32, float16 or int8.") var precision = "float32"
    @Option(parsing: .upToNextOption, help: "FAISS factory strings of approximate indexes to time.") var ann: [String] = []
    @Option(parsing: .upToNextOption, help: "Search efforts (nprobe / efSearch) to time for each.") var efforts: [Int] = [8, 16, 32]
    @Option(help: "Time PostgresIndex in this empty postgres:// database instead (--ann is ignored).") var store: String?

    func run() throws {
        Compute.threads = threads
        if let store {
            let json = try JSONSerialization.data(withJSONObject: try PostgresBench(bench: self, url: store).run(), options: [.sortedKeys])
            print(String(decoding: json, as: UTF8.self))
            return
        }
        let asked = try Self.read(queries, dimension), q = asked.count / dimension
        let directory = URL(fileURLWithPath: work).appendingPathComponent("index")
        try? FileManager.default.removeItem(at: directory)
        var result: [String: Any] = ["queries": q, "threads": threads, "blas": BLAS.name, "precision": precision]

        guard let chosen = VectorPrecision(name: precision) else { throw ValidationError("unknown precision \(precision)") }
        let index = try SiglipIndex(directory: directory, creatingForModel: "bench", dimension: dimension, precision: chosen)
        let (n, ingest) = try ingestAll(into: index)
        result["n"] = n
        result["ingest_s"] = ingest
        result["ingest_per_s"] = Double(n) / ingest
        try index.checkpoint()
        result["disk_bytes"] = try index.info().bytes

        let rows = (0..<q).map { Array(asked[$0 * dimension..<($0 + 1) * dimension]) }
        result["load_s"] = try seconds { _ = try index.search(vector: rows[0], k: 10, exact: true) }
        let exact = try time(index, rows, exact: true, effort: nil, name: "exact")
        result.merge(exact) { $1 }

        for factory in ann {
            try index.setApproximateType(factory)
            result["\(factory)/build_s"] = try seconds { _ = try index.search(vector: rows[0], k: 10, effort: 1) }
            result["\(factory)/disk_bytes"] = try index.info().bytes
            for effort in efforts {
                result.merge(try time(index, rows, exact: false, effort: effort, name: "\(factory)/\(effort)")) { $1 }
            }
        }
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Adds the base vectors 10,000 per transaction; returns their count and the seconds taken. The vectors are
    /// read here so they are freed before the searches (1M × 768 floats is 3 GB).
    func ingestAll(into index: SiglipIndex) throws -> (Int, Double) {
        let stored = try Self.read(base, dimension)
        let n = stored.count / dimension, batch = 10_000
        let elapsed = try seconds {
            for start in stride(from: 0, to: n, by: batch) {
                let end = min(start + batch, n)
                try index.add(vectors: Array(stored[start * dimension..<end * dimension]), paths: (start..<end).map { "v\($0)" })
            }
        }
        return (n, elapsed)
    }

    /// Single-query median latency and batched QPS; the batched top-10 ids go to WORK/NAME.ids (int64).
    func time(_ index: SiglipIndex, _ rows: [[Float]], exact: Bool, effort: Int?, name: String) throws -> [String: Any] {
        // One query at a time, with every thread and with one: FAISS spreads a search over its queries, so one
        // query runs on one thread there, and the like-for-like comparison is ours on one thread too.
        var latencies: [Double] = [], oneThread: [Double] = []
        for row in rows.prefix(single) {
            latencies.append(try seconds { _ = try index.search(vector: row, k: 10, exact: exact, effort: effort) })
        }
        Compute.threads = 1
        for row in rows.prefix(single) {
            oneThread.append(try seconds { _ = try index.search(vector: row, k: 10, exact: exact, effort: effort) })
        }
        Compute.threads = threads
        var hits: [[SearchResult]] = []
        let batched = try (0..<repeats).map { _ in try seconds { hits = try index.search(vectors: rows, k: 10, exact: exact, effort: effort) } }
        var ids = [Int64](repeating: -1, count: rows.count * 10)
        for (qi, list) in hits.enumerated() {
            for (r, hit) in list.prefix(10).enumerated() { ids[qi * 10 + r] = Int64(hit.item.path.dropFirst()) ?? -1 }
        }
        let file = URL(fileURLWithPath: work).appendingPathComponent(name.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ",", with: "_") + ".ids")
        try ids.withUnsafeBytes { try Data($0).write(to: file) }
        return ["\(name)/single_ms": median(latencies) * 1000, "\(name)/single_1t_ms": median(oneThread) * 1000,
                "\(name)/batch_qps": Double(rows.count) / median(batched),
                "\(name)/ids": file.path]
    }

    static func read(_ path: String, _ dimension: Int) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count % (4 * dimension) == 0 else { throw ValidationError("\(path): not rows of \(dimension) float32 values") }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? .nan : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// The same data through `PostgresIndex` (pgvector HNSW, m 16, efConstruction 64) on a server at `url`, for
/// benchmarks/postgres.py: ingest into a fresh database with the HNSW index kept up to date, exact search by
/// sequential scan on the server, and HNSW at each efSearch. One query at a time: there is no batched call.
struct PostgresBench {
    let bench: IndexBench
    let url: String

    func run() throws -> [String: Any] {
        let asked = try IndexBench.read(bench.queries, bench.dimension), q = asked.count / bench.dimension
        let rows = (0..<q).map { Array(asked[$0 * bench.dimension..<($0 + 1) * bench.dimension]) }
        let index = try PostgresIndex(url: url, creatingForModel: "bench", dimension: bench.dimension)
        var result: [String: Any] = ["queries": q, "store": "postgres"]
        let stored = try IndexBench.read(bench.base, bench.dimension)
        let n = stored.count / bench.dimension, batch = 10_000
        let ingest = try seconds {
            for start in stride(from: 0, to: n, by: batch) {
                let end = min(start + batch, n)
                try index.add(vectors: Array(stored[start * bench.dimension..<end * bench.dimension]), paths: (start..<end).map { "v\($0)" })
            }
        }
        result["n"] = n
        result["ingest_s"] = ingest
        result["ingest_per_s"] = Double(n) / ingest
        result["disk_bytes"] = try index.info().bytes

        var exact: [Double] = []
        for row in rows.prefix(bench.single) { exact.append(try seconds { _ = try index.search(vector: row, k: 10, exact: true) }) }
        result["exact/single_ms"] = median(exact) * 1000
        for effort in bench.efforts {
            var latencies: [Double] = [], ids = [Int64](repeating: -1, count: q * 10)
            let all = try seconds {
                for (qi, row) in rows.enumerated() {
                    var hits: [SearchResult] = []
                    latencies.append(try seconds { hits = try index.search(vector: row, k: 10, effort: effort) })
                    for (r, hit) in hits.prefix(10).enumerated() { ids[qi * 10 + r] = Int64(hit.item.path.dropFirst()) ?? -1 }
                }
            }
            let file = URL(fileURLWithPath: bench.work).appendingPathComponent("pg_hnsw_\(effort).ids")
            try ids.withUnsafeBytes { try Data($0).write(to: file) }
            result["hnsw/\(effort)/single_ms"] = median(latencies) * 1000
            result["hnsw/\(effort)/sequential_qps"] = Double(q) / all
            result["hnsw/\(effort)/ids"] = file.path
        }
        return result
    }
}
