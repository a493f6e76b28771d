import ArgumentParser
import Foundation

/// A run-time failure shown to the user as one line; the exit status is 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    /// `error` as one line: Foundation's file errors become "PATH: reason" instead of a domain, a code and a
    /// user-info dictionary; the parser's own errors pass through so they keep their usage text and status.
    static func wrapping(_ error: Error) -> Error {
        switch error {
        case is ValidationError, is ExitCode, is CleanExit, is CommandFailure: return error
        default:
            let ns = error as NSError
            guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return error }
            return CommandFailure(description: message(for: ns))
        }
    }

    /// "PATH: cannot read: reason", for a file the command could not read.
    static func reading(_ path: String, _ error: Error) -> CommandFailure {
        let ns = error as NSError
        let known = ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain
        return CommandFailure(description: "\(path): cannot read: " + (known ? reason(for: ns) : "\(error)"))
    }

    /// "PATH: reason" for a file error, from the POSIX cause where there is one.
    static func message(for error: NSError) -> String {
        let path = error.userInfo[NSFilePathErrorKey] as? String ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        return [path, reason(for: error)].compactMap { $0 }.joined(separator: ": ")
    }

    /// Why a file operation failed, in the C library's words ("No such file or directory").
    static func reason(for error: NSError) -> String {
        // On Linux the underlying error is stored as a Swift error, not always as an NSError.
        let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        if let posix = [error, underlying].compactMap({ $0 }).first(where: { $0.domain == NSPOSIXErrorDomain }) {
            return String(cString: strerror(Int32(posix.code)))
        }
        return error.localizedDescription
    }
}
