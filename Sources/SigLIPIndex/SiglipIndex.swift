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
    /// SHA-256 of the model's weights files (nil for indexes of vectors made elsewhere, and for indexes made
    /// before weights were recorded until a model opens them).
    public private(set) var weightsHash: String?
    /// The model directory recorded at creation (searches load it unless given another).
    public let modelPath: String
    /// The model's `log t` and `b`, read once: every search result's probability needs them.
    private var logitScale: Float = 0, logitBias: Float = 0
    /// How the model turns logits into probabilities: SigLIP per item, CLIP as a softmax over the results.
    private var activation: ZeroShotActivation = .sigmoid
    let store: IndexStore
    private var cache: (items: [IndexedItem], matrix: Tensor)?
    private var approximateCache: (factory: String, generation: Int, index: ApproximateIndex)?
    /// What went wrong without stopping the work, each once, oldest first: quarantined rows (naming their
    /// files), an approximate index that could not be used (search was exact instead). The CLI prints them.
    public private(set) var warnings: [String] = []

    /// Records a warning unless it is already there.
    func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }

    /// The approximate index type asked for: a FAISS factory string, "auto" (chosen by collection size, see
    /// `automaticType`), or nil for exact search only.
    public var approximateType: String? { (try? store.meta("ann")).flatMap { $0.isEmpty ? nil : $0 } }

    /// Chooses the approximate index type (a FAISS factory string such as "HNSW32" or "IVF4096,Flat", or "auto"),
    /// or nil for exact search only. The structure is derived from the store: built on first search, then kept
    /// in step with adds and removes (see `approximate()`).
    public func setApproximateType(_ factory: String?) throws {
        if let factory, factory != "auto" {
            _ = try ApproximateIndex.create(factory: factory, dimension: dimension)   // refuse bad strings now
            try Self.checkTrainable(factory, count: try store.count())
        }
        try store.setMeta("ann", factory ?? "")
        if factory == nil { try store.pruneChanges(through: try store.generation()) }
        approximateCache = nil
    }

    /// The approximate index in step with the store, or nil when search is exact. It starts from the structure
    /// in memory or the one saved (`ann-GENERATION.faiss`) and replays the store's change log from there: adds
    /// are added without retraining, removes removed. It is rebuilt from the store only when it must: no usable
    /// saved structure, a different type asked for, a log that no longer reaches back, or a type that cannot
    /// remove. It is saved again once `saveAfter` changes have piled up since the last save.
    func approximate() throws -> ApproximateIndex? {
        guard let requested = approximateType else { return nil }
        let generation = try store.generation()
        if let cached = approximateCache, cached.generation == generation { return cached.index }
        let count = try store.count()
        guard let factory = requested == "auto" ? Self.automaticType(count: count) : requested else {
            approximateCache = nil
            return nil
        }
        try Self.checkTrainable(factory, count: count)
        let savedGeneration = try store.meta("ann_generation").flatMap(Int.init) ?? -1
        let savedType = try store.meta("ann_built")
        var start = approximateCache.flatMap { $0.factory == factory ? ($0.generation, $0.index) : nil }
        if start == nil, savedType == factory, savedGeneration >= 0,
           let stored = try? ApproximateIndex.read(annFile(savedGeneration)) {
            start = (savedGeneration, stored)
        }
        var index: ApproximateIndex
        if let (from, candidate) = start, let delta = try store.changes(since: from),
           (try? candidate.remove(ids: delta.removed)) != nil {
            let fresh = try store.vectors(ids: delta.added, dimension: dimension)
            warnAbout(fresh.quarantined)
            try candidate.add(ids: fresh.ids, vectors: fresh.matrix)
            index = candidate
            let unsaved = try store.changeCount(since: savedGeneration)
            if savedType != factory || unsaved >= Self.saveAfter(count: count) {
                try save(index, factory: factory, generation: generation)
            }
        } else {
            let (items, values) = try loadAll()
            index = try ApproximateIndex.build(factory: factory, dimension: dimension, ids: items.map(\.id), vectors: values)
            try save(index, factory: factory, generation: generation)
        }
        approximateCache = (factory, generation, index)
        return index
    }

    /// The type of the approximate index in memory.
    var approximateFactory: String? { approximateCache?.factory }

    /// Writes the structure as of `generation`, records it, and drops what the old file and log entries were for.
    private func save(_ index: ApproximateIndex, factory: String, generation: Int) throws {
        let file = annFile(generation)
        try index.write(to: file)
        try store.db.transaction {
            try store.setMeta("ann_built", factory)
            try store.setMeta("ann_generation", "\(generation)")
            try store.pruneChanges(through: generation)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix("ann") && name.hasSuffix(".faiss") && name != file.lastPathComponent {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// The saved approximate index as of `generation` (the name carries it, so a file can never be mistaken for
    /// a newer or older state than it holds).
    private func annFile(_ generation: Int) -> URL { directory.appendingPathComponent("ann-\(generation).faiss") }

    /// Replaying a few changes from SQLite is cheap; rewriting a large file is not, so saves wait for 1% of the
    /// collection (at least 1,024 changes).
    static func saveAfter(count: Int) -> Int { max(1024, count / 100) }

    /// Opens the index in `directory`, creating it for `model` (SigLIP, SigLIP 2 or CLIP) if there is none; refuses
    /// an index built with another model or dimension, or with another checkpoint of the same name and config (the
    /// weights' SHA-256 differs). The hash is recomputed only when the weights files' size, inode or times
    /// differ from those recorded with it.
    public convenience init(directory: URL, creatingFor model: any ImageTextModel, precision: VectorPrecision? = nil) throws {
        try self.init(directory: directory, creatingForModel: try Self.modelID(model.directory),
                      modelPath: model.directory.standardizedFileURL.path, dimension: model.embeddingSize,
                      logitScale: model.logitScale, logitBias: model.logitBias, activation: model.zeroShotActivation,
                      precision: precision, weights: try ModelWeights(directory: model.directory))
    }

    /// Opens the index in `directory`, creating it for embeddings of the model named `modelID` (`dimension` wide;
    /// `logitScale` and `logitBias` turn cosines into match probabilities) if there is none. For apps that embed
    /// elsewhere and store vectors with `add(vectors:paths:)`. Refuses an index of another model or dimension, or
    /// one storing another `precision` than asked (nil: whatever it stores; float32 for a new index).
    public convenience init(directory: URL, creatingForModel id: String, modelPath: String = "", dimension: Int,
                            logitScale: Float = 0, logitBias: Float = 0, precision: VectorPrecision? = nil) throws {
        try self.init(directory: directory, creatingForModel: id, modelPath: modelPath, dimension: dimension,
                      logitScale: logitScale, logitBias: logitBias, activation: .sigmoid, precision: precision, weights: nil)
    }

    /// The designated initialiser behind both creating ones; `weights` are checked against those recorded.
    init(directory: URL, creatingForModel id: String, modelPath: String, dimension: Int,
         logitScale: Float, logitBias: Float, activation: ZeroShotActivation, precision: VectorPrecision?,
         weights: ModelWeights?) throws {
        store = try IndexStore(directory: directory, create: true)
        self.directory = directory
        if let existing = try store.meta("model_id") {
            guard existing == id else {
                throw IndexError("\(directory.path): built with model \(existing); \(id) is a different model, so their embeddings cannot be mixed")
            }
        } else {
            try store.setMeta("model_id", id)
            try store.setMeta("model_path", modelPath)
            try store.setMeta("dimension", "\(dimension)")
            try store.setMeta("precision", (precision ?? .float32).rawValue)
            try store.setMeta("logit_scale", "\(logitScale)")
            try store.setMeta("logit_bias", "\(logitBias)")
            if activation != .sigmoid { try store.setMeta("zero_shot_activation", activation.rawValue) }
        }
        guard try store.meta("dimension").flatMap(Int.init) == dimension else {
            throw IndexError("\(directory.path): holds \(try store.meta("dimension") ?? "?")-dimensional embeddings; this model makes \(dimension)")
        }
        if let precision, try store.precision() != precision {
            throw IndexError("\(directory.path): stores \(try store.precision().rawValue) vectors; cannot add \(precision.rawValue) ones to it")
        }
        self.dimension = dimension
        self.modelID = id
        self.modelPath = try store.meta("model_path") ?? ""
        if let weights { try checkWeights(weights, offeredBy: modelPath) }
        weightsHash = try store.meta("model_weights")
        try readLogitParameters()
        try warnAboutQuarantine()
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
        weightsHash = try store.meta("model_weights")
        try readLogitParameters()
        try warnAboutQuarantine()
    }

    /// Refuses `weights` (of the model at `path`) unless they hash to what the index recorded; records them in an
    /// index that has none yet. Hashing is skipped when the files' stamp equals the one recorded with the hash.
    private func checkWeights(_ weights: ModelWeights, offeredBy path: String) throws {
        let stamp = try weights.stamp()
        guard let recorded = try store.meta("model_weights") else {
            let hash = try weights.hash()
            try store.db.transaction {
                try store.setMeta("model_weights", hash)
                try store.setMeta("model_weights_stamp", stamp)
            }
            return
        }
        guard try store.meta("model_weights_stamp") != stamp else { return }
        let hash = try weights.hash()
        guard hash == recorded else {
            throw IndexError("\(directory.path): built with \(modelID) at \(modelPath) (weights sha256 \(recorded.prefix(16))…); "
                + "\(path) has the same name and config but weights sha256 \(hash.prefix(16))…, a different checkpoint, so their embeddings cannot be mixed")
        }
        try store.setMeta("model_weights_stamp", stamp)
    }

    /// "name@hash": the model directory's name and the first 16 hex digits of SHA-256 of its config.json.
    public static func modelID(_ directory: URL) throws -> String {
        let config = try Data(contentsOf: directory.appendingPathComponent("config.json"))
        return "\(directory.standardizedFileURL.lastPathComponent)@\(contentHash(config).prefix(16))"
    }

    /// SHA-256 of a file's bytes, the identity that makes re-adding a file a no-op.
    public static func contentHash(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    /// SHA-256 of the weights files of the checkpoint in `directory`, as the index records it.
    public static func weightsHash(_ directory: URL) throws -> String { try ModelWeights(directory: directory).hash() }

    /// Lower-case hex of a digest.
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        // Hex by table: String(format:) per byte cost more than the hash itself (ingest ran at 7k vectors/s).
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Folds SQLite's write-ahead log into the main file and truncates it, so the directory's size is the data's.
    public func checkpoint() throws {
        try store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// Counts, the model and the size on disk.
    public func info() throws -> IndexInfo {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.fileSizeKey])
        let bytes = files.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
        return IndexInfo(modelID: modelID, modelPath: modelPath, dimension: dimension, precision: try store.meta("precision") ?? "float32",
                         images: try store.count(kind: .image), texts: try store.count(kind: .text), bytes: bytes)
    }

    /// Deletes every item stored under each path (and any quarantined row of it); returns how many items went.
    public func remove(paths: [String]) throws -> Int {
        invalidate()
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

    /// The problems found: SQLite's integrity check, rows whose embedding is unreadable (quarantined, naming
    /// their files), and indexed files that are missing, changed or renamed since they were embedded. The
    /// approximate index, being derived, is rebuilt from the store rather than checked.
    public func verify() throws -> [String] {
        var problems = try store.integrityCheck()
        invalidate()
        _ = try loadAll()   // quarantines rows with unusable embeddings
        problems += try store.quarantined().map(\.description)
        if approximateType != nil {
            try store.setMeta("ann_generation", "-1")
            approximateCache = nil
            do {
                if let rebuilt = try approximate(), rebuilt.count != (try store.count()) {
                    problems.append("the approximate index holds \(rebuilt.count) vectors, the store \(try store.count())")
                }
            } catch {
                problems.append("the approximate index cannot be built (searches are exact): \(error)")
            }
        }
        problems += try staleFiles().map(\.description)
        return problems
    }

    /// The exact-search matrix, loaded from the store on first use and after changes.
    func matrix() throws -> (items: [IndexedItem], matrix: Tensor) {
        if let cache { return cache }
        let (items, values) = try loadAll()
        let loaded = (items, Tensor(shape: [items.count, dimension], values: values))
        cache = loaded
        return loaded
    }

    func invalidate() { cache = nil }

    private func readLogitParameters() throws {
        logitScale = Float(try store.meta("logit_scale") ?? "0") ?? 0
        logitBias = Float(try store.meta("logit_bias") ?? "0") ?? 0
        activation = try store.meta("zero_shot_activation").flatMap(ZeroShotActivation.init(rawValue:)) ?? .sigmoid
    }

    /// The probabilities of one query's results, best first, from their cosines: `sigmoid(exp(t)·cos + b)` each
    /// for SigLIP; for CLIP, trained with a softmax over candidates, the softmax of `exp(t)·cos` over the results.
    func probabilities(_ cosines: [Float]) -> [Float] {
        activation.probabilities(logits: cosines.map { Foundation.exp(logitScale) * $0 + logitBias })
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
    /// Indexed items of both kinds.
    public var count: Int { images + texts }

    /// Info with the given values (other stores report theirs too).
    public init(modelID: String, modelPath: String, dimension: Int, precision: String, images: Int, texts: Int, bytes: Int) {
        self.modelID = modelID
        self.modelPath = modelPath
        self.dimension = dimension
        self.precision = precision
        self.images = images
        self.texts = texts
        self.bytes = bytes
    }
}
