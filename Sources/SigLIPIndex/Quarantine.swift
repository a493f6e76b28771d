import Foundation

/// A stored row whose embedding could not be used (wrong length, NaN or infinite values, far from unit norm),
/// moved out of the items into the `quarantine` table so the rest of the index keeps working.
public struct QuarantinedRow: Sendable, Equatable, CustomStringConvertible {
    /// The row id it had.
    public let id: Int64
    /// Image or text.
    public let kind: ItemKind
    /// The file's path (or the text).
    public let path: String
    /// What was wrong with its embedding.
    public let reason: String

    /// One line naming the item, its file and what is wrong.
    public var description: String {
        "item \(id) (\(path)) quarantined: \(reason); add it again to re-embed it, or remove it"
    }
}

extension IndexStore {
    /// How far from 1 a stored vector's norm may be before it counts as damaged: well above what rounding to
    /// fp16 or int8 moves a unit vector (≤ 1e-3), far below what a flipped exponent bit does.
    static let normTolerance: Float = 1e-2

    /// Decodes one stored embedding onto the end of `matrix`; for an unusable one leaves `matrix` as it was and
    /// returns what is wrong.
    static func decode(_ blob: UnsafeRawBufferPointer, precision: VectorPrecision, dimension: Int, into matrix: inout [Float]) -> String? {
        let expected = precision.bytes(dimension: dimension)
        guard blob.count == expected else {
            return "its embedding is \(blob.count) bytes, not the \(expected) bytes of \(dimension) \(precision.rawValue) values"
        }
        let start = matrix.count
        precision.decode(blob, dimension: dimension, into: &matrix)
        var sum: Float = 0, finite = true
        matrix.withUnsafeBufferPointer { values in
            for v in values[start...] {
                sum += v * v
                finite = finite && v.isFinite
            }
        }
        let norm = sum.squareRoot()
        guard !finite || abs(norm - 1) > normTolerance else { return nil }
        matrix.removeSubrange(start...)
        return finite ? "its embedding's norm is \(norm), not 1" : "its embedding holds NaN or infinite values"
    }

    /// Moves `rows` from the items to the quarantine table in one transaction (logged as removals, so derived
    /// structures drop them). If the index cannot be written (read-only), the rows are still left out of what
    /// the caller loaded. Returns `rows`.
    func quarantine(_ rows: [QuarantinedRow]) throws -> [QuarantinedRow] {
        guard !rows.isEmpty else { return [] }
        try? db.transaction {
            let next = try generation() + 1, logs = try logging()
            for row in rows {
                try db.query("""
                    INSERT OR REPLACE INTO quarantine(id, kind, path, content_hash, size, mtime, embedding, reason)
                    SELECT id, kind, path, content_hash, size, mtime, embedding, ? FROM items WHERE id = ?
                    """, [.text(row.reason), .integer(row.id)])
                try db.query("DELETE FROM items WHERE id = ?", [.integer(row.id)])
                if logs { try db.query("INSERT INTO changes(generation, id, added) VALUES(?, ?, 0)", [.integer(Int64(next)), .integer(row.id)]) }
            }
            try setMeta("generation", "\(next)")
        }
        return rows
    }

    /// The rows in quarantine, by id.
    func quarantined() throws -> [QuarantinedRow] {
        var rows: [QuarantinedRow] = []
        try db.query("SELECT id, kind, path, reason FROM quarantine ORDER BY id") { row in
            rows.append(QuarantinedRow(id: row.integer(0), kind: ItemKind(rawValue: row.text(1) ?? "") ?? .image,
                                       path: row.text(2) ?? "", reason: row.text(3) ?? ""))
        }
        return rows
    }
}

extension SiglipIndex {
    /// Every usable item and its vector; rows that are not usable are quarantined and warned about.
    func loadAll() throws -> (items: [IndexedItem], matrix: [Float]) {
        let loaded = try store.all(dimension: dimension)
        warnAbout(loaded.quarantined)
        return (loaded.items, loaded.matrix)
    }

    /// Warns about rows just quarantined.
    func warnAbout(_ rows: [QuarantinedRow]) {
        for row in rows { warn(row.description) }
    }

    /// Warns about the rows in quarantine (the first 20 by name; a count for the rest).
    func warnAboutQuarantine() throws {
        let rows = try store.quarantined()
        warnAbout(Array(rows.prefix(20)))
        if rows.count > 20 { warn("\(rows.count - 20) more items are quarantined; `siglip index verify` lists them") }
    }

    /// The rows in quarantine.
    public func quarantined() throws -> [QuarantinedRow] { try store.quarantined() }
}
