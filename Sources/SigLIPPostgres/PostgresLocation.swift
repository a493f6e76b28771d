import Foundation
import PostgresNIO
import SigLIPIndex

/// Where a PostgreSQL server is and whom to log in as, read from a libpq-style URL:
/// `postgres://user[:password]@[host][:port]/database[?host=/socket/dir&port=5432&sslmode=require]`.
/// A `host` parameter that starts with "/" (or no host at all) means a Unix socket in that directory.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    /// What PostgresNIO connects with.
    public let configuration: PostgresConnection.Configuration
    /// The socket file or host:port, and the database: what error messages name.
    public let description: String

    /// Whether `store` names a PostgreSQL server rather than an index directory.
    public static func isURL(_ store: String) -> Bool { store.hasPrefix("postgres://") || store.hasPrefix("postgresql://") }

    /// Parses `url`; throws a one-line error naming what is wrong with it.
    public init(url: String) throws {
        guard Self.isURL(url), let parts = URLComponents(string: url) else {
            throw IndexError("\(url): not a postgres://user@host/database URL")
        }
        let query = Dictionary((parts.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let user = parts.user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        let database = String(parts.path.drop(while: { $0 == "/" }))
        guard let port = query["port"].map({ Int($0) }) ?? parts.port ?? 5432, (1...65535).contains(port) else {
            throw IndexError("\(url): the port is not a number from 1 to 65535")
        }
        let host = query["host"] ?? parts.host ?? ""
        let name = database.isEmpty ? user : database
        if host.isEmpty || host.hasPrefix("/") {
            // libpq's rule: a socket directory, the file inside named by the port. Debian's default directory.
            let socket = (host.isEmpty ? "/var/run/postgresql" : host) + "/.s.PGSQL.\(port)"
            configuration = .init(unixSocketPath: socket, username: user, password: parts.password, database: name)
            description = "socket \(socket), database \(name)"
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch query["sslmode"] ?? "disable" {
            case "disable": tls = .disable
            case "require", "verify-full":
                do { tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration())) } catch {
                    throw IndexError("\(url): cannot set up TLS: \(error)")
                }
            case let other: throw IndexError("\(url): sslmode \(other) is not supported (disable, require or verify-full)")
            }
            configuration = .init(host: host, port: port, username: user, password: parts.password, database: name, tls: tls)
            description = "\(host):\(port), database \(name)"
        }
    }
}
