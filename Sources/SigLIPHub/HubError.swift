/// A checkpoint that could not be found, fetched or verified, in one line a user can act on.
public struct HubError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, naming the repository, revision or file.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
