import Foundation

/// A checkpoint, config or input the model cannot use, with what is wrong in words a user can act on.
public struct SiglipError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the file, tensor or input at fault.
    public let message: String

    /// An error with the given message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
