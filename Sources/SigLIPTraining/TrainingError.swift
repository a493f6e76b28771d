/// A training input or configuration that cannot be used, with a message for the user.
public struct TrainingError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}
