import Foundation
import ImageIO
import NPY
import SigLIP
import Testing

/// Every fixture image against the reference: decoded RGB first (so a failure points at decoding),
/// then the float32 pixel tensor for each processor config, required to be identical.
@Suite("Image pipeline parity with transformers + Pillow")
struct ParityTests {
    @Test func manifestIsComplete() throws {
        let manifest = try #require(Fixtures.manifest, "Tests/Fixtures/images/manifest.json is missing or unreadable")
        #expect(manifest.cases.count >= 70)
        #expect(manifest.bad.count >= 13)
        #expect(manifest.pillow == "13.0.0")
    }

    @Test(arguments: Fixtures.cases)
    func decodesLikePillow(_ fixture: Fixtures.Case) throws {
        let image = try ImageDecoder().decode(contentsOf: Fixtures.url(fixture.file))
        #expect(image.width == fixture.width && image.height == fixture.height,
                "decoded \(image.width)x\(image.height), reference \(fixture.width)x\(fixture.height)")
        guard image.width == fixture.width && image.height == fixture.height else { return }
        if let decoded = fixture.decoded {
            let expected = try Fixtures.npy(decoded)
            #expect(expected.shape == [fixture.height, fixture.width, 3])
            let want = try #require(expected.integers).map { UInt8($0) }
            #expect(image.pixels.count == want.count, "\(image.pixels.count) decoded bytes, reference \(want.count)")
            let diffs = zip(image.pixels, want).filter { $0 != $1 }.count
            let maxDiff = zip(image.pixels, want).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(diffs == 0, "\(diffs) of \(want.count) decoded bytes differ (max \(maxDiff))")
        }
        #expect(crc32(image.pixels) == fixture.crc32, "decoded pixels differ from the reference (CRC)")
    }

    @Test(arguments: Fixtures.cases)
    func pixelValuesAreIdentical(_ fixture: Fixtures.Case) throws {
        #expect(!fixture.outputs.isEmpty, "\(fixture.file) has no reference pixel tensor")
        for output in fixture.outputs {
            let processor = try SiglipImageProcessor(directory: Fixtures.url("configs/\(output.config)"))
            let size = output.size.map { (height: $0[0], width: $0[1]) }
            let got = try processor.pixelValues(contentsOf: Fixtures.url(fixture.file), size: size)
            let expected = try Fixtures.npy(output.expected)
            let want = expected.floats
            #expect(expected.shape.count == 3 && expected.shape[0] == 3)
            #expect(got.count == want.count && !want.isEmpty, "\(output.expected): \(got.count) values, reference \(want.count)")
            guard got.count == want.count else { continue }
            var differing = 0
            var maxDiff: Float = 0
            for (a, b) in zip(got, want) where a.bitPattern != b.bitPattern {
                differing += 1
                maxDiff = max(maxDiff, abs(a - b))
            }
            #expect(differing == 0, "\(output.expected): \(differing) values differ, max |diff| \(maxDiff)")
        }
    }
}
