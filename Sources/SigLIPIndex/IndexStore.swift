import Foundation

/// Whether an indexed item is an image file or a text.
public enum ItemKind: String, Sendable, CaseIterable {
    case image, text
}

/// One row to store: where it came from, how to recognise it again, and its normalised embedding.
public struct NewItem: Sendable {
    /// Image or text.
    public let kind: ItemKind
    /// The image file's path, or the text itself.
    public let path: String
    /// SHA-256 of the file's bytes (or the text's, or the vector's).
    public let contentHash: String
    /// The file's size (0 for vectors made elsewhere).
    public let size: Int64
    /// The file's modification time (0 for texts and vectors).
    public let modified: Double
    /// The normalised embedding.
    public let embedding: [Float]

    /// A row with the given values.
    public init(kind: ItemKind, path: String, contentHash: String, size: Int64, modified: Double, embedding: [Float]) {
        self.kind = kind
        self.path = path
        self.contentHash = contentHash
        self.size = size
        self.modified = modified
        self.embedding = embedding
    }
}

/// The SQLite file that is the index's source of truth (WAL mode: a killed writer loses at most its open
/// transaction, and readers never see half a batch).
final class IndexStore: ItemRows {
    static let fileName = "index.sqlite"
    static let formatVersion = 1
    let db: Database
    let directory: URL

