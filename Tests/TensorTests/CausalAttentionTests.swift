import Foundation
import Testing
import Tensor

/// CLIP's text tower: each query attends only to the keys at or before its own position.
@Suite("Causal attention")
struct CausalAttentionTests {
    /// Row i of causal attention equals unmasked attention of that one query over keys 0...i (and, with key
    /// lengths, over keys 0...min(i, n − 1)); without the mask the result differs.
    @Test(arguments: [nil, [6, 3, 1]] as [[Int]?])
    func eachRowSeesOnlyItsPast(keyLengths: [Int]?) throws {
        var noise = Noise(seed: 5)
        let (batch, length, width, heads) = (3, 6, 16, 2)
        let qkv = noise.tensor([batch * length, 3 * width], scale: 2)
        let causal = attention(query: qkv.columns(0..<width), key: qkv.columns(width..<2 * width), value: qkv.columns(2 * width..<3 * width),
                               batch: batch, queryLength: length, keyLength: length, heads: heads, keyLengths: keyLengths, causal: true)
        var worst: Float = 0
        for b in 0..<batch {
            let item = qkv.rows((b * length)..<((b + 1) * length))
            for i in 0..<length {
                let visible = min(i + 1, keyLengths?[b] ?? length)
                let keys = item.rows(0..<visible), query = item.rows(i..<(i + 1))
                let alone = attention(query: query.columns(0..<width), key: keys.columns(width..<2 * width), value: keys.columns(2 * width..<3 * width),
                                      batch: 1, queryLength: 1, keyLength: visible, heads: heads, sharedQuery: true)
                for c in 0..<width { worst = max(worst, abs(alone[c] - causal[(b * length + i) * width + c])) }
            }
        }
        #expect(worst < 1e-6)
        let unmasked = attention(query: qkv.columns(0..<width), key: qkv.columns(width..<2 * width), value: qkv.columns(2 * width..<3 * width),
                                 batch: batch, queryLength: length, keyLength: length, heads: heads, keyLengths: keyLengths)
        #expect(maxDifference(unmasked, causal.scalars.map(Double.init)) > 1e-2)
    }
}
