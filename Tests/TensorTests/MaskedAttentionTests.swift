import Foundation
import Testing
import Tensor

/// Key-masked attention (NaFlex padding) against the textbook definition: an additive mask of −∞ on the padded
/// keys before the softmax, in double precision.
@Suite("Key-masked attention against a −∞ mask")
struct MaskedAttentionTests {
    /// softmax(q·kᵀ/√d + mask)·v per item and head, mask −∞ on keys `valid[b]...`; `query` rows are per item, or
    /// shared by every item when it has only `queryLength` rows.
    static func reference(query: Tensor, keys: Tensor, values: Tensor, valid: [Int], queryLength: Int, keyLength: Int, heads: Int) -> [Double] {
        let width = query.columns, d = width / heads, shared = query.rows == queryLength
        var out = [Double](repeating: 0, count: valid.count * queryLength * width)
        for (b, n) in valid.enumerated() {
            for h in 0..<heads {
                for i in 0..<queryLength {
                    let q = (shared ? i : b * queryLength + i) * width + h * d
                    let scores = (0..<keyLength).map { j -> Double in
                        let dot = (0..<d).reduce(0.0) { $0 + Double(query[q + $1]) * Double(keys[(b * keyLength + j) * width + h * d + $1]) }
                        return dot / Double(d).squareRoot() + (j < n ? 0 : -Double.infinity)
                    }
                    let top = scores.max() ?? 0
                    let e = scores.map { Foundation.exp($0 - top) }
                    let sum = e.reduce(0, +)
                    for c in 0..<d {
                        out[(b * queryLength + i) * width + h * d + c] = (0..<keyLength).reduce(0.0) {
                            $0 + e[$1] / sum * Double(values[(b * keyLength + $1) * width + h * d + c])
                        }
                    }
                }
            }
        }
        return out
    }

    /// (key lengths per item, sequence length, heads, width): full, half and single-key items side by side.
    static let selfCases: [([Int], Int, Int, Int)] = [([9, 4, 1], 9, 3, 24), ([16, 16], 16, 2, 32), ([1], 5, 1, 8), ([33, 20, 7, 2], 33, 4, 64)]

    @Test("self-attention with padded keys", arguments: selfCases)
    func selfAttention(valid: [Int], length: Int, heads: Int, width: Int) {
        var noise = Noise(seed: UInt64(length * 31 + valid.count))
        let qkv = noise.tensor([valid.count * length, 3 * width], scale: 2)
        let q = qkv.columns(0..<width), k = qkv.columns(width..<2 * width), v = qkv.columns(2 * width..<3 * width)
        let ours = attention(query: q, key: k, value: v, batch: valid.count, queryLength: length, keyLength: length, heads: heads, keyLengths: valid)
        let expected = Self.reference(query: q.contiguous, keys: k.contiguous, values: v.contiguous, valid: valid, queryLength: length, keyLength: length, heads: heads)
        let error = maxDifference(ours, expected)
        print("masked self-attention \(valid) heads \(heads): \(error)")
        #expect(error < 1e-5)
        // Padding the keys differently changes the answer: the reference is not blind to the mask.
        if valid.contains(where: { $0 < length }) {
            let full = Self.reference(query: q.contiguous, keys: k.contiguous, values: v.contiguous, valid: valid.map { _ in length },
                                      queryLength: length, keyLength: length, heads: heads)
            #expect(maxDifference(ours, full) > 1e-2)
        }
    }

    /// The pooling head's case: one learned probe shared by every item, each item with its own key count.
    @Test func sharedProbeWithPaddedKeys() {
        var noise = Noise(seed: 5)
        let (valid, length, width, heads) = ([12, 5, 1, 8], 12, 32, 4)
        let probe = noise.tensor([1, width], scale: 2), kv = noise.tensor([valid.count * length, 2 * width], scale: 2)
        let k = kv.columns(0..<width), v = kv.columns(width..<2 * width)
        let ours = attention(query: probe.columns(0..<width), key: k, value: v, batch: valid.count, queryLength: 1, keyLength: length,
                             heads: heads, sharedQuery: true, keyLengths: valid)
        let error = maxDifference(ours, Self.reference(query: probe, keys: k.contiguous, values: v.contiguous, valid: valid, queryLength: 1,
                                                      keyLength: length, heads: heads))
        print("masked probe attention: \(error)")
        #expect(error < 1e-5)
    }

    /// Huge scores on the padded keys would dominate any finite mask; a skipped key cannot leak.
    @Test func paddingWithHugeScoresDoesNotLeak() {
        var noise = Noise(seed: 9)
        let (valid, length, width) = ([3, 6], 6, 8)
        let qkv = noise.tensor([valid.count * length, 3 * width])
        for b in 0..<valid.count {
            for r in valid[b]..<length {
                for c in 0..<width {
                    qkv.data[(b * length + r) * 3 * width + width + c] = 1e4 * qkv[(b * length) * 3 * width + c]   // keys aligned with query 0
                    qkv.data[(b * length + r) * 3 * width + 2 * width + c] = 1e6                                   // values that would show
                }
            }
        }
        let q = qkv.columns(0..<width), k = qkv.columns(width..<2 * width), v = qkv.columns(2 * width..<3 * width)
        let ours = attention(query: q, key: k, value: v, batch: valid.count, queryLength: length, keyLength: length, heads: 2, keyLengths: valid)
        #expect(ours.scalars.allSatisfy { $0.isFinite && abs($0) < 10 })
        #expect(maxDifference(ours, Self.reference(query: q.contiguous, keys: k.contiguous, values: v.contiguous, valid: valid, queryLength: length,
                                                  keyLength: length, heads: 2)) < 1e-5)
    }
}

extension ColumnSlice {
    /// The window's elements as a contiguous `[rows, width]` tensor (a copy).
    var contiguous: Tensor {
        let all = base.scalars
        return Tensor(shape: [rows, width], values: (0..<rows).flatMap { r in all[(r * rowStride + start)..<(r * rowStride + start + width)] })
    }
}
