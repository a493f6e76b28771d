import CFaiss
import Foundation
import Tensor

/// A FAISS index over the store's vectors (inner product on normalised vectors = cosine), keyed by row id.
/// It is derived data: the SQLite store stays the source of truth, and the file is rebuilt from it when stale.
final class ApproximateIndex {
    private let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }
    deinit { cfaiss_free(handle) }

    private static func check(_ status: Int32, _ context: String) throws {
        if status != 0 { throw IndexError("FAISS \(context): \(String(cString: cfaiss_last_error()))") }
    }

    /// A new, empty index of the FAISS `factory` type ("HNSW32", "IVF1024,SQ8", "Flat", …).
    static func create(factory: String, dimension: Int) throws -> ApproximateIndex {
        var out: OpaquePointer?
        try check(cfaiss_create(factory, Int32(dimension), &out), "cannot build '\(factory)'")
        guard let out else { throw IndexError("FAISS returned no index for '\(factory)'") }
        return ApproximateIndex(handle: out)
    }

    /// The index written to `url`.
    static func read(_ url: URL) throws -> ApproximateIndex {
        var out: OpaquePointer?
        try check(cfaiss_read(url.path, &out), "cannot read \(url.path)")
        guard let out else { throw IndexError("FAISS read nothing from \(url.path)") }
        return ApproximateIndex(handle: out)
    }

    /// Builds an index of `factory` from every stored vector, training it first when the type needs it (on an
    /// evenly spaced sample: see `trainingRows`).
    static func build(factory: String, dimension: Int, ids: [Int64], vectors: [Float]) throws -> ApproximateIndex {
        cfaiss_set_threads(Int32(Compute.threads))
        let index = try create(factory: factory, dimension: dimension)
        if cfaiss_is_trained(index.handle) == 0 {
            guard !ids.isEmpty else { throw IndexError("FAISS '\(factory)' needs training vectors; add items first") }
            let rows = trainingRows(factory: factory, count: ids.count)
            let sample = rows.count == ids.count ? vectors : rows.flatMap { vectors[$0 * dimension..<($0 + 1) * dimension] }
            try check(cfaiss_train(index.handle, Int64(rows.count), sample), "training '\(factory)'")
        }
        try index.add(ids: ids, vectors: vectors)
        return index
    }

    /// The rows an index is trained on: for IVF with `n` lists, 64·n evenly spaced rows (k-means needs a few
    /// dozen points per centroid; more costs training time without improving recall measurably), else all.
    static func trainingRows(factory: String, count: Int) -> [Int] {
        guard let lists = listCount(factory) else { return Array(0..<count) }
        let size = min(count, 64 * lists)
        return (0..<size).map { $0 * count / size }
    }

    /// `n` of an "IVFn,…" factory string.
    static func listCount(_ factory: String) -> Int? {
        guard factory.hasPrefix("IVF") else { return nil }
        return Int(factory.dropFirst(3).prefix { $0.isNumber })
    }

    func write(to url: URL) throws {
        // Write beside, then rename: a crash never leaves a half-written file under the real name.
        let temporary = url.appendingPathExtension("partial")
        try Self.check(cfaiss_write(handle, temporary.path), "cannot write \(temporary.path)")
        guard rename(temporary.path, url.path) == 0 else {
            throw IndexError("cannot move \(temporary.path) into place: \(String(cString: strerror(errno)))")
        }
    }

    func add(ids: [Int64], vectors: [Float]) throws {
        guard !ids.isEmpty else { return }
        try Self.check(cfaiss_add(handle, Int64(ids.count), vectors, ids), "adding vectors")
    }

    /// Takes ids out; throws where the index type cannot remove (HNSW), so the caller rebuilds instead.
    func remove(ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        var removed: Int64 = 0
        try Self.check(cfaiss_remove(handle, Int64(ids.count), ids, &removed), "removing vectors")
    }

    var count: Int { Int(cfaiss_count(handle)) }

    /// Search-time effort: HNSW's efSearch and IVF's nprobe, where they apply.
    func setEffort(_ effort: Int) throws {
        try Self.check(cfaiss_set_parameter(handle, "efSearch", Double(max(1, effort))), "efSearch")
        try Self.check(cfaiss_set_parameter(handle, "nprobe", Double(max(1, effort))), "nprobe")
    }

    /// The `k` best (id, score) pairs for each of `count` queries laid end to end in `queries`.
    func search(_ queries: [Float], count: Int, k: Int) throws -> [[(id: Int64, score: Float)]] {
        guard k > 0 else { return Array(repeating: [], count: count) }
        // One query gains nothing from FAISS's OpenMP team, whose idle workers would then spin against ours; a
        // batch is split across the threads (oneDNN's GEMM may have left this thread's OpenMP count at 1).
        cfaiss_set_threads(Int32(count == 1 ? 1 : Compute.threads))
        var scores = [Float](repeating: 0, count: k * count), ids = [Int64](repeating: -1, count: k * count)
        try Self.check(cfaiss_search(handle, Int64(count), queries, Int64(k), &scores, &ids), "search")
        return (0..<count).map { q in
            (q * k..<(q + 1) * k).filter { ids[$0] >= 0 }.map { (ids[$0], scores[$0]) }
        }
    }
}
