import Foundation

/// Small vector helpers for evaluation: embeddings here are plain `[Float]` rows.
public enum Vectors {
    /// The dot product of two rows of equal length.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot: rows of different lengths")
        var sum: Float = 0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    /// `v` scaled to unit L2 norm; a zero row stays zero (it then matches nothing rather than everything).
    public static func normalized(_ v: [Float]) -> [Float] {
        let norm = dot(v, v).squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    /// The mean of the normalised rows, normalised again: the CLIP/open_clip prompt-ensemble class embedding.
    public static func ensemble(_ rows: [[Float]]) -> [Float] {
        precondition(!rows.isEmpty, "ensemble: no rows")
        var sum = [Float](repeating: 0, count: rows[0].count)
        for row in rows {
            let unit = normalized(row)
            for i in sum.indices { sum[i] += unit[i] }
        }
        return normalized(sum.map { $0 / Float(rows.count) })
    }

    /// Cosine-style scores of every query row against every gallery row (rows assumed normalised): `[q][g]`.
    public static func similarities(_ queries: [[Float]], _ gallery: [[Float]]) -> [[Float]] {
        queries.map { q in gallery.map { dot(q, $0) } }
    }

    /// The transpose of a rectangular matrix.
    public static func transposed(_ m: [[Float]]) -> [[Float]] {
        guard let width = m.first?.count else { return [] }
        return (0..<width).map { j in m.map { $0[j] } }
    }
}
