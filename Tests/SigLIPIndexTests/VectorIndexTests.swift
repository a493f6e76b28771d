import Foundation
import Testing
import Tensor
@testable import SigLIPIndex

/// Unit vectors drawn around `clusters` random centres, deterministic by seed.
func clusteredVectors(_ n: Int, dimension d: Int, clusters: Int = 8, seed: UInt64) -> [Float] {
    var centreBits = SplitMix64(seed: 99), bits = SplitMix64(seed: seed)
    let centres = (0..<clusters * d).map { _ in centreBits.float(in: -1...1) }
    var out: [Float] = []
    for _ in 0..<n {
        let c = Int(bits.next() % UInt64(clusters))
        var v = (0..<d).map { centres[c * d + $0] + 0.5 * bits.float(in: -1...1) }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        v = v.map { $0 / norm }
        out += v
    }
    return out
}

@Suite("Indexes of vectors made elsewhere")
struct VectorIndexTests {
    let d = 32

    func make(_ name: String = "vectors", precision: VectorPrecision? = nil) throws -> (SiglipIndex, URL) {
        let dir = Paths.scratch(name)
        return (try SiglipIndex(directory: dir, creatingForModel: "test-model", dimension: d, precision: precision), dir)
    }

    func row(_ m: [Float], _ i: Int) -> [Float] { Array(m[i * d..<(i + 1) * d]) }

    /// The same items in the same order with scores within `tolerance`.
    func same(_ a: [SearchResult], _ b: [SearchResult], tolerance: Float) -> Bool {
        a.map(\.item) == b.map(\.item) && zip(a, b).allSatisfy { abs($0.score - $1.score) <= tolerance }
    }

