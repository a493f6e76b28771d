/// A probe that cannot be trained, loaded or applied, said in one line that names the file, tensor or flag at fault.
public struct ProbeError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public let description: String

    /// An error with the given one-line message.
    public init(_ description: String) { self.description = description }
}
