import Foundation
import ImageIO
import Testing

/// Format sniffing and orientation, with expectations written out by hand.
@Suite("Format detection and orientation")
struct MetadataTests {
    @Test func detectsFormatsFromBytes() {
        #expect(ImageFormat.detect([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat.detect(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageFormat.detect(Array("GIF89a".utf8)) == .gif)
        #expect(ImageFormat.detect(Array("GIF87a".utf8)) == .gif)
        #expect(ImageFormat.detect(Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVE".utf8)) == nil)
        #expect(ImageFormat.detect([UInt8]()) == nil)
        #expect(ImageFormat.detect([0xFF, 0xD8]) == nil)
        #expect(ImageFormat.detect(Array("BM".utf8) + [0, 0, 0, 0]) == nil)
    }

    /// A 3x2 image whose pixel values name their position: red = 10*x + y.
    static let source: RGBImage = {
        var pixels: [UInt8] = []
        for y in 0..<2 { for x in 0..<3 { pixels += [UInt8(10 * x + y), 0, 0] } }
        return RGBImage(width: 3, height: 2, pixels: pixels)
    }()

    static func reds(_ image: RGBImage) -> [[UInt8]] {
        (0..<image.height).map { y in (0..<image.width).map { x in image[x, y].r } }
    }

    @Test func orientationsMatchPillowTransposes() {
        // Source rows: [0, 10, 20] / [1, 11, 21].
        let expected: [Orientation: [[UInt8]]] = [
            .up: [[0, 10, 20], [1, 11, 21]],
            .upMirrored: [[20, 10, 0], [21, 11, 1]],                 // FLIP_LEFT_RIGHT
            .down: [[21, 11, 1], [20, 10, 0]],                       // ROTATE_180
            .downMirrored: [[1, 11, 21], [0, 10, 20]],               // FLIP_TOP_BOTTOM
            .leftMirrored: [[0, 1], [10, 11], [20, 21]],             // TRANSPOSE
            .right: [[1, 0], [11, 10], [21, 20]],                    // ROTATE_270 (clockwise)
            .rightMirrored: [[21, 20], [11, 10], [1, 0]],            // TRANSVERSE
            .left: [[20, 21], [10, 11], [0, 1]],                     // ROTATE_90 (counter-clockwise)
        ]
        for (orientation, want) in expected {
            #expect(Self.reds(Self.source.applying(orientation)) == want, "orientation \(orientation.rawValue)")
        }
    }

    @Test func colourKeyCompositesOntoWhite() {
        var image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        image.transparentColor = RGBColor(r: 4, g: 5, b: 6)
        #expect(image.compositedOntoWhite().pixels == [1, 2, 3, 255, 255, 255])
        image.transparentColor = nil
        #expect(image.compositedOntoWhite().pixels == [1, 2, 3, 4, 5, 6])
    }
}

/// Decoders keep no shared state: the same files decoded on many threads give the same bytes.
@Suite("Concurrency")
struct ConcurrencyTests {
    @Test func concurrentDecodesAgree() async throws {
        let names = ["files/jpeg_420.jpg", "files/png_palette4_adam7.png", "files/webp_lossy.webp",
                     "files/gif_palette_interlaced.gif", "files/exif_orientation_6.jpg", "files/jpeg_cmyk.jpg"]
        let urls = names.map { Fixtures.url($0) }
        let serial = try urls.map { try ImageDecoder().decode(contentsOf: $0) }
        let parallel = try await withThrowingTaskGroup(of: (Int, RGBImage).self) { group in
            for _ in 0..<4 {
                for (i, url) in urls.enumerated() {
                    group.addTask { (i, try ImageDecoder().decode(contentsOf: url)) }
                }
            }
            var results: [(Int, RGBImage)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(parallel.count == 4 * urls.count)
        for (i, image) in parallel { #expect(image == serial[i], "\(names[i]) differs when decoded concurrently") }
    }
}

/// Recycled buffers never change an image someone still holds.
@Suite("Buffer reuse")
struct BufferReuseTests {
    @Test func recyclingKeepsValueSemantics() throws {
        let a = try ImageDecoder().decode(contentsOf: Fixtures.url("files/jpeg_420.jpg"))
        let kept = a
        a.recycle()
        for name in ["files/jpeg_444.jpg", "files/webp_lossy.webp", "files/png_rgb16.png"] {
            let other = try ImageDecoder().decode(contentsOf: Fixtures.url(name))
            _ = other.resized(width: 31, height: 17, filter: .bilinear)
            other.recycle()
        }
        #expect(kept == (try ImageDecoder().decode(contentsOf: Fixtures.url("files/jpeg_420.jpg"))))
    }
}
