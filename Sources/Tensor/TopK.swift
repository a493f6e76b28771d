import Foundation

/// One hit of a top-k search: the database row and its inner product with the query.
public struct ScoredRow: Sendable, Equatable {
    /// Row index in the database matrix.
    public var row: Int
    /// Inner product with the query.
    public var score: Float
    /// A hit.
    public init(row: Int, score: Float) { self.row = row; self.score = score }
}

/// The `k` largest of a stream of scores: a min-heap whose root is the worst kept hit, so most candidates are
/// rejected by one comparison. Ties go to the lower row, so results do not depend on how work was split.
struct TopKHeap {
    let k: Int
    var rows: [Int] = []
    var scores: [Float] = []

    init(k: Int) {
        self.k = k
        rows.reserveCapacity(k)
        scores.reserveCapacity(k)
    }

    /// Whether (score, row) ranks below (otherScore, otherRow).
    @inline(__always) static func worse(_ s: Float, _ r: Int, _ t: Float, _ q: Int) -> Bool { s < t || (s == t && r > q) }

    /// The score a candidate must beat to enter (−∞ while the heap is not full).
    @inline(__always) var threshold: Float { rows.count < k ? -.infinity : scores[0] }

    mutating func push(row: Int, score: Float) {
        guard k > 0, !score.isNaN else { return }
        if rows.count < k {
            rows.append(row); scores.append(score)
            var i = rows.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.worse(scores[i], rows[i], scores[parent], rows[parent]) else { break }
                rows.swapAt(i, parent); scores.swapAt(i, parent)
                i = parent
            }
            return
        }
        guard Self.worse(scores[0], rows[0], score, row) else { return }
        rows[0] = row; scores[0] = score
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < k, Self.worse(scores[l], rows[l], scores[smallest], rows[smallest]) { smallest = l }
            if r < k, Self.worse(scores[r], rows[r], scores[smallest], rows[smallest]) { smallest = r }
            if smallest == i { break }
            rows.swapAt(i, smallest); scores.swapAt(i, smallest)
            i = smallest
        }
    }

    /// The kept hits, best first.
    func sorted() -> [ScoredRow] {
        zip(rows, scores).map { ScoredRow(row: $0, score: $1) }
            .sorted { Self.worse($1.score, $1.row, $0.score, $0.row) }
    }
}

/// Exact maximum-inner-product search: for each of `queryCount` queries (rows of `queries`, `dimension` wide),
/// the `k` rows of `database` (`rows` × `dimension`, contiguous) with the largest inner product, best first.
/// Rows where `allowed` is false are skipped.
///
/// The database is swept once in blocks: each block is scored against every query by one GEMM (a GEMV for a
/// single query) and the scores go straight into per-query heaps, so no `queries × rows` matrix is ever made.
/// Blocks are split across `Compute.threads`, each thread with its own heaps, merged at the end.
public func topInnerProducts(queries: UnsafePointer<Float>, queryCount: Int, database: UnsafePointer<Float>, rows: Int,
                             dimension: Int, k: Int, allowed: [Bool]? = nil) -> [[ScoredRow]] {
    guard queryCount > 0 else { return [] }
    guard rows > 0, k > 0 else { return Array(repeating: [], count: queryCount) }
    // Scores of one block stay within about 1 MB so they are still in cache when the heaps read them.
    let block = max(256, min(16_384, (1 << 18) / queryCount))
    let blocks = (rows + block - 1) / block
    let workers = min(Compute.threads, blocks)
    let input = Pointers(queries: queries, database: database)
    let mask = allowed
    // One worker per thread, each over a contiguous run of blocks with its own heaps.
    let partial: [[TopKHeap]] = Compute.map(workers) { w in
        var heaps = (0..<queryCount).map { _ in TopKHeap(k: k) }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: block * queryCount)
        defer { scratch.deallocate() }
        for b in (blocks * w / workers)..<(blocks * (w + 1) / workers) {
            let start = b * block, count = min(block, rows - start)
            BLAS.sgemm(m: queryCount, n: count, k: dimension, a: input.queries, lda: dimension,
                       b: input.database + start * dimension, ldb: dimension, transposeB: true,
                       beta: 0, c: scratch, ldc: count)
            for q in 0..<queryCount {
                let line = scratch + q * count
                var threshold = heaps[q].threshold
                for j in 0..<count where line[j] >= threshold {
                    if let mask, !mask[start + j] { continue }
                    heaps[q].push(row: start + j, score: line[j])
                    threshold = heaps[q].threshold
                }
            }
        }
        return heaps
    }
    return (0..<queryCount).map { q in
        var merged = TopKHeap(k: k)
        for heaps in partial {
            for hit in heaps[q].sorted() { merged.push(row: hit.row, score: hit.score) }
        }
        return merged.sorted()
    }
}

/// The search's read-only inputs, shared by its workers.
private struct Pointers: @unchecked Sendable {
    let queries: UnsafePointer<Float>
    let database: UnsafePointer<Float>
}
