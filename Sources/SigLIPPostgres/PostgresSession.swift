import Foundation
import Logging
import PostgresNIO
import SigLIPIndex

/// One PostgreSQL connection used synchronously, like the SQLite store: each call waits for its answer, and
/// every error becomes a one-line `IndexError` naming the server.
final class PostgresSession: SQLStatements {
    /// PostgreSQL's default isolation (read committed) is what the index needs.
    let beginStatement = "BEGIN"

    let location: PostgresLocation
    private let connection: PostgresConnection
    private let logger: Logger

    init(_ location: PostgresLocation) throws {
        self.location = location
        var logger = Logger(label: "siglip.postgres")
        logger.logLevel = .critical   // PostgresNIO's own notes would go to standard output, mixed with results
        self.logger = logger
        do {
            connection = try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: location.configuration,
                                                        id: 1, logger: logger).wait()
        } catch {
            throw IndexError("cannot connect to PostgreSQL at \(location): \(Self.reason(error))")
        }
    }

    deinit { try? connection.close().wait() }

    /// Runs `query` and collects its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        do {
            return Array(try connection.query(query, logger: logger).wait().rows)
        } catch {
            throw IndexError("PostgreSQL at \(location): \(Self.reason(error))")
        }
    }

    /// Runs SQL without parameters (DDL, SET, transaction control).
    func execute(_ sql: String) throws { try query(PostgresQuery(unsafeSQL: sql)) }

    /// The server's message, or the network's: PSQLError's own description hides both.
    static func reason(_ error: Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}
