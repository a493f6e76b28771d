import Foundation

/// How stored embeddings are encoded: full floats, half floats (half the size, scores within ~1e-3), or 8-bit
/// integers with one scale per vector (a quarter of the size, scores within ~1e-2). Search decodes to floats.
public enum VectorPrecision: String, Sendable, CaseIterable {
    case float32, float16, int8

    /// Parses "fp32"/"float32", "fp16"/"float16", "int8".
    public init?(name: String) {
        switch name.lowercased() {
        case "fp32", "float32", "f32": self = .float32
        case "fp16", "float16", "f16", "half": self = .float16
        case "int8", "i8", "q8": self = .int8
        default: return nil
        }
    }

    /// Bytes one stored vector of `dimension` takes.
    func bytes(dimension: Int) -> Int {
        switch self {
        case .float32: 4 * dimension
        case .float16: 2 * dimension
        case .int8: 4 + dimension   // the scale, then the codes
        }
    }

    /// The stored form of `vector`.
    func encode(_ vector: [Float]) -> Data {
        switch self {
        case .float32:
            return vector.withUnsafeBufferPointer { Data(buffer: $0) }
        case .float16:
            return vector.map { Float16($0) }.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int8:
            let largest = vector.reduce(Float(0)) { max($0, abs($1)) }
            let scale = largest > 0 ? largest / 127 : 1
            var data = withUnsafeBytes(of: scale) { Data($0) }
            data.append(contentsOf: vector.map { UInt8(bitPattern: Int8(($0 / scale).rounded())) })
            return data
        }
    }

    /// Appends the decoded floats of `blob` (already checked to be `bytes(dimension:)` long) to `out`.
    func decode(_ blob: UnsafeRawBufferPointer, dimension: Int, into out: inout [Float]) {
        switch self {
        case .float32:
            out.append(contentsOf: blob.bindMemory(to: Float.self))
        case .float16:
            out.append(contentsOf: blob.bindMemory(to: Float16.self).lazy.map { Float($0) })
        case .int8:
            // Rounding each code moves the vector off the unit sphere by up to √d·scale/2; rescaling it back
            // keeps scores cosines (the stored scale then only matters for its sign and finiteness).
            let codes = blob[4...].lazy.map { Float(Int8(bitPattern: $0)) }
            let norm = codes.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            let scale = blob.loadUnaligned(as: Float.self)
            let factor = norm > 0 && scale.isFinite && scale > 0 ? 1 / norm : scale
            out.append(contentsOf: codes.map { $0 * factor })
        }
    }
}