    init(directory: URL, create: Bool) throws {
        self.directory = directory
        let fm = FileManager.default
        let file = directory.appendingPathComponent(Self.fileName)
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw IndexError("\(directory.path): not a directory") }
            let contents = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
            if !fm.fileExists(atPath: file.path) && (!create || !contents.filter({ !$0.hasPrefix(".") }).isEmpty) {
                throw IndexError("\(directory.path): not a siglip index (no \(Self.fileName))")
            }
        } else {
            guard create else { throw IndexError("\(directory.path): no index here; create one with `siglip index add`") }
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        db = try Database(path: file.path)
        // A 768-float row is 3 KB: in SQLite's default 4 KB pages each takes a page of its own (a quarter wasted);
        // 16 KB pages hold five. Takes effect only when the file is new.
        try db.execute("PRAGMA page_size=16384")
        try db.execute("PRAGMA journal_mode=WAL")
        // FULL: each commit syncs the write-ahead log, so a committed batch survives a power cut too, not only a
        // crash of the process; one fsync per batch costs little next to embedding the batch.
        try db.execute("PRAGMA synchronous=FULL")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS items(
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
                size INTEGER NOT NULL, mtime REAL NOT NULL, embedding BLOB NOT NULL, UNIQUE(kind, content_hash));
            CREATE INDEX IF NOT EXISTS items_path ON items(path);
            CREATE TABLE IF NOT EXISTS changes(generation INTEGER NOT NULL, id INTEGER NOT NULL, added INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS changes_generation ON changes(generation);
            CREATE TABLE IF NOT EXISTS quarantine(
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
                size INTEGER NOT NULL, mtime REAL NOT NULL, embedding BLOB, reason TEXT NOT NULL);
            """)
        if let version = try meta("format_version").flatMap(Int.init), version > Self.formatVersion {
            throw IndexError("\(directory.path): index format \(version) is newer than this siglip reads (\(Self.formatVersion)); upgrade siglip")
        }
        if try meta("format_version") == nil { try setMeta("format_version", "\(Self.formatVersion)") }
    }

    func meta(_ key: String) throws -> String? {
        var value: String?
        try db.query("SELECT value FROM meta WHERE key = ?", [.text(key)]) { value = $0.text(0) }
        return value
    }

    func setMeta(_ key: String, _ value: String) throws {
        try db.query("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
    }

    /// How embeddings are stored (float32 in indexes that predate the choice).
    func precision() throws -> VectorPrecision {
        let name = try meta("precision") ?? "float32"
        guard let precision = VectorPrecision(rawValue: name) else { throw IndexError("\(directory.path): unknown stored precision '\(name)'") }
        return precision
    }

    func contains(kind: ItemKind, contentHash: String) throws -> Bool {
        var found = false
        try db.query("SELECT 1 FROM items WHERE kind = ? AND content_hash = ?", [.text(kind.rawValue), .text(contentHash)]) { _ in found = true }
        return found
    }

    /// Stores a batch in one transaction; items whose content is already indexed are skipped. Returns how many were new.
    func insert(_ items: [NewItem]) throws -> Int { try commit(BatchChange(insert: items)).count }

    /// Applies a batch in one transaction: deletes `remove`, re-points `update` rows to their file's new path and
    /// stamp (the embedding is unchanged, so derived structures need not hear of it), then inserts `insert`,
    /// skipping items whose content is already indexed. An inserted path's quarantined rows go. Returns the
    /// paths inserted.
    func commit(_ change: BatchChange) throws -> Set<String> {
        for item in change.insert where !item.embedding.allSatisfy(\.isFinite) {
            throw IndexError("\(item.path): refusing to store an embedding with NaN or infinite values")
        }
        let precision = try self.precision()
        return try db.transaction {
            let next = try generation() + 1, logs = try logging()
            var changed = false, inserted = Set<String>()
            for id in change.remove {
                try db.query("DELETE FROM items WHERE id = ?", [.integer(id)])
                guard db.changes > 0 else { continue }
                changed = true
                if logs { try log(generation: next, id: id, added: false) }
            }
            for row in change.update {
                try db.query("UPDATE items SET path = ?, size = ?, mtime = ? WHERE id = ?",
                             [.text(row.path), .integer(row.stamp.size), .real(row.stamp.modified), .integer(row.id)])
            }
            for item in change.insert {
                try db.query("""
                    INSERT INTO items(kind, path, content_hash, size, mtime, embedding) VALUES(?, ?, ?, ?, ?, ?)
                    ON CONFLICT(kind, content_hash) DO NOTHING
                    """, [.text(item.kind.rawValue), .text(item.path), .text(item.contentHash), .integer(item.size), .real(item.modified),
                          .blob(precision.encode(item.embedding))])
                guard db.changes == 1 else { continue }
                inserted.insert(item.path)
                changed = true
                if logs { try log(generation: next, id: db.lastInsertID, added: true) }
                try db.query("DELETE FROM quarantine WHERE kind = ? AND path = ?", [.text(item.kind.rawValue), .text(item.path)])
            }
            if changed { try setMeta("generation", "\(next)") }
            return inserted
        }
    }

    /// Deletes the items stored under `path`; returns how many rows went.
    func remove(path: String) throws -> Int {
        try db.transaction {
            let next = try generation() + 1
            var ids: [Int64] = []
            try db.query("SELECT id FROM items WHERE path = ?", [.text(path)]) { ids.append($0.integer(0)) }
            try db.query("DELETE FROM items WHERE path = ?", [.text(path)])
            if try logging() { for id in ids { try log(generation: next, id: id, added: false) } }
            if !ids.isEmpty { try setMeta("generation", "\(next)") }
            try db.query("DELETE FROM quarantine WHERE path = ?", [.text(path)])
            return ids.count + db.changes
        }
    }

    /// Whether changes are logged: only with an approximate index to keep in step (without one there is nothing
    /// to catch up; one is built from the store when asked for).
    func logging() throws -> Bool { try !(meta("ann") ?? "").isEmpty }

    /// Records a change in the log that derived structures replay to catch up (in the change's transaction).
    private func log(generation: Int, id: Int64, added: Bool) throws {
        try db.query("INSERT INTO changes(generation, id, added) VALUES(?, ?, ?)", [.integer(Int64(generation)), .integer(id), .integer(added ? 1 : 0)])
    }

    /// What changed after `generation`: ids to take out of a derived structure (every id removed, even if added
    /// again, since ids can be reused) and ids to put in (those whose last change was an add). Nil when the log no
    /// longer covers every generation since then (it was pruned, or predates the log).
    func changes(since generation: Int) throws -> (removed: [Int64], added: [Int64])? {
        let current = try self.generation()
        guard generation <= current else { return nil }
        var generations = Set<Int64>(), removed = Set<Int64>(), last: [Int64: Bool] = [:]
        try db.query("SELECT generation, id, added FROM changes WHERE generation > ? ORDER BY generation, rowid", [.integer(Int64(generation))]) { row in
            generations.insert(row.integer(0))
            let id = row.integer(1), added = row.integer(2) != 0
            if !added { removed.insert(id) }
            last[id] = added
        }
        guard generations.count == current - generation else { return nil }
        return (removed.sorted(), last.filter(\.value).keys.sorted())
    }

    /// Drops log entries a saved derived structure no longer needs.
    func pruneChanges(through generation: Int) throws {
        try db.query("DELETE FROM changes WHERE generation <= ?", [.integer(Int64(generation))])
    }

    /// How many log entries follow `generation`.
    func changeCount(since generation: Int) throws -> Int {
        var n = 0
        try db.query("SELECT COUNT(*) FROM changes WHERE generation > ?", [.integer(Int64(generation))]) { n = Int($0.integer(0)) }
        return n
    }

    /// The embeddings of the given ids that still exist, decoded: (ids found, their vectors end to end, rows
    /// that could not be decoded and were moved to quarantine).
    func vectors(ids: [Int64], dimension: Int) throws -> (ids: [Int64], matrix: [Float], quarantined: [QuarantinedRow]) {
        let precision = try self.precision()
        var found: [Int64] = [], matrix: [Float] = [], bad: [QuarantinedRow] = []
        for id in ids {
            try db.query("SELECT kind, path, embedding FROM items WHERE id = ?", [.integer(id)]) { row in
                if let problem = row.withBlob(2, { Self.decode($0, precision: precision, dimension: dimension, into: &matrix) }) {
                    bad.append(QuarantinedRow(id: id, kind: ItemKind(rawValue: row.text(0) ?? "") ?? .image, path: row.text(1) ?? "", reason: problem))
                } else {
                    found.append(id)
                }
            }
        }
        return (found, matrix, try quarantine(bad))
    }

    /// Deletes the item with row id `id`; returns whether it existed.
    func remove(id: Int64) throws -> Bool {
        try db.transaction {
            try db.query("DELETE FROM items WHERE id = ?", [.integer(id)])
            guard db.changes > 0 else { return false }
            let next = try generation() + 1
            if try logging() { try log(generation: next, id: id, added: false) }
            try setMeta("generation", "\(next)")
            return true
        }
    }

    /// The items stored under `path`, oldest first.
    func items(path: String) throws -> [IndexedItem] {
        var found: [IndexedItem] = []
        try db.query("SELECT id, kind FROM items WHERE path = ? ORDER BY id", [.text(path)]) { row in
            found.append(IndexedItem(id: row.integer(0), kind: ItemKind(rawValue: row.text(1) ?? "") ?? .image, path: path))
        }
        return found
    }

    /// How many committed changes the items have seen.
    func generation() throws -> Int { Int(try meta("generation") ?? "0") ?? 0 }

    /// Kind and path of the given row ids (those that still exist).
    func items(ids: [Int64]) throws -> [Int64: IndexedItem] {
        var found: [Int64: IndexedItem] = [:]
        for id in ids {
            try db.query("SELECT kind, path FROM items WHERE id = ?", [.integer(id)]) { row in
                found[id] = IndexedItem(id: id, kind: ItemKind(rawValue: row.text(0) ?? "") ?? .image, path: row.text(1) ?? "")
            }
        }
        return found
    }

    func count(kind: ItemKind? = nil) throws -> Int {
        var n = 0
        if let kind {
            try db.query("SELECT COUNT(*) FROM items WHERE kind = ?", [.text(kind.rawValue)]) { n = Int($0.integer(0)) }
        } else {
            try db.query("SELECT COUNT(*) FROM items") { n = Int($0.integer(0)) }
        }
        return n
    }

    /// Every item with its embedding, in id order: the rows of the exact-search matrix, and the rows that could
    /// not be decoded (moved to quarantine instead, so one bad row never makes the index unusable).
    func all(dimension: Int) throws -> (items: [IndexedItem], matrix: [Float], quarantined: [QuarantinedRow]) {
        let precision = try self.precision()
        var items: [IndexedItem] = [], matrix: [Float] = [], bad: [QuarantinedRow] = []
        let count = try self.count()
        items.reserveCapacity(count)
        matrix.reserveCapacity(count * dimension)
        try db.query("SELECT id, kind, path, embedding FROM items ORDER BY id") { row in
            let item = IndexedItem(id: row.integer(0), kind: ItemKind(rawValue: row.text(1) ?? "") ?? .image, path: row.text(2) ?? "")
            if let problem = row.withBlob(3, { Self.decode($0, precision: precision, dimension: dimension, into: &matrix) }) {
                bad.append(QuarantinedRow(id: item.id, kind: item.kind, path: item.path, reason: problem))
            } else {
                items.append(item)
            }
        }
        return (items, matrix, try quarantine(bad))
    }

    /// SQLite's own consistency check: "ok", or the problems it found.
    func integrityCheck() throws -> [String] {
        var lines: [String] = []
        try db.query("PRAGMA integrity_check") { lines.append($0.text(0) ?? "") }
        return lines == ["ok"] ? [] : lines
    }
}

/// An item as search results name it.
public struct IndexedItem: Sendable, Equatable {
    /// The row id.
    public let id: Int64
    /// Image or text.
    public let kind: ItemKind
    /// The image file's path, or the text itself.
    public let path: String

    /// An item with the given values (other stores name their rows too).
    public init(id: Int64, kind: ItemKind, path: String) {
        self.id = id
        self.kind = kind
        self.path = path
    }
}
