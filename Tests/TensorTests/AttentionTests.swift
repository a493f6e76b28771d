import Foundation
import Testing
import Tensor

@Suite("Attention and layout kernels")
struct AttentionTests {
    /// softmax(q·kᵀ/√d)·v per batch item and head, in double precision, from a fused [rows, 3·width] buffer.
    func reference(_ qkv: Tensor, batch: Int, length: Int, heads: Int) -> [Double] {
        let width = qkv.columns / 3, d = width / heads
        var out = [Double](repeating: 0, count: batch * length * width)
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<length {
                    let scores = (0..<length).map { j in
                        (0..<d).reduce(0.0) { s, c in
                            s + Double(qkv[(b * length + i) * 3 * width + h * d + c]) * Double(qkv[(b * length + j) * 3 * width + width + h * d + c])
                        } / Double(d).squareRoot()
                    }
                    let m = scores.max() ?? 0
                    let e = scores.map { Foundation.exp($0 - m) }
                    let sum = e.reduce(0, +)
                    for c in 0..<d {
                        out[(b * length + i) * width + h * d + c] = (0..<length).reduce(0.0) { s, j in
                            s + e[j] / sum * Double(qkv[(b * length + j) * 3 * width + 2 * width + h * d + c])
                        }
                    }
                }
            }
        }
        return out
    }

    @Test("self-attention over a fused projection", arguments: [(2, 5, 3, 24), (1, 17, 2, 64), (3, 1, 1, 8)])
    func selfAttention(batch: Int, length: Int, heads: Int, width: Int) {
        var noise = Noise(seed: UInt64(batch * 100 + length))
        let qkv = noise.tensor([batch * length, 3 * width], scale: 2)
        let out = attention(query: qkv.columns(0..<width), key: qkv.columns(width..<2 * width), value: qkv.columns(2 * width..<3 * width),
                            batch: batch, queryLength: length, keyLength: length, heads: heads)
        #expect(maxDifference(out, reference(qkv, batch: batch, length: length, heads: heads)) < 1e-5)
    }

    @Test func sharedQueryEqualsARepeatedQuery() {
        var noise = Noise(seed: 3)
        let (batch, length, width) = (3, 6, 16)
        let probe = noise.tensor([1, width]), kv = noise.tensor([batch * length, 2 * width])
        let shared = attention(query: probe.columns(0..<width), key: kv.columns(0..<width), value: kv.columns(width..<2 * width),
                               batch: batch, queryLength: 1, keyLength: length, heads: 4, sharedQuery: true)
        let repeated = Tensor.concatenatingRows(Array(repeating: probe, count: batch))
        let explicit = attention(query: repeated.columns(0..<width), key: kv.columns(0..<width), value: kv.columns(width..<2 * width),
                                 batch: batch, queryLength: 1, keyLength: length, heads: 4)
        #expect(shared.scalars == explicit.scalars)
    }

    @Test func patchesAreCutRowMajorAndFlattenedChannelFirst() {
        // 1 image, 2 channels, 3×5 pixels, patch 2: a 1×2 grid; the last row and column are dropped.
        let pixels = Tensor(shape: [1, 2, 3, 5], values: (0..<30).map(Float.init))
        let patches = extractPatches(pixels, patch: 2)
        #expect(patches.shape == [2, 8])
        #expect(patches.scalars == [0, 1, 5, 6, 15, 16, 20, 21,
                                    2, 3, 7, 8, 17, 18, 22, 23])
    }

    @Test func bicubicResizeKeepsConstantsAndIdentity() {
        var noise = Noise(seed: 11)
        let grid = noise.tensor([16, 3])
        #expect(bicubicResize(grid, height: 4, width: 4, channels: 3, newHeight: 4, newWidth: 4).scalars == grid.scalars)
        let constant = Tensor(shape: [9, 2], values: Array(repeating: 0.75, count: 18))
        let resized = bicubicResize(constant, height: 3, width: 3, channels: 2, newHeight: 7, newWidth: 5)
        #expect(resized.count == 7 * 5 * 2)
        #expect(resized.scalars.allSatisfy { abs($0 - 0.75) < 1e-6 })
    }

    @Test func gatherAndRepeatingAdd() {
        let table = Tensor(shape: [3, 2], values: [0, 1, 10, 11, 20, 21])
        let rows = gatherRows(table, [2, 0, 2])
        #expect(rows.scalars == [20, 21, 0, 1, 20, 21])
        addRepeating(rows, Tensor(shape: [1, 2], values: [0.5, -1]))
        #expect(rows.scalars == [20.5, 20, 0.5, 0, 20.5, 20])
    }
}
