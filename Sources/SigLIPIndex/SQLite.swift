import CSQLite
import Foundation

/// A failed SQLite call, with the database's message.
public struct IndexError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, naming the index directory or file.
    public let message: String
    /// An error with the given message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// SQLite's SQLITE_TRANSIENT: bound bytes are copied before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection (serialized use only: one per thread or behind a lock).
final class Database: SQLStatements {
    /// Takes the write lock at once, so a transaction never fails halfway on a busy database.
    let beginStatement = "BEGIN IMMEDIATE"

    private var handle: OpaquePointer?
    let path: String

    init(path: String) throws {
        self.path = path
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw IndexError("\(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    private func error(_ context: String) -> IndexError {
        IndexError("\(path): \(context): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// Runs statements that return no rows.
    func execute(_ sql: String) throws {
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw error(sql.prefix(60).description) }
    }

    /// Runs `sql` with `bindings`, calling `row` for each result row.
    func query(_ sql: String, _ bindings: [Value] = [], row: (Row) throws -> Void = { _ in }) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw error("prepare") }
        defer { sqlite3_finalize(statement) }
        for (i, value) in bindings.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .integer(let v): sqlite3_bind_int64(statement, index, v)
            case .real(let v): sqlite3_bind_double(statement, index, v)
            case .text(let v): sqlite3_bind_text(statement, index, v, -1, transient)
            case .blob(let v): _ = v.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw error("step") }
            try row(Row(statement: statement))
        }
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The id of the last inserted row.
    var lastInsertID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A value bound to a statement parameter.
enum Value {
    case integer(Int64), real(Double), text(String), blob(Data), null
}

/// The current row of a running query.
struct Row {
    let statement: OpaquePointer?
    func integer(_ i: Int32) -> Int64 { sqlite3_column_int64(statement, i) }
    func real(_ i: Int32) -> Double { sqlite3_column_double(statement, i) }
    func text(_ i: Int32) -> String? { sqlite3_column_text(statement, i).map { String(cString: $0) } }
    func blob(_ i: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(statement, i) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, i)))
    }
    /// Reads a blob column in place, without copying it (valid only inside `body`).
    func withBlob<T>(_ i: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let bytes = sqlite3_column_blob(statement, i)
        return try body(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : Int(sqlite3_column_bytes(statement, i))))
    }
}