    @Test func batchedSearchEqualsOneQueryAtATime() throws {
        let (index, dir) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = clusteredVectors(500, dimension: d, seed: 1), queries = clusteredVectors(9, dimension: d, seed: 2)
        #expect(try index.add(vectors: base, paths: (0..<500).map { "v\($0)" }) == 500)
        #expect(try index.add(vectors: base, paths: (0..<500).map { "v\($0)" }) == 0)   // same vectors: skipped
        let rows = (0..<9).map { row(queries, $0) }
        let batched = try index.search(vectors: rows, k: 7)
        // One query is a GEMV, many a GEMM: the sums may round differently, the ranking may not.
        for (q, hits) in zip(rows, batched) { #expect(same(try index.search(vector: q, k: 7), hits, tolerance: 1e-5)) }
        // And they are the brute-force best.
        for (q, hits) in zip(rows, batched) {
            let scores = (0..<500).map { i in zip(q, row(base, i)).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
            let best = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(7).map { "v\($0)" }
            #expect(hits.map(\.item.path) == best)
        }
    }

    @Test func badVectorsAreRefused() throws {
        let (index, dir) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: IndexError.self) { try index.add(vectors: [Float](repeating: 1, count: d), paths: ["not normalised"]) }
        #expect(throws: IndexError.self) { try index.add(vectors: [1, 0, 0], paths: ["short"]) }
        #expect(throws: IndexError.self) { try index.search(vector: [1, 0], k: 1) }
        #expect(throws: IndexError.self) { try SiglipIndex(directory: dir, creatingForModel: "other-model", dimension: d) }
        #expect(try index.info().images == 0)
    }

    @Test(arguments: [(VectorPrecision.float16, Float(1e-3), 0.99), (VectorPrecision.int8, Float(1e-2), 0.9)])
    func reducedPrecisionScoresStayClose(precision: VectorPrecision, tolerance: Float, minimumRecall: Double) throws {
        let (full, fullDir) = try make("fp32")
        let (reduced, reducedDir) = try make("reduced", precision: precision)
        defer { try? FileManager.default.removeItem(at: fullDir); try? FileManager.default.removeItem(at: reducedDir) }
        let base = clusteredVectors(2000, dimension: d, seed: 3), queries = clusteredVectors(50, dimension: d, seed: 4)
        let paths = (0..<2000).map { "v\($0)" }
        try full.add(vectors: base, paths: paths)
        try reduced.add(vectors: base, paths: paths)
        try full.checkpoint(); try reduced.checkpoint()
        #expect(try reduced.info().precision == precision.rawValue)
        #expect(try reduced.info().bytes < full.info().bytes)
        var found = 0
        for q in 0..<50 {
            let query = row(queries, q)
            let a = try full.search(vector: query, k: 10), b = try reduced.search(vector: query, k: 10)
            found += Set(a.map(\.item.path)).intersection(b.map(\.item.path)).count
            // The reduced copy's score of each item it returns is within tolerance of the exact cosine.
            for hit in b {
                let i = Int(hit.item.path.dropFirst())!
                let exact = zip(query, row(base, i)).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                #expect(abs(hit.score - exact) <= tolerance, "\(precision) item \(i)")
            }
        }
        #expect(Double(found) / 500 >= minimumRecall, "\(precision) recall@10 \(Double(found) / 500)")
        // Mixing precisions is refused; opening without asking takes what is stored.
        let other: VectorPrecision = precision == .int8 ? .float16 : .int8
        #expect(throws: IndexError.self) { try SiglipIndex(directory: reducedDir, creatingForModel: "test-model", dimension: d, precision: other) }
        #expect(try SiglipIndex(directory: reducedDir, creatingForModel: "test-model", dimension: d).info().precision == precision.rawValue)
        #expect(try reduced.verify().isEmpty)
    }

    /// Whether an exhaustive approximate search agrees with exact search: identically for the types that store
    /// full vectors; for SQ8, whose 8-bit codes can swap near-ties, the same best item, ≥ 80% of the rest, and
    /// scores within 0.02.
    func agrees(_ approximate: [SearchResult], _ exact: [SearchResult], _ factory: String) -> Bool {
        guard factory.hasSuffix("SQ8") else { return same(approximate, exact, tolerance: 1e-5) }
        let shared = Set(approximate.map(\.item.path)).intersection(exact.map(\.item.path)).count
        return approximate.first?.item == exact.first?.item && shared * 5 >= exact.count * 4
            && zip(approximate, exact).allSatisfy { abs($0.score - $1.score) <= 2e-2 }
    }

    /// Names of the saved approximate index files in `dir`.
    func annFiles(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".faiss") }.sorted()
    }

    @Test(arguments: ["IVF8,Flat", "IVF8,SQ8", "HNSW16"])
    func approximateIndexFollowsAddsAndRemovesWithoutRebuilding(factory: String) throws {
        let (index, dir) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = clusteredVectors(600, dimension: d, seed: 5)
        try index.add(vectors: base, paths: (0..<600).map { "v\($0)" })
        try index.setApproximateType(factory)
        // Effort 64 probes every list of IVF8 and is a wide HNSW search: results must equal exact search.
        let probe = row(base, 10)
        #expect(agrees(try index.search(vector: probe, k: 5, effort: 64), try index.search(vector: probe, k: 5, exact: true), factory))
        let built = annFiles(dir)
        #expect(built.count == 1)

        // New vectors are found, removed ones are not, and every other id still names its own vector.
        let extra = clusteredVectors(20, dimension: d, seed: 6)
        try index.add(vectors: extra, paths: (0..<20).map { "x\($0)" })
        #expect(try index.search(vector: row(extra, 3), k: 1, effort: 64).first?.item.path == "x3")
        #expect(try index.remove(paths: ["v10", "x3"]) == 2)
        for (query, gone) in [(probe, "v10"), (row(extra, 3), "x3")] {
            #expect(try index.search(vector: query, k: 5, effort: 64).allSatisfy { $0.item.path != gone })
        }
        for i in [0, 11, 599] {
            let hit = try index.search(vector: row(base, i), k: 1, effort: 64).first
            #expect(hit?.item.path == "v\(i)" && abs((hit?.score ?? 0) - 1) < 1e-2, "\(factory) v\(i)")
        }
        #expect(agrees(try index.search(vector: probe, k: 10, effort: 64), try index.search(vector: probe, k: 10, exact: true), factory))

        // A few changes are replayed from the store's log rather than saved: the file is the one built.
        if !factory.hasPrefix("HNSW") { #expect(annFiles(dir) == built) }
        // Another process (here: another instance) sees the same, from the saved file plus the log.
        let reopened = try SiglipIndex(directory: dir)
        #expect(try reopened.search(vector: row(extra, 5), k: 1, effort: 64).first?.item.path == "x5")
        #expect(try reopened.search(vector: probe, k: 5, effort: 64).allSatisfy { $0.item.path != "v10" })

        // Past the save threshold the structure is written again as of the new generation, the old file goes.
        let many = clusteredVectors(1100, dimension: d, seed: 7)
        try index.add(vectors: many, paths: (0..<1100).map { "m\($0)" })
        #expect(try index.search(vector: row(many, 7), k: 1, effort: 64).first?.item.path == "m7")
        #expect(annFiles(dir).count == 1 && annFiles(dir) != built)
        #expect(try index.verify().isEmpty)
    }

    @Test func automaticTypeIsExactWhenSmallAndIVFWhenLarge() throws {
        #expect(SiglipIndex.automaticType(count: 1_000) == nil)
        let (factory, probes) = try #require(SiglipIndex.automaticChoice(count: 1_000_000))
        #expect(factory.hasPrefix("IVF") && ApproximateIndex.listCount(factory).map { $0 >= 2048 && $0 <= 8192 } == true)
        #expect(probes >= 1)
        // An index asked for "auto" but still small searches exactly and keeps no FAISS file.
        let (index, dir) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = clusteredVectors(100, dimension: d, seed: 8)
        try index.add(vectors: base, paths: (0..<100).map { "v\($0)" })
        try index.setApproximateType("auto")
        #expect(try index.search(vector: row(base, 4), k: 3) == index.search(vector: row(base, 4), k: 3, exact: true))
        #expect(try index.info().images == 100)
        #expect(annFiles(dir).isEmpty)
    }
}
