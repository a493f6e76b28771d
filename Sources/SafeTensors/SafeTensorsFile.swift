import Foundation
import Tensor

/// One `.safetensors` file, memory-mapped, with its header validated up front.
///
/// Validation happens in `init`, before any tensor is touched: the header length must lie inside the file,
/// the header must be a JSON object, every entry must name a known dtype, a shape of non-negative integers
/// and `data_offsets` inside the data section whose length is exactly `shape × dtype size`, and no two
/// entries may overlap. Reading a tensor therefore never goes out of bounds.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Where a tensor lies and what it holds.
    public struct Entry: Sendable, Equatable {
        /// The element type on disk.
        public let dtype: DType
        /// The dimensions, outermost first.
        public let shape: [Int]
        /// Byte range within the data section.
        public let byteRange: Range<Int>
    }

    /// The file's location.
    public let url: URL
    /// Every tensor in the file, by name.
    public let entries: [String: Entry]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let mapping: MappedFile
    private let dataStart: Int

    /// Headers larger than this are refused rather than parsed (real ones are well under 1 MiB).
    public static let maximumHeaderSize = 100 << 20

    /// Maps and validates the file at `url`.
    public init(url: URL) throws {
        self.url = url
        mapping = try MappedFile(url: url)
        let headerSize = mapping.base.loadUnaligned(as: UInt64.self).littleEndian
        guard headerSize <= UInt64(mapping.size - 8) else {
            throw SafeTensorsError(file: url, reason: "header length \(headerSize) runs past the end of the file (\(mapping.size) bytes)")
        }
        guard headerSize <= UInt64(Self.maximumHeaderSize) else {
            throw SafeTensorsError(file: url, reason: "header length \(headerSize) exceeds the \(Self.maximumHeaderSize)-byte limit")
        }
        dataStart = 8 + Int(headerSize)
        let header = Data(bytesNoCopy: mapping.base + 8, count: Int(headerSize), deallocator: .none)
        let parsed: (entries: [String: Entry], metadata: [String: String])
        parsed = try Self.parseHeader(header, dataSize: mapping.size - dataStart, url: url)
        entries = parsed.entries
        metadata = parsed.metadata
    }

    /// The tensor called `name` widened to Float32; F32 data that is suitably aligned is borrowed, not copied.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw SafeTensorsError(file: url, tensor: name, reason: "not in this file") }
        guard entry.dtype.isLoadableAsFloat else {
            throw SafeTensorsError(file: url, tensor: name, reason: "dtype \(entry.dtype.rawValue) is not a floating-point weight type (F32, F16, BF16)")
        }
        let source = mapping.base + dataStart + entry.byteRange.lowerBound
        let count = entry.shape.reduce(1, *)
        switch entry.dtype {
        case .f32 where Int(bitPattern: source) % MemoryLayout<Float>.alignment == 0:
            return Tensor(shape: entry.shape, borrowing: source.assumingMemoryBound(to: Float.self), owner: mapping)
        case .f32:
            let t = Tensor(zeros: entry.shape)
            UnsafeMutableRawPointer(t.data).copyMemory(from: source, byteCount: count * 4)
            return t
        case .f16:
            return widen(source, count: count, shape: entry.shape, float(fromHalf:))
        default:
            return widen(source, count: count, shape: entry.shape, float(fromBFloat16:))
        }
    }

    private func widen(_ source: UnsafeMutableRawPointer, count: Int, shape: [Int], _ convert: (UInt16) -> Float) -> Tensor {
        let t = Tensor(zeros: shape)
        for i in 0..<count {
            t.data[i] = convert(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)
        }
        return t
    }
}
