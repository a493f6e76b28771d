import Foundation
import PostgresNIO
import SigLIP
import SigLIPIndex
import Tensor

/// The image–text index kept in PostgreSQL with pgvector instead of SQLite+FAISS: the same model-identity
/// checks, add semantics (shared through `ItemRows`), kinds and filters, with an HNSW index the server keeps
/// in step with every change. For collections past one machine's disk or memory, or shared by many clients.
///
/// ```swift
/// let index = try PostgresIndex(url: "postgres://me@/photos?host=/var/run/postgresql", creatingFor: siglip)
/// let report = index.addImages([photosURL], using: siglip)
/// let hits = try index.search(text: "a dog on a beach", using: siglip, k: 10)
/// ```
public final class PostgresIndex {
    /// Where the server is, as error messages name it.
    public let location: PostgresLocation
    /// The embedding width.
    public let dimension: Int
    /// The model the index was built with: its directory name and a hash of its config.json.
    public let modelID: String
    /// The model directory recorded at creation (searches load it unless given another).
    public let modelPath: String
    /// SHA-256 of the model's weights files (nil for indexes of vectors made elsewhere).
    public private(set) var weightsHash: String?
    private let rows: PostgresRows
    private var logitScale: Float = 0, logitBias: Float = 0
    /// How the model turns logits into probabilities: SigLIP per result, CLIP as a softmax over the results.
    private var activation: ZeroShotActivation = .sigmoid

    /// HNSW's efSearch when no effort is given (pgvector's default is 40; ours matches the embedded HNSW).
    public static let defaultEffort = 64

    /// Connects to the database at `url`, creating the index there for `model` (any family) if there is none;
    /// refuses an index of another model or dimension, or of another checkpoint with the same name and config
    /// (the weights' SHA-256, computed on every open, differs).
    public convenience init(url: String, creatingFor model: any ImageTextModel) throws {
        try self.init(url: url, creatingForModel: try SiglipIndex.modelID(model.directory),
                      modelPath: model.directory.standardizedFileURL.path, dimension: model.embeddingSize,
                      logitScale: model.logitScale, logitBias: model.logitBias, activation: model.zeroShotActivation,
                      weightsHash: try SiglipIndex.weightsHash(model.directory))
    }

    /// Connects to the database at `url`, creating the index there for embeddings of the model named `id`
    /// (`dimension` wide; `activation` turns its logits into search probabilities) if there is none. For vectors
    /// made elsewhere and stored with `add(vectors:paths:)`.
    public init(url: String, creatingForModel id: String, modelPath: String = "", dimension: Int,
                logitScale: Float = 0, logitBias: Float = 0, activation: ZeroShotActivation = .sigmoid, weightsHash: String? = nil) throws {
        let location = try PostgresLocation(url: url), rows = PostgresRows(try PostgresSession(location))
        self.location = location
        self.rows = rows
        if try !rows.exists() || rows.meta("model_id") == nil {
            try rows.create(dimension: dimension)
            try rows.session.transaction {
                guard try rows.meta("model_id") == nil else { return }
                for (key, value) in [("model_id", id), ("model_path", modelPath), ("dimension", "\(dimension)"), ("precision", "float32"),
                                     ("logit_scale", "\(logitScale)"), ("logit_bias", "\(logitBias)")] {
                    try rows.setMeta(key, value)
                }
                if activation != .sigmoid { try rows.setMeta("zero_shot_activation", activation.rawValue) }
            }
        }
        if let existing = try rows.meta("model_id"), existing != id {
            throw IndexError("\(location): built with model \(existing); \(id) is a different model, so their embeddings cannot be mixed")
        }
        guard let stored = try rows.meta("dimension").flatMap(Int.init), stored == dimension else {
            throw IndexError("\(location): holds \(try rows.meta("dimension") ?? "?")-dimensional embeddings; this model makes \(dimension)")
        }
        self.dimension = dimension
        modelID = id
        self.modelPath = try rows.meta("model_path") ?? ""
        if let weightsHash {
            if let recorded = try rows.meta("model_weights") {
                guard recorded == weightsHash else {
                    throw IndexError("\(location): built with \(id) at \(self.modelPath) (weights sha256 \(recorded.prefix(16))…); "
                        + "\(modelPath) has the same name and config but weights sha256 \(weightsHash.prefix(16))…, a different checkpoint, so their embeddings cannot be mixed")
                }
            } else {
                try rows.setMeta("model_weights", weightsHash)
            }
        }
        self.weightsHash = try rows.meta("model_weights")
        try readLogitParameters()
    }

    /// Connects to an existing index without a model (for info, remove and vector search).
    public init(url: String) throws {
        location = try PostgresLocation(url: url)
        rows = PostgresRows(try PostgresSession(location))
        guard try rows.exists(), let dimension = try rows.meta("dimension").flatMap(Int.init), let id = try rows.meta("model_id") else {
            throw IndexError("\(location): the database holds no siglip index yet; add items with `siglip index add --model`")
        }
        self.dimension = dimension
        modelID = id
        modelPath = try rows.meta("model_path") ?? ""
        weightsHash = try rows.meta("model_weights")
        try readLogitParameters()
    }

