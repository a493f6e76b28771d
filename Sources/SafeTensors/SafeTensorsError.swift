import Foundation

/// A safetensors file or checkpoint that cannot be used, with the file and (when known) the tensor at fault.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file at fault.
    public let file: URL
    /// The tensor at fault, if the problem is with one tensor.
    public let tensor: String?
    /// What is wrong.
    public let reason: String

    /// An error about `file`, optionally about one `tensor` in it.
    public init(file: URL, tensor: String? = nil, reason: String) {
        self.file = file
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String {
        if let tensor { return "\(file.path): tensor '\(tensor)': \(reason)" }
        return "\(file.path): \(reason)"
    }
}
