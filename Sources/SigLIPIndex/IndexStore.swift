import Foundation

/// Whether an indexed item is an image file or a text.
public enum ItemKind: String, Sendable, CaseIterable {
    case image, text
}

/// One row to store: where it came from, how to recognise it again, and its normalised embedding.
struct NewItem {
    let kind: ItemKind
    let path: String
    let contentHash: String
    let size: Int64
    let modified: Double
    let embedding: [Float]
}

/// The SQLite file that is the index's source of truth (WAL mode: a killed writer loses at most its open
/// transaction, and readers never see half a batch).
final class IndexStore {
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
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=NORMAL")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS items(
                id INTEGER PRIMARY KEY, kind TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
                size INTEGER NOT NULL, mtime REAL NOT NULL, embedding BLOB NOT NULL, UNIQUE(kind, content_hash));
            CREATE INDEX IF NOT EXISTS items_path ON items(path);
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

    func contains(kind: ItemKind, contentHash: String) throws -> Bool {
        var found = false
        try db.query("SELECT 1 FROM items WHERE kind = ? AND content_hash = ?", [.text(kind.rawValue), .text(contentHash)]) { _ in found = true }
        return found
    }

    /// Stores a batch in one transaction; items whose content is already indexed are skipped. Returns how many were new.
    func insert(_ items: [NewItem]) throws -> Int {
        try db.transaction {
            var added = 0
            for item in items {
                let blob = item.embedding.withUnsafeBufferPointer { Data(buffer: $0) }
                try db.query("""
                    INSERT INTO items(kind, path, content_hash, size, mtime, embedding) VALUES(?, ?, ?, ?, ?, ?)
                    ON CONFLICT(kind, content_hash) DO NOTHING
                    """, [.text(item.kind.rawValue), .text(item.path), .text(item.contentHash), .integer(item.size), .real(item.modified), .blob(blob)])
                added += db.changes
            }
            if added > 0 { try bumpGeneration() }
            return added
        }
    }

    /// Deletes the items stored under `path`; returns how many rows went.
    func remove(path: String) throws -> Int {
        try db.transaction {
            try db.query("DELETE FROM items WHERE path = ?", [.text(path)])
            let removed = db.changes
            if removed > 0 { try bumpGeneration() }
            return removed
        }
    }

    /// Deletes the item with row id `id`; returns whether it existed.
    func remove(id: Int64) throws -> Bool {
        try db.transaction {
            try db.query("DELETE FROM items WHERE id = ?", [.integer(id)])
            let removed = db.changes
            if removed > 0 { try bumpGeneration() }
            return removed > 0
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

    /// Counts changes to the items, in the same transaction as the change, so derived data can tell it is stale.
    private func bumpGeneration() throws {
        try setMeta("generation", "\((try generation()) + 1)")
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

    /// Every item with its embedding, in id order: the rows of the exact-search matrix.
    func all(dimension: Int) throws -> (items: [IndexedItem], matrix: [Float]) {
        var items: [IndexedItem] = [], matrix: [Float] = []
        try db.query("SELECT id, kind, path, content_hash, embedding FROM items ORDER BY id") { row in
            let blob = row.blob(4)
            guard blob.count == dimension * 4 else {
                throw IndexError("\(directory.path): item \(row.integer(0)) has a \(blob.count / 4)-dimensional embedding, not \(dimension)")
            }
            items.append(IndexedItem(id: row.integer(0), kind: ItemKind(rawValue: row.text(1) ?? "") ?? .image, path: row.text(2) ?? ""))
            blob.withUnsafeBytes { matrix.append(contentsOf: $0.bindMemory(to: Float.self)) }
        }
        return (items, matrix)
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
}