    private func readLogitParameters() throws {
        logitScale = Float(try rows.meta("logit_scale") ?? "0") ?? 0
        logitBias = Float(try rows.meta("logit_bias") ?? "0") ?? 0
        activation = try rows.meta("zero_shot_activation").flatMap(ZeroShotActivation.init(rawValue:)) ?? .sigmoid
    }

    // MARK: Adding and removing

    /// `SiglipIndex.addImages(_:using:)`: the same skips, edits, renames and removals, each batch in one transaction.
    public func addImages(_ paths: [URL], using model: any ImageTextModel, batchSize: Int = 16,
                          progress: (Int, Int) -> Void = { _, _ in }) -> AddReport {
        rows.addImages(paths, batchSize: batchSize, embed: { model.imageEmbeddings(for: $0, batchSize: batchSize, side: nil, normalized: true) },
                       progress: progress)
    }

    /// `SiglipIndex.addTexts(_:using:)`: texts already indexed are skipped.
    public func addTexts(_ texts: [String], using model: any ImageTextModel, batchSize: Int = 64) -> AddReport {
        rows.addTexts(texts, batchSize: batchSize) { model.textEmbeddings(for: $0, batchSize: batchSize, normalized: true) }
    }

    /// `SiglipIndex.add(vectors:paths:kind:)`: normalised vectors made elsewhere, in one transaction; returns how many were new.
    @discardableResult
    public func add(vectors: [Float], paths: [String], kind: ItemKind = .image) throws -> Int {
        try rows.add(vectors: vectors, paths: paths, kind: kind, dimension: dimension)
    }

    /// Deletes every item stored under each path; returns how many items went.
    public func remove(paths: [String]) throws -> Int {
        try rows.session.query("DELETE FROM siglip_items WHERE path = ANY(\(paths)) RETURNING id").count
    }

    /// The items stored under `path` (an image file's path, or a text), oldest first.
    public func items(path: String) throws -> [IndexedItem] {
        try rows.session.query("SELECT id, kind FROM siglip_items WHERE path = \(path) ORDER BY id").map { row in
            let (id, kind) = try row.decode((Int64, String).self)
            return IndexedItem(id: id, kind: ItemKind(rawValue: kind) ?? .image, path: path)
        }
    }

    /// Counts, the model and the tables' size on the server.
    public func info() throws -> IndexInfo {
        let counts = try rows.session.query("SELECT kind, count(*) FROM siglip_items GROUP BY kind")
        var byKind: [String: Int64] = [:]
        for row in counts {
            let (kind, n) = try row.decode((String, Int64).self)
            byKind[kind] = n
        }
        let size = try rows.session.query("SELECT pg_total_relation_size('siglip_items') + pg_total_relation_size('siglip_meta')")
        return IndexInfo(modelID: modelID, modelPath: modelPath, dimension: dimension, precision: "float32",
                         images: Int(byKind["image"] ?? 0), texts: Int(byKind["text"] ?? 0), bytes: Int(try size.first?.decode(Int64.self) ?? 0))
    }

    // MARK: Searching

    /// The `k` items most similar to a normalised query vector, optionally only of one kind and under a path
    /// prefix: through the HNSW index with efSearch `effort` (nil: `defaultEffort`; pgvector allows 1 to 1,000),
    /// or by scanning every row when `exact`. Filtered HNSW scans continue until `k` rows pass the filter
    /// (pgvector's iterative scan in strict order), so a selective filter still gets `k` results.
    public func search(vector: [Float], k: Int = 10, kind: ItemKind? = nil, pathPrefix: String? = nil, exact: Bool = false,
                       effort: Int? = nil) throws -> [SearchResult] {
        guard vector.count == dimension else { throw IndexError("query has \(vector.count) dimensions; the index holds \(dimension)") }
        let k = max(k, 0)
        guard k > 0 else { return [] }
        var sql = "SELECT id, kind, path, -(embedding <#> $1::real[]::vector) FROM siglip_items"
        var binds = PostgresBindings()
        binds.append(vector)
        var conditions: [String] = []
        if let kind {
            binds.append(kind.rawValue)
            conditions.append("kind = $\(binds.count)")
        }
        if let pathPrefix {
            binds.append(pathPrefix)
            conditions.append("starts_with(path, $\(binds.count))")
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        binds.append(Int64(k))
        sql += " ORDER BY embedding <#> $1::real[]::vector LIMIT $\(binds.count)"
        let ef = min(max(effort ?? Self.defaultEffort, 1), 1000)
        let found = try rows.session.transaction {
            // SET LOCAL: the settings end with the transaction, so one search's choices never leak into the next.
            try rows.session.execute("SET LOCAL hnsw.ef_search = \(ef)")
            if exact { try rows.session.execute("SET LOCAL enable_indexscan = off") }
            if !conditions.isEmpty { try rows.session.execute("SET LOCAL hnsw.iterative_scan = strict_order") }
            return try rows.session.query(PostgresQuery(unsafeSQL: sql, binds: binds))
        }
        let hits = try found.map { row in
            let (id, kind, path, score) = try row.decode((Int64, String, String, Double).self)
            return (item: IndexedItem(id: id, kind: ItemKind(rawValue: kind) ?? .image, path: path), score: Float(score))
        }
        let p = activation.probabilities(logits: hits.map { Foundation.exp(logitScale) * $0.score + logitBias })
        return hits.enumerated().map { SearchResult(rank: $0 + 1, item: $1.item, score: $1.score, probability: p[$0]) }
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
