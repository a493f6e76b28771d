import Crypto
import Foundation
import SigLIP
import Tensor

/// A persistent image–text index: normalised SigLIP embeddings in SQLite, searched exactly.
///
/// ```swift
/// let siglip = try SiglipPipeline(directory: modelURL)
/// let index = try SiglipIndex(directory: indexURL, creatingFor: siglip)
/// let report = index.addImages([photosURL], using: siglip)
/// let hits = try index.search(text: "a dog on a beach", using: siglip, k: 10)
/// ```
public final class SiglipIndex {
    /// The index directory.
    public let directory: URL
    /// The embedding width.
    public let dimension: Int
    /// The model the index was built with: its directory name and a hash of its config.json.
    public let modelID: String
    /// The model directory recorded at creation (searches load it unless given another).
    public let modelPath: String
    /// The model's `log t` and `b`, read once: every search result's probability needs them.
    private var logitScale: Float = 0, logitBias: Float = 0
    let store: IndexStore
    private var cache: (items: [IndexedItem], matrix: Tensor)?
    private var approximateCache: (generation: Int, index: ApproximateIndex)?

    /// The FAISS factory string of the approximate index, or nil for exact search only.
    public var approximateType: String? { (try? store.meta("ann")).flatMap { $0.isEmpty ? nil : $0 } }

    /// Chooses the approximate index type (a FAISS factory string such as "HNSW32" or "IVF4096,SQ8"), or nil
    /// for exact search only. The structure is derived from the store and rebuilt when stale.
    public func setApproximateType(_ factory: String?) throws {
        if let factory { _ = try ApproximateIndex.create(factory: factory, dimension: dimension) }   // refuse bad strings now
        try store.setMeta("ann", factory ?? "")
        try store.setMeta("ann_generation", "-1")
        approximateCache = nil
    }

    /// The approximate index in step with the store: loaded from disk if current, else rebuilt and saved.
    func approximate() throws -> ApproximateIndex? {
        guard let factory = approximateType else { return nil }
        let generation = try store.generation()
        if let cached = approximateCache, cached.generation == generation { return cached.index }
        let file = directory.appendingPathComponent("ann.faiss")
        let index: ApproximateIndex
        if try store.meta("ann_generation") == "\(generation)", FileManager.default.fileExists(atPath: file.path),
           let stored = try? ApproximateIndex.read(file) {
            index = stored
        } else {
            let (items, values) = try store.all(dimension: dimension)
            index = try ApproximateIndex.build(factory: factory, dimension: dimension, ids: items.map(\.id), vectors: values)
            try index.write(to: file)
            try store.setMeta("ann_generation", "\(generation)")
        }
        approximateCache = (generation, index)
        return index
    }

    /// Opens the index in `directory`, creating it for `pipeline`'s model if there is none; refuses an index
    /// built with another model or dimension.
    public init(directory: URL, creatingFor pipeline: SiglipPipeline) throws {
        store = try IndexStore(directory: directory, create: true)
        self.directory = directory
        let id = try Self.modelID(pipeline.model.directory)
        let dimension = pipeline.model.config.vision.hiddenSize
        if let existing = try store.meta("model_id") {
            guard existing == id else {
                throw IndexError("\(directory.path): built with model \(existing); \(id) is a different model, so their embeddings cannot be mixed")
            }
        } else {
            try store.setMeta("model_id", id)
            try store.setMeta("model_path", pipeline.model.directory.standardizedFileURL.path)
            try store.setMeta("dimension", "\(dimension)")
            try store.setMeta("precision", "float32")
            try store.setMeta("logit_scale", "\(pipeline.model.logitScale)")
            try store.setMeta("logit_bias", "\(pipeline.model.logitBias)")
        }
        guard try store.meta("dimension").flatMap(Int.init) == dimension else {
            throw IndexError("\(directory.path): holds \(try store.meta("dimension") ?? "?")-dimensional embeddings; this model makes \(dimension)")
        }
        self.dimension = dimension
        self.modelID = id
        self.modelPath = try store.meta("model_path") ?? ""
        try readLogitParameters()
    }

