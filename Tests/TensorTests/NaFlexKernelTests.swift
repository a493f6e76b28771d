import Foundation
import Testing
import Tensor

/// The two kernels variable-resolution models need: key-masked attention and antialiased bilinear resizing.
@Suite("Masked attention and antialiased bilinear resize")
struct NaFlexKernelTests {
    /// Masking an item's last keys gives, for every query row, what attention over the unpadded item gives.
    @Test func maskedKeysEqualTheUnpaddedSequence() throws {
        var noise = Noise(seed: 11)
        let (length, width, heads) = (7, 16, 2)
        let valid = [7, 3, 1]
        let qkv = noise.tensor([valid.count * length, 3 * width], scale: 2)
        let masked = attention(query: qkv.columns(0..<width), key: qkv.columns(width..<2 * width), value: qkv.columns(2 * width..<3 * width),
                               batch: valid.count, queryLength: length, keyLength: length, heads: heads, keyLengths: valid)
        var worst: Float = 0
        for (b, n) in valid.enumerated() {
            let item = qkv.rows((b * length)..<((b + 1) * length))
            let keys = item.rows(0..<n)
            // Every query row of the padded item (padding rows too) against the item's first n keys only.
            let alone = attention(query: item.columns(0..<width), key: keys.columns(width..<2 * width), value: keys.columns(2 * width..<3 * width),
                                  batch: 1, queryLength: length, keyLength: n, heads: heads, sharedQuery: true)
            for i in 0..<(length * width) { worst = max(worst, abs(alone[i] - masked[b * length * width + i])) }
        }
        #expect(worst < 1e-6)
        // And the mask changes the result wherever keys were dropped.
        let unmasked = attention(query: qkv.columns(0..<width), key: qkv.columns(width..<2 * width), value: qkv.columns(2 * width..<3 * width),
                                 batch: valid.count, queryLength: length, keyLength: length, heads: heads)
        #expect(maxDifference(unmasked, masked.scalars.map(Double.init)) > 1e-2)
    }

    @Test func sameSizeIsTheIdentity() {
        let grid = Tensor(shape: [9, 2], values: (0..<18).map(Float.init))
        for antialias in [false, true] {
            #expect(bilinearResize(grid, height: 3, width: 3, channels: 2, newHeight: 3, newWidth: 3, antialias: antialias).scalars == grid.scalars)
        }
    }

    /// Values PyTorch's `interpolate(mode="bilinear", align_corners=False)` gives for a 4×4 ramp 0…15.
    @Test func matchesPyTorchOnARamp() {
        let ramp = Tensor(shape: [16, 1], values: (0..<16).map(Float.init))
        // Shrinking 4 → 2 columns with antialias: a triangle two cells wide, weights 3/7, 3/7, 1/7 at the left.
        let shrunk = bilinearResize(ramp, height: 4, width: 4, channels: 1, newHeight: 4, newWidth: 2, antialias: true)
        let expected: [Float] = [0.7142857, 2.2857144, 4.714286, 6.2857146, 8.714286, 10.285714, 12.714286, 14.285714]
        #expect(zip(shrunk.scalars, expected).allSatisfy { abs($0 - $1) < 2e-6 })
        // Without antialias, two taps: the centres 0.5 and 2.5 of each row.
        let plain = bilinearResize(ramp, height: 4, width: 4, channels: 1, newHeight: 4, newWidth: 2, antialias: false)
        #expect(plain.scalars == [0.5, 2.5, 4.5, 6.5, 8.5, 10.5, 12.5, 14.5])
        // A whole row averaged into one column (triangle over all four, weights 5:7:7:5).
        let column = bilinearResize(ramp, height: 4, width: 4, channels: 1, newHeight: 4, newWidth: 1, antialias: true)
        #expect(zip(column.scalars, [1.5, 5.5, 9.5, 13.5] as [Float]).allSatisfy { abs($0 - $1) < 2e-6 })
        // Rows grown while columns shrink to one: here PyTorch 2.13's interpolate gives 1.5 everywhere (wrong);
        // these are transformers 5.24's explicit weights, the reference SigLIP 2 NaFlex uses.
        let grown = bilinearResize(ramp, height: 4, width: 4, channels: 1, newHeight: 8, newWidth: 1, antialias: true)
        #expect(zip(grown.scalars, [1.5, 2.5, 4.5, 6.5, 8.5, 10.5, 12.5, 13.5] as [Float]).allSatisfy { abs($0 - $1) < 2e-6 })
    }
}
