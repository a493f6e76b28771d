/// A database connection that runs plain SQL statements: SQLite here, PostgreSQL in SigLIPPostgres.
package protocol SQLStatements {
    /// Runs one SQL statement that takes no parameters and returns no rows.
    func execute(_ sql: String) throws
    /// The statement that opens a transaction.
    var beginStatement: String { get }
}

extension SQLStatements {
    /// Runs `body` in one transaction: all of it is committed, or, if it throws, none of it.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute(beginStatement)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
