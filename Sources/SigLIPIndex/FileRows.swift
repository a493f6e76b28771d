import Foundation

/// What identifies a file's version cheaply: its size and modification time (seconds since 1970).
struct FileStamp: Equatable {
    let size: Int64
    let modified: Double

    /// The stamp of the regular file at `path` (following symbolic links), or nil if there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = Int64(info.st_size)
        modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    init(size: Int64, modified: Double) {
        self.size = size
        self.modified = modified
    }

    /// Whether this is the version recorded in `row`. Times are compared to 10 µs: rows written before the
    /// stamp was taken from stat() went through Foundation's Date, which rounds differently in the last digits.
    func matches(_ row: StoredFile) -> Bool { size == row.size && abs(modified - row.modified) < 1e-5 }
}

/// An image row that stands for a file: where it was, what its bytes hashed to, and its stamp when embedded.
struct StoredFile {
    let id: Int64
    let path: String
    let contentHash: String
    let size: Int64
    let modified: Double
}

/// One `add` batch's changes to the store, applied in one transaction by `IndexStore.commit`.
struct BatchChange {
    /// Rows to delete: an edited file's old embedding.
    var remove: [Int64] = []
    /// Rows whose embedding still holds, re-pointed to a (possibly new) path and stamp: renamed or touched files.
    var update: [(id: Int64, path: String, stamp: FileStamp)] = []
    /// New rows.
    var insert: [NewItem] = []
}

extension IndexStore {
    /// Image rows standing for files (size > 0: rows of vectors stored by `add(vectors:paths:)` name no file and
    /// have size 0, and no image file is empty).
    private static let fileColumns = "SELECT id, path, content_hash, size, mtime FROM items WHERE kind = 'image' AND size > 0"

    private func fileRows(_ condition: String, _ bindings: [Value]) throws -> [StoredFile] {
        var rows: [StoredFile] = []
        try db.query("\(Self.fileColumns) \(condition)", bindings) { row in
            rows.append(StoredFile(id: row.integer(0), path: row.text(1) ?? "", contentHash: row.text(2) ?? "",
                                   size: row.integer(3), modified: row.real(4)))
        }
        return rows
    }

    /// Every file row, by path.
    func files() throws -> [StoredFile] { try fileRows("ORDER BY path", []) }

    /// The file rows stored under `path` (more than one only in indexes written before edits were detected).
    func files(path: String) throws -> [StoredFile] { try fileRows("AND path = ? ORDER BY id", [.text(path)]) }

    /// The file row holding these bytes, if any.
    func file(contentHash: String) throws -> StoredFile? { try fileRows("AND content_hash = ?", [.text(contentHash)]).first }

    /// The file rows whose paths lie inside `folder`.
    func files(under folder: String) throws -> [StoredFile] {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        // "0" is the character after "/": the range holds exactly the paths that start with the prefix.
        return try fileRows("AND path >= ? AND path < ? ORDER BY path", [.text(prefix), .text(String(prefix.dropLast()) + "0")])
    }
}
