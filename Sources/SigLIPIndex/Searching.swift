import Foundation
import SigLIP
import Tensor

/// One search hit.
public struct SearchResult: Sendable, Equatable {
    /// 1 for the best match.
    public let rank: Int
    /// The item found.
    public let item: IndexedItem
    /// Cosine similarity between the query and the item.
    public let score: Float
    /// `sigmoid(exp(t)·cos + b)`: the model's probability that the two match.
    public let probability: Float
}

extension SiglipIndex {
    /// The `k` items most similar to a normalised query vector, optionally only of one kind: through the
    /// approximate index when one is configured (unless `exact`), else by scoring every stored vector.
    /// `effort` is HNSW's efSearch (IVF probes a quarter as many lists).
    public func search(vector: [Float], k: Int = 10, kind: ItemKind? = nil, exact: Bool = false, effort: Int = 64) throws -> [SearchResult] {
        guard vector.count == dimension else { throw IndexError("query has \(vector.count) dimensions; the index holds \(dimension)") }
        if !exact, let approximate = try approximate() {
            try approximate.setEffort(max(effort, k))
            // Over-fetch when filtering by kind, since the approximate index does not know kinds.
            let hits = try approximate.search(vector, k: kind == nil ? k : min(approximate.count, 4 * k))
            let items = try store.items(ids: hits.map(\.id))
            let kept = hits.compactMap { hit in items[hit.id].flatMap { kind == nil || $0.kind == kind ? ($0, hit.score) : nil } }.prefix(k)
            return try kept.enumerated().map { SearchResult(rank: $0 + 1, item: $1.0, score: $1.1, probability: try probability($1.1)) }
        }
        let (items, matrix) = try matrix()
        guard !items.isEmpty else { return [] }
        let scores = linear(Tensor(shape: [1, dimension], values: vector), weight: matrix, bias: nil).scalars
        let candidates = items.indices.filter { kind == nil || items[$0].kind == kind }
        let best = candidates.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : items[$0].id < items[$1].id }.prefix(max(k, 0))
        return try best.enumerated().map { rank, i in
            SearchResult(rank: rank + 1, item: items[i], score: scores[i], probability: try probability(scores[i]))
        }
    }

    /// Items matching a text (text → image search by default).
    public func search(text: String, using pipeline: SiglipPipeline, k: Int = 10, kind: ItemKind? = .image, exact: Bool = false) throws -> [SearchResult] {
        guard let query = pipeline.textEmbeddings(for: [text]).first else { return [] }
        return try search(vector: try query.get(), k: k, kind: kind, exact: exact)
    }

    /// Items matching an example image (image → image by default; `.text` for image → text).
    public func search(image: URL, using pipeline: SiglipPipeline, k: Int = 10, kind: ItemKind? = .image, exact: Bool = false) throws -> [SearchResult] {
        guard let query = pipeline.imageEmbeddings(for: [image]).first else { return [] }
        return try search(vector: try query.get(), k: k, kind: kind, exact: exact)
    }
}