    /// Opens an existing index without a model (for info, verify, remove and vector search).
    public init(directory: URL) throws {
        store = try IndexStore(directory: directory, create: false)
        self.directory = directory
        guard let dimension = try store.meta("dimension").flatMap(Int.init), let id = try store.meta("model_id") else {
            throw IndexError("\(directory.path): the index records no model yet; add items with `siglip index add --model`")
        }
        self.dimension = dimension
        self.modelID = id
        self.modelPath = try store.meta("model_path") ?? ""
        try readLogitParameters()
    }

    /// "name@hash": the model directory's name and the first 16 hex digits of SHA-256 of its config.json.
    public static func modelID(_ directory: URL) throws -> String {
        let config = try Data(contentsOf: directory.appendingPathComponent("config.json"))
        let digest = SHA256.hash(data: config).map { String(format: "%02x", $0) }.joined()
        return "\(directory.standardizedFileURL.lastPathComponent)@\(digest.prefix(16))"
    }

    /// SHA-256 of a file's bytes, the identity that makes re-adding a file a no-op.
    public static func contentHash(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Counts, the model and the size on disk.
    public func info() throws -> IndexInfo {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.fileSizeKey])
        let bytes = files.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
        return IndexInfo(modelID: modelID, modelPath: modelPath, dimension: dimension, precision: try store.meta("precision") ?? "float32",
                         images: try store.count(kind: .image), texts: try store.count(kind: .text), bytes: bytes)
    }

    /// Deletes every item stored under each path; returns how many items went.
    public func remove(paths: [String]) throws -> Int {
        cache = nil
        return try paths.reduce(0) { $0 + (try store.remove(path: $1)) }
    }

    /// Deletes one item by its row id; returns whether it existed.
    public func remove(id: Int64) throws -> Bool {
        cache = nil
        return try store.remove(id: id)
    }

    /// The item with row id `id`, or nil if there is none.
    public func item(id: Int64) throws -> IndexedItem? { try store.items(ids: [id])[id] }

    /// The items stored under `path` (an image file's path, or a text).
    public func items(path: String) throws -> [IndexedItem] { try store.items(path: path) }

    /// The problems found: SQLite's integrity check and every stored embedding's size and norm. The
    /// approximate index, being derived, is rebuilt from the store rather than checked.
    public func verify() throws -> [String] {
        var problems = try store.integrityCheck()
        if approximateType != nil {
            try store.setMeta("ann_generation", "-1")
            approximateCache = nil
            if let rebuilt = try approximate(), rebuilt.count != (try store.count()) {
                problems.append("the approximate index holds \(rebuilt.count) vectors, the store \(try store.count())")
            }
        }
        let (items, matrix) = try store.all(dimension: dimension)
        for (i, item) in items.enumerated() {
            let norm = (0..<dimension).reduce(Float(0)) { $0 + matrix[i * dimension + $1] * matrix[i * dimension + $1] }.squareRoot()
            if !norm.isFinite || abs(norm - 1) > 1e-3 { problems.append("item \(item.id) (\(item.path)): embedding norm \(norm), expected 1") }
        }
        return problems
    }

    /// The exact-search matrix, loaded from the store on first use and after changes.
    func matrix() throws -> (items: [IndexedItem], matrix: Tensor) {
        if let cache { return cache }
        let (items, values) = try store.all(dimension: dimension)
        let loaded = (items, Tensor(shape: [items.count, dimension], values: values))
        cache = loaded
        return loaded
    }

    func invalidate() { cache = nil }

    private func readLogitParameters() throws {
        logitScale = Float(try store.meta("logit_scale") ?? "0") ?? 0
        logitBias = Float(try store.meta("logit_bias") ?? "0") ?? 0
    }

    /// `sigmoid(exp(t)·cos + b)` with the model's learned temperature and bias.
    func probability(_ cosine: Float) throws -> Float {
        sigmoid(Foundation.exp(logitScale) * cosine + logitBias)
    }
}

/// What `siglip index info` prints.
public struct IndexInfo: Sendable, Equatable {
    /// The model's "name@confighash".
    public let modelID: String
    /// The model directory recorded at creation.
    public let modelPath: String
    /// The embedding width.
    public let dimension: Int
    /// How embeddings are stored.
    public let precision: String
    /// Indexed images.
    public let images: Int
    /// Indexed texts.
    public let texts: Int
    /// Bytes on disk.
    public let bytes: Int
}
