import Foundation
import ImageIO
import NPY
import Testing

/// Pillow's `Image.resize` alone, on noise and photo crops: up, down, mixed, extreme aspect ratios,
/// and both sides of Pillow 13's pass-order rule.
@Suite("Pillow resampling")
struct ResampleTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let input: String
        let filter: Int
        let width: Int
        let height: Int
        let expected: String
        let vertical_first: Bool
        var testDescription: String { "\(input) -> \(width)x\(height) filter \(filter)" }
    }

    static let cases: [Case] = {
        struct Wrapper: Decodable { let resize: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("manifest.json")) else { return [] }
        return (try? JSONDecoder().decode(Wrapper.self, from: data).resize) ?? []
    }()

    static func run(_ c: Case, order: PassOrder) throws -> (got: [UInt8], want: [UInt8]) {
        let source = try ImageDecoder().decode(contentsOf: Fixtures.url(c.input))
        let filter = try #require(ResampleFilter(rawValue: c.filter))
        let got = source.resized(width: c.width, height: c.height, filter: filter, passOrder: order)
        let expected = try Fixtures.npy(c.expected)
        #expect(expected.shape == [c.height, c.width, 3])
        #expect(got.width == c.width && got.height == c.height)
        return (got.pixels, try #require(expected.integers).map { UInt8($0) })
    }

    @Test func fixturesPresent() {
        #expect(Self.cases.count >= 30)
        #expect(Self.cases.contains { $0.vertical_first } && Self.cases.contains { !$0.vertical_first })
    }

    @Test(arguments: cases)
    func identicalToPillow(_ c: Case) throws {
        let (got, want) = try Self.run(c, order: .pillow13)
        let differing = zip(got, want).filter { $0 != $1 }.count
        #expect(got.count == want.count && differing == 0, "\(differing) of \(want.count) bytes differ")
    }

    /// The pass order is observable: running the vertical-first cases horizontally first changes bytes,
    /// so the parity above really pins Pillow 13's rule.
    @Test func passOrderMatters() throws {
        var changed = 0
        for c in Self.cases where c.vertical_first {
            let (got, want) = try Self.run(c, order: .horizontalFirst)
            if got != want { changed += 1 }
        }
        #expect(changed > 0)
    }

    @Test func sameSizeIsACopy() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.resized(width: 2, height: 1, filter: .bicubic) == image)
    }

    /// A constant image stays constant under both filters at any scale (weights are normalised).
    @Test func constantStaysConstant() {
        let image = RGBImage(width: 13, height: 7, pixels: [UInt8](repeating: 77, count: 13 * 7 * 3))
        for filter in ResampleFilter.allCases {
            for (w, h) in [(1, 1), (5, 3), (40, 29), (13, 1)] {
                #expect(image.resized(width: w, height: h, filter: filter).pixels.allSatisfy { $0 == 77 })
            }
        }
    }
}
