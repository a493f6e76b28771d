#if canImport(CLowPrecision)
import CLowPrecision

/// A linear layer's `[out, in]` weight converted once to bf16 or int8 panels for `linear(…, packed:)`.
public final class PackedWeight: @unchecked Sendable {
    /// bf16 or int8.
    public let precision: Precision
    /// Outputs (rows of the weight).
    public let outputs: Int
    /// Inputs (columns of the weight).
    public let inputs: Int
    /// Whether products use the portable C loops even where the CPU has the AVX-512 instructions.
    public let portable: Bool
    private let panels: UnsafeMutableRawPointer
    /// int8 only: per-output-channel scales and Σ q per channel.
    private let scales: [Float]
    private let columnSums: [Int32]

    /// Packs `weight` `[outputs, inputs]`; `precision` must be `.bf16` or `.int8`. `portable` forces the
    /// portable loops (by default when `SIGLIP_LOWP_PORTABLE` is set, see `LowPrecisionKernels.forcePortable`).
    public init(_ weight: Tensor, precision: Precision, portable: Bool = LowPrecisionKernels.forcePortable) {
        precondition(precision != .fp32, "PackedWeight holds bf16 or int8 weights")
        let n = weight.shape[0], k = weight.count / max(n, 1)
        self.precision = precision
        self.portable = portable
        outputs = n
        inputs = k
        switch precision {
        case .bf16:
            let count = lowp_bf16_packed_count(Int32(n), Int32(k))
            panels = UnsafeMutableRawPointer.allocate(byteCount: max(count * 2, 64), alignment: 64)
            lowp_bf16_pack(weight.data, Int32(n), Int32(k), panels.assumingMemoryBound(to: UInt16.self))
            scales = []
            columnSums = []
        default:
            let count = lowp_s8_packed_count(Int32(n), Int32(k))
            panels = UnsafeMutableRawPointer.allocate(byteCount: max(count, 64), alignment: 64)
            var s = [Float](repeating: 0, count: n), sums = [Int32](repeating: 0, count: n)
            lowp_s8_pack(weight.data, Int32(n), Int32(k), panels.assumingMemoryBound(to: Int8.self), &s, &sums)
            scales = s
            columnSums = sums
        }
    }

    deinit { panels.deallocate() }

    /// `out[rows, columns] (+)= x[rows, :] · Wᵀ[:, columns] + bias[columns]` (accumulating when `accumulate`),
    /// single-threaded. The activations of `rows` are converted to bf16 or quantised to u8 first.
    func multiply(_ x: UnsafePointer<Float>, rows: Range<Int>, columns: Range<Int>, bias: UnsafePointer<Float>?,
                  out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let m = rows.count, k = inputs, n = outputs
        guard m > 0, !columns.isEmpty else { return }
        let a = x + rows.lowerBound * k, c = out + rows.lowerBound * n
        let isa: Int32 = portable ? 0 : 1
        switch precision {
        case .bf16:
            let lda = Int(lowp_bf16_padded_k(Int32(k)))
            let floats = (m * lda + 1) / 2
            let buffer = BufferPool.shared.take(floats)
            defer { BufferPool.shared.give(buffer, count: floats) }
            let scratch = UnsafeMutableRawPointer(buffer).bindMemory(to: UInt16.self, capacity: m * lda)
            lowp_bf16_rows(a, Int32(m), Int32(k), Int32(k), scratch, Int32(lda), isa)
            lowp_bf16_gemm(Int32(m), Int32(columns.lowerBound), Int32(columns.upperBound), Int32(k), scratch, Int32(lda),
                           panels.assumingMemoryBound(to: UInt16.self), bias, c, Int32(n), accumulate ? 1 : 0, isa)
        default:
            let lda = Int(lowp_s8_padded_k(Int32(k)))
            // One pooled buffer: the u8 rows, then each row's scale and zero point (a forward pass repeats these
            // sizes every layer, so after the first pass nothing is allocated or page-faulted).
            let floats = (m * lda + 3) / 4 + 2 * m
            let buffer = BufferPool.shared.take(floats)
            defer { BufferPool.shared.give(buffer, count: floats) }
            let rowScale = buffer + (floats - 2 * m)
            let rowZero = UnsafeMutableRawPointer(buffer + (floats - m)).bindMemory(to: Int32.self, capacity: m)
            let scratch = UnsafeMutableRawPointer(buffer).bindMemory(to: UInt8.self, capacity: m * lda)
            lowp_u8_rows(a, Int32(m), Int32(k), Int32(k), scratch, Int32(lda), rowScale, rowZero, isa)
            scales.withUnsafeBufferPointer { ws in
                columnSums.withUnsafeBufferPointer { cs in
                    lowp_s8_gemm(Int32(m), Int32(columns.lowerBound), Int32(columns.upperBound), Int32(k), scratch, Int32(lda),
                                 rowScale, rowZero, panels.assumingMemoryBound(to: Int8.self), ws.baseAddress, cs.baseAddress,
                                 bias, c, Int32(n), accumulate ? 1 : 0, isa)
                }
            }
        }
    }
}
#endif
