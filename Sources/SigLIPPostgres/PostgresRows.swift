import Foundation
import PostgresNIO
import SigLIPIndex

/// The index's tables in PostgreSQL: `siglip_meta` (key → value, as in SQLite) and `siglip_items`, whose
/// `embedding vector(d)` column carries an HNSW index on inner product (the vectors are normalised, so inner
/// product is cosine). Implements `ItemRows`, so adding behaves exactly as in the embedded index.
final class PostgresRows: ItemRows {
    let session: PostgresSession

    init(_ session: PostgresSession) { self.session = session }

    /// HNSW build parameters: pgvector's defaults, written out so the schema documents them.
    static let hnswM = 16, hnswEfConstruction = 64

    /// Creates the extension and tables for `dimension`-wide vectors unless they exist.
    func create(dimension: Int) throws {
        do { try session.execute("CREATE EXTENSION IF NOT EXISTS vector") } catch {
            throw IndexError("\(error) (is pgvector installed on the server?)")
        }
        // One statement per call: the extended protocol PostgresNIO speaks takes no more.
        try session.transaction {
            try session.execute("CREATE TABLE IF NOT EXISTS siglip_meta(key text PRIMARY KEY, value text NOT NULL)")
            try session.execute("""
                CREATE TABLE IF NOT EXISTS siglip_items(
                    id bigserial PRIMARY KEY, kind text NOT NULL, path text NOT NULL, content_hash text NOT NULL,
                    size bigint NOT NULL, mtime double precision NOT NULL, embedding vector(\(dimension)) NOT NULL,
                    UNIQUE(kind, content_hash))
                """)
            try session.execute("CREATE INDEX IF NOT EXISTS siglip_items_path ON siglip_items(path text_pattern_ops)")
            try session.execute("""
                CREATE INDEX IF NOT EXISTS siglip_items_embedding ON siglip_items
                    USING hnsw (embedding vector_ip_ops) WITH (m = \(Self.hnswM), ef_construction = \(Self.hnswEfConstruction))
                """)
        }
    }

    /// Whether the tables are there.
    func exists() throws -> Bool {
        let rows = try session.query("SELECT to_regclass('siglip_meta') IS NOT NULL AND to_regclass('siglip_items') IS NOT NULL")
        return try rows.first?.decode(Bool.self) ?? false
    }

    func meta(_ key: String) throws -> String? {
        try session.query("SELECT value FROM siglip_meta WHERE key = \(key)").first?.decode(String.self)
    }

    func setMeta(_ key: String, _ value: String) throws {
        try session.query("INSERT INTO siglip_meta(key, value) VALUES(\(key), \(value)) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    }

    // MARK: ItemRows

    /// Image rows standing for files (size > 0), as in the SQLite store.
    private static let fileColumns = "SELECT id, path, content_hash, size, mtime FROM siglip_items WHERE kind = 'image' AND size > 0"

    private func fileRows(_ query: PostgresQuery) throws -> [StoredFile] {
        try session.query(query).map { row in
            let (id, path, hash, size, mtime) = try row.decode((Int64, String, String, Int64, Double).self)
            return StoredFile(id: id, path: path, contentHash: hash, size: size, modified: mtime)
        }
    }

    func files(path: String) throws -> [StoredFile] {
        try fileRows("\(unescaped: Self.fileColumns) AND path = \(path) ORDER BY id")
    }

    func file(contentHash: String) throws -> StoredFile? {
        try fileRows("\(unescaped: Self.fileColumns) AND content_hash = \(contentHash) LIMIT 1").first
    }

    func files(under folder: String) throws -> [StoredFile] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        // "0" follows "/": the range is exactly the paths with the prefix (and text_pattern_ops compares bytes).
        let end = String(prefix.dropLast()) + "0"
        return try fileRows("\(unescaped: Self.fileColumns) AND path ~>=~ \(prefix) AND path ~<~ \(end) ORDER BY path")
    }

    func commit(_ change: BatchChange) throws -> Set<String> {
        for item in change.insert where !item.embedding.allSatisfy(\.isFinite) {
            throw IndexError("\(item.path): refusing to store an embedding with NaN or infinite values")
        }
        return try session.transaction {
            if !change.remove.isEmpty {
                try session.query("DELETE FROM siglip_items WHERE id = ANY(\(change.remove))")
            }
            for row in change.update {
                try session.query("UPDATE siglip_items SET path = \(row.path), size = \(row.stamp.size), mtime = \(row.stamp.modified) WHERE id = \(row.id)")
            }
            var inserted = Set<String>()
            // Multi-row inserts of arrays unnested server-side; vectors travel as pgvector's text form, which
            // Swift's shortest round-trip Float printing makes exact.
            for start in stride(from: 0, to: change.insert.count, by: Self.rowsPerStatement) {
                let chunk = change.insert[start..<min(start + Self.rowsPerStatement, change.insert.count)]
                let rows = try session.query("""
                    INSERT INTO siglip_items(kind, path, content_hash, size, mtime, embedding)
                    SELECT k, p, h, s, m, e::vector FROM unnest(\(chunk.map(\.kind.rawValue))::text[], \(chunk.map(\.path))::text[],
                        \(chunk.map(\.contentHash))::text[], \(chunk.map(\.size))::int8[], \(chunk.map(\.modified))::float8[],
                        \(chunk.map { Self.text($0.embedding) })::text[]) AS t(k, p, h, s, m, e)
                    ON CONFLICT (kind, content_hash) DO NOTHING RETURNING path
                    """)
                for row in rows { inserted.insert(try row.decode(String.self)) }
            }
            return inserted
        }
    }

    func contains(kind: ItemKind, contentHash: String) throws -> Bool {
        !(try session.query("SELECT 1 FROM siglip_items WHERE kind = \(kind.rawValue) AND content_hash = \(contentHash)").isEmpty)
    }

    /// Rows per INSERT statement: 1,000 768-d vectors are about 8 MB of text.
    static let rowsPerStatement = 1000

    /// pgvector's text form of a vector: "[v1,v2,…]".
    static func text(_ vector: [Float]) -> String { "[" + vector.map { "\($0)" }.joined(separator: ",") + "]" }
}
