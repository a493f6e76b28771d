import Foundation

/// What identifies a file's version cheaply: its size and modification time (seconds since 1970).
public struct FileStamp: Equatable, Sendable {
    /// Bytes.
    public let size: Int64
    /// Seconds since 1970, to the nanosecond the file system keeps.
    public let modified: Double

    /// The stamp of the regular file at `path` (following symbolic links), or nil if there is none.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = Int64(info.st_size)
        modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

    /// A stamp with the given values.
    public init(size: Int64, modified: Double) {
        self.size = size
        self.modified = modified
    }

    /// Whether this is the version recorded in `row`. Times are compared to 10 µs: rows written before the
    /// stamp was taken from stat() went through Foundation's Date, which rounds differently in the last digits.
    public func matches(_ row: StoredFile) -> Bool { size == row.size && abs(modified - row.modified) < 1e-5 }
}

/// An image row that stands for a file: where it was, what its bytes hashed to, and its stamp when embedded.
public struct StoredFile: Sendable {
    /// The row id.
    public let id: Int64
    /// The file's path when it was stored or last re-pointed.
    public let path: String
    /// SHA-256 of its bytes.
    public let contentHash: String
    /// Its size when embedded.
    public let size: Int64
    /// Its modification time when embedded.
    public let modified: Double

    /// A row with the given values.
    public init(id: Int64, path: String, contentHash: String, size: Int64, modified: Double) {
        self.id = id
        self.path = path
        self.contentHash = contentHash
        self.size = size
        self.modified = modified
    }
}

/// One `add` batch's changes to the store, applied in one transaction by `ItemRows.commit`.
public struct BatchChange {
    /// Rows to delete: an edited file's old embedding.
    public var remove: [Int64] = []
    /// Rows whose embedding still holds, re-pointed to a (possibly new) path and stamp: renamed or touched files.
    public var update: [(id: Int64, path: String, stamp: FileStamp)] = []
    /// New rows.
    public var insert: [NewItem] = []

    /// A change of the given rows.
    public init(remove: [Int64] = [], update: [(id: Int64, path: String, stamp: FileStamp)] = [], insert: [NewItem] = []) {
        self.remove = remove
        self.update = update
        self.insert = insert
    }
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
