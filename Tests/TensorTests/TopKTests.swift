import Foundation
import Testing
import Tensor

@Suite("Top-k inner-product search")
struct TopKTests {
    /// The definition: every row's inner product in double precision, sorted best first (ties: lower row first).
    func reference(_ q: [Float], _ db: [Float], rows: Int, d: Int, k: Int, allowed: [Bool]?) -> [Int] {
        let scores = (0..<rows).map { r in (0..<d).reduce(0.0) { $0 + Double(q[$1]) * Double(db[r * d + $1]) } }
        return (0..<rows).filter { allowed?[$0] ?? true }.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(k).map { $0 }
    }

    @Test(arguments: [(1, 1), (1, 2), (7, 1), (7, 2)])
    func matchesBruteForce(queries: Int, threads: Int) {
        let saved = Compute.threads
        defer { Compute.threads = saved }
        Compute.threads = threads
        var noise = Noise(seed: 42)
        // 20,000 rows: several blocks per thread, so per-thread heaps are merged.
        let rows = 20_000, d = 24, k = 10
        let db = (0..<rows * d).map { _ in noise.next() }, qs = (0..<queries * d).map { _ in noise.next() }
        let allowed = (0..<rows).map { $0 % 3 != 0 }
        for mask in [nil, allowed] {
            let hits = qs.withUnsafeBufferPointer { q in db.withUnsafeBufferPointer { b in
                topInnerProducts(queries: q.baseAddress!, queryCount: queries, database: b.baseAddress!, rows: rows, dimension: d, k: k, allowed: mask)
            } }
            #expect(hits.count == queries)
            for (i, list) in hits.enumerated() {
                let q = Array(qs[i * d..<(i + 1) * d])
                #expect(list.count == k)
                #expect(list.map(\.row) == reference(q, db, rows: rows, d: d, k: k, allowed: mask))
                for hit in list {
                    let exact = (0..<d).reduce(Float(0)) { $0 + q[$1] * db[hit.row * d + $1] }
                    #expect(abs(hit.score - exact) < 1e-4)
                }
            }
        }
    }

    @Test func tiesGoToTheLowerRowAndKMayExceedTheRows() {
        // Five identical rows: every score ties, so the order is by row; k = 8 returns all five.
        let db = [Float](repeating: 0.5, count: 5 * 4), q: [Float] = [1, 0, 0, 0]
        let hits = q.withUnsafeBufferPointer { qp in db.withUnsafeBufferPointer { b in
            topInnerProducts(queries: qp.baseAddress!, queryCount: 1, database: b.baseAddress!, rows: 5, dimension: 4, k: 8)
        } }
        #expect(hits[0].map(\.row) == [0, 1, 2, 3, 4])
        #expect(hits.count == 1 && hits[0].count == 5)
        #expect(hits[0].allSatisfy { $0.score == 0.5 })
        let none = q.withUnsafeBufferPointer { qp in db.withUnsafeBufferPointer { b in
            topInnerProducts(queries: qp.baseAddress!, queryCount: 1, database: b.baseAddress!, rows: 5, dimension: 4, k: 0)
        } }
        #expect(none == [[]])
    }
}
