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
    /// `sigmoid(exp(t)·cos + b)`: the model's probability that the two match (for CLIP, the softmax of
    /// `exp(t)·cos` over the results returned).
    public let probability: Float

    /// A hit with the given values (other stores make them too).
    public init(rank: Int, item: IndexedItem, score: Float, probability: Float) {
        self.rank = rank
        self.item = item
        self.score = score
        self.probability = probability
    }
}

extension SiglipIndex {
    /// The `k` items most similar to a normalised query vector, optionally only of one kind and only those whose
    /// path (or text) starts with `pathPrefix`: through the approximate index when one is configured (unless
    /// `exact`), else by scoring every stored vector. `effort` is HNSW's efSearch or IVF's nprobe (nil:
    /// `defaultEffort`).
    public func search(vector: [Float], k: Int = 10, kind: ItemKind? = nil, pathPrefix: String? = nil, exact: Bool = false,
                       effort: Int? = nil) throws -> [SearchResult] {
        try search(vectors: [vector], k: k, kind: kind, pathPrefix: pathPrefix, exact: exact, effort: effort)[0]
    }

    /// `search(vector:)` for many queries at once (one sweep over the stored vectors for all of them).
    public func search(vectors: [[Float]], k: Int = 10, kind: ItemKind? = nil, pathPrefix: String? = nil, exact: Bool = false,
                       effort: Int? = nil) throws -> [[SearchResult]] {
        guard !vectors.isEmpty else { return [] }
        for v in vectors where v.count != dimension {
            throw IndexError("query has \(v.count) dimensions; the index holds \(dimension)")
        }
        let flat = vectors.flatMap { $0 }
        let k = max(k, 0)
        let keep = { (item: IndexedItem) in (kind == nil || item.kind == kind) && pathPrefix.map(item.path.hasPrefix) != false }
        let filtered = kind != nil || pathPrefix != nil
        if !exact, let found = try approximateSearch(flat, count: vectors.count, k: k, filtered: filtered, keep: keep, effort: effort) {
            return found
        }
        let loaded = try matrix()
        let allowed = filtered ? loaded.items.map(keep) : nil
        let hits = flat.withUnsafeBufferPointer { queries in
            topInnerProducts(queries: queries.baseAddress!, queryCount: vectors.count, database: loaded.matrix.data,
                             rows: loaded.items.count, dimension: dimension, k: k, allowed: allowed)
        }
        return hits.map { best in
            let p = probabilities(best.map(\.score))
            return best.enumerated().map { rank, hit in
                SearchResult(rank: rank + 1, item: loaded.items[hit.row], score: hit.score, probability: p[rank])
            }
        }
    }

    /// The search through the approximate index, or nil when there is none or it cannot be built or searched:
    /// then a warning says why, and the caller searches exactly (an index whose ANN structure is unusable must
    /// still answer).
    private func approximateSearch(_ flat: [Float], count: Int, k: Int, filtered: Bool, keep: (IndexedItem) -> Bool,
                                   effort: Int?) throws -> [[SearchResult]]? {
        let hits: [[(id: Int64, score: Float)]]
        do {
            guard let approximate = try approximate() else { return nil }
            try approximate.setEffort(effort ?? Self.defaultEffort(factory: approximateFactory ?? ""))
            // Over-fetch when filtering, since the approximate index knows neither kinds nor paths.
            hits = try approximate.search(flat, count: count, k: filtered ? min(approximate.count, 4 * k) : k)
        } catch {
            warn("approximate index \(approximateType ?? "") unusable, so the search was exact: \(error)")
            return nil
        }
        return try hits.map { hits in
            let items = try store.items(ids: hits.map(\.id))
            let kept = hits.compactMap { hit in items[hit.id].flatMap { keep($0) ? ($0, hit.score) : nil } }.prefix(k)
            let p = probabilities(kept.map(\.1))
            return kept.enumerated().map { SearchResult(rank: $0 + 1, item: $1.0, score: $1.1, probability: p[$0]) }
        }
    }

    /// Items matching a text (text → image search by default).
    public func search(text: String, using model: any ImageTextModel, k: Int = 10, kind: ItemKind? = .image, pathPrefix: String? = nil,
                       exact: Bool = false, effort: Int? = nil) throws -> [SearchResult] {
        guard let query = model.textEmbeddings(for: [text], batchSize: 1, normalized: true).first else { return [] }
        return try search(vector: try query.get(), k: k, kind: kind, pathPrefix: pathPrefix, exact: exact, effort: effort)
    }

    /// Items matching an example image (image → image by default; `.text` for image → text).
    public func search(image: URL, using model: any ImageTextModel, k: Int = 10, kind: ItemKind? = .image, pathPrefix: String? = nil,
                       exact: Bool = false, effort: Int? = nil) throws -> [SearchResult] {
        guard let query = model.imageEmbeddings(for: [image], batchSize: 1, side: nil, normalized: true).first else { return [] }
        return try search(vector: try query.get(), k: k, kind: kind, pathPrefix: pathPrefix, exact: exact, effort: effort)
    }
}
