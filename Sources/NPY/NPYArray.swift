import Foundation

/// A NumPy `.npy` array (format versions 1–3, C order), holding Float32 or integer data.
public struct NPYArray: Sendable, Equatable {
    /// The element values, widened: floats for `f4`/`f8`, integers for `i1`…`i8`, `u1`…`u8`.
    public enum Values: Sendable, Equatable {
        /// Floating-point data (float64 files are narrowed to Float32).
        case float([Float])
        /// Integer data.
        case int([Int64])
    }

    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The elements in C order.
    public let values: Values

    /// An array with the given shape and values; the counts must agree.
    public init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    /// The elements as Float32, whatever the stored type.
    public var floats: [Float] {
        switch values {
        case .float(let v): v
        case .int(let v): v.map { Float($0) }
        }
    }

    /// The elements as integers, or nil when the array holds floating-point data.
    public var integers: [Int64]? {
        if case .int(let v) = values { return v }
        return nil
    }
}

/// Why an `.npy` file could not be read.
public struct NPYError: Error, CustomStringConvertible {
    /// The file at fault.
    public let file: String
    /// What is wrong.
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}
