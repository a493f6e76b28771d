/// A dense, row-major Float32 array with a shape: the unit every kernel reads and writes.
///
/// A tensor either owns its memory (allocated, zero-filled) or borrows it from an `owner` that keeps it
/// alive, such as a memory-mapped weights file. It is a class so that large buffers are never copied
/// behind our back; kernels receive it and write through `data`.
public final class Tensor: @unchecked Sendable {
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The number of elements, the product of `shape`.
    public let count: Int
    /// The first element; `count` elements follow contiguously.
    public let data: UnsafeMutablePointer<Float>
    private let owner: AnyObject?

    /// A zero-filled tensor of the given shape.
    public convenience init(zeros shape: [Int]) {
        self.init(uninitialized: shape)
        data.update(repeating: 0, count: max(count, 1))
    }

    /// A tensor whose elements are undefined until written: for kernel outputs that overwrite every element.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = BufferPool.shared.take(max(count, 1))
        self.owner = nil
    }

    /// A tensor holding a copy of `values`, which must have exactly `shape`'s element count.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(zeros: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// A tensor viewing memory that `owner` keeps alive; nothing is copied.
    public init(shape: [Int], borrowing pointer: UnsafeMutablePointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.data = pointer
        self.owner = owner
    }

    deinit {
        if owner == nil { BufferPool.shared.give(data, count: max(count, 1)) }
    }

    /// The element at flat index `i` (bounds-checked); reading through `self` keeps the tensor alive.
    public subscript(_ i: Int) -> Float {
        precondition(i >= 0 && i < count, "index \(i) out of 0..<\(count)")
        return data[i]
    }

    /// The elements as a Swift array (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The size of the last dimension: the row length of the matrix view `[rows, columns]`.
    public var columns: Int { shape.last ?? 1 }

    /// The number of rows of the matrix view `[rows, columns]` (all leading dimensions flattened).
    public var rows: Int { columns == 0 ? 0 : count / columns }

    /// The same elements under another shape with the same element count; shares memory.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, borrowing: data, owner: self)
    }

    /// Rows `range` of the matrix view, as a tensor sharing memory.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) out of 0..<\(rows)")
        return Tensor(shape: [range.count, columns], borrowing: data + range.lowerBound * columns, owner: self)
    }

    /// Columns `range` of the matrix view: a strided window, not a copy.
    public func columns(_ range: Range<Int>) -> ColumnSlice {
        precondition(range.lowerBound >= 0 && range.upperBound <= columns, "columns \(range) out of 0..<\(columns)")
        return ColumnSlice(base: self, start: range.lowerBound, width: range.count)
    }

    /// A contiguous copy of the whole tensor.
    public func copy() -> Tensor {
        let t = Tensor(zeros: shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// A tensor made of the given tensors' rows stacked in order (all with the same column count).
    public static func concatenatingRows(_ parts: [Tensor]) -> Tensor {
        let cols = parts.first?.columns ?? 0
        precondition(parts.allSatisfy { $0.columns == cols }, "row concatenation needs equal column counts")
        let out = Tensor(zeros: [parts.reduce(0) { $0 + $1.rows }, cols])
        var offset = 0
        for p in parts {
            (out.data + offset).update(from: p.data, count: p.count)
            offset += p.count
        }
        return out
    }
}

/// A window of consecutive columns of a matrix, used to address one of Q, K, V in a fused projection.
public struct ColumnSlice: @unchecked Sendable {
    /// The matrix the window lies in.
    public let base: Tensor
    /// The first column of the window.
    public let start: Int
    /// The number of columns in the window.
    public let width: Int
    /// The distance in elements between consecutive rows.
    public var rowStride: Int { base.columns }
    /// The number of rows.
    public var rows: Int { base.rows }
    /// The window's first element.
    var origin: UnsafeMutablePointer<Float> { base.data + start }
}

extension Tensor {
    /// Whether every element is finite (no NaN, no infinity).
    public var isFinite: Bool {
        UnsafeBufferPointer(start: data, count: count).allSatisfy(\.isFinite)
    }
}
