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
    /// The `k` items most similar to a normalised query vector (exact: every stored vector is scored),
    /// optionally only of one kind.
    public func search(vector: [Float], k: Int = 10, kind: ItemKind? = nil) throws -> [SearchResult] {
        guard vector.count == dimension else { throw IndexError("query has \(vector.count) dimensions; the index holds \(dimension)") }
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
    public func search(text: String, using pipeline: SiglipPipeline, k: Int = 10, kind: ItemKind? = .image) throws -> [SearchResult] {
        guard let query = pipeline.textEmbeddings(for: [text]).first else { return [] }
        return try search(vector: try query.get(), k: k, kind: kind)
    }

    /// Items matching an example image (image → image by default; `.text` for image → text).
    public func search(image: URL, using pipeline: SiglipPipeline, k: Int = 10, kind: ItemKind? = .image) throws -> [SearchResult] {
        guard let query = pipeline.imageEmbeddings(for: [image]).first else { return [] }
        return try search(vector: try query.get(), k: k, kind: kind)
    }
}
