import CFaiss
import Foundation

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

    /// Builds an index of `factory` from every stored vector, training it on them when the type needs it.
    static func build(factory: String, dimension: Int, ids: [Int64], vectors: [Float]) throws -> ApproximateIndex {
        let index = try create(factory: factory, dimension: dimension)
        if cfaiss_is_trained(index.handle) == 0 {
            guard !ids.isEmpty else { throw IndexError("FAISS '\(factory)' needs training vectors; add items first") }
            try check(cfaiss_train(index.handle, Int64(ids.count), vectors), "training '\(factory)'")
        }
        try index.add(ids: ids, vectors: vectors)
        return index
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

    var count: Int { Int(cfaiss_count(handle)) }

    /// Search-time effort: HNSW's efSearch and IVF's nprobe, where they apply.
    func setEffort(_ effort: Int) throws {
        try Self.check(cfaiss_set_parameter(handle, "efSearch", Double(effort)), "efSearch")
        try Self.check(cfaiss_set_parameter(handle, "nprobe", Double(max(1, effort / 4))), "nprobe")
    }

    /// The `k` best (id, score) pairs for one query.
    func search(_ query: [Float], k: Int) throws -> [(id: Int64, score: Float)] {
        var scores = [Float](repeating: 0, count: k), ids = [Int64](repeating: -1, count: k)
        try Self.check(cfaiss_search(handle, 1, query, Int64(k), &scores, &ids), "search")
        return zip(ids, scores).filter { $0.0 >= 0 }.map { ($0.0, $0.1) }
    }
}
