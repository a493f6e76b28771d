import Foundation
import NPY
import Testing
import Tensor

/// The bilinear resize kernel (NaFlex position tables) against PyTorch 2.13's `F.interpolate(mode="bilinear",
/// align_corners=False)`, with and without `antialias`, on seeded random grids that shrink, grow and mix
/// (Tests/Fixtures/kernels/bilinear, from scripts/fixtures/resize_kernels.py).
@Suite("Bilinear resize kernel against torch's interpolate")
struct BilinearResizeParityTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let name: String, height: Int, width: Int, channels: Int
        let newHeight: Int, newWidth: Int
        enum CodingKeys: String, CodingKey {
            case name, height, width, channels
            case newHeight = "new_height", newWidth = "new_width"
        }
        var description: String { "\(name) \(height)×\(width) → \(newHeight)×\(newWidth)" }
    }

    static let directory = Fixtures.root.appendingPathComponent("kernels/bilinear")

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("cases.json")),
              let cases = try? JSONDecoder().decode([Case].self, from: data) else { return [] }
        return cases
    }()

    static func tensor(_ name: String) throws -> Tensor {
        let a = try NPYArray(contentsOf: directory.appendingPathComponent("\(name).npy"))
        return Tensor(shape: [a.shape.dropLast().reduce(1, *), a.shape.last ?? 0], values: a.floats)
    }

    /// Ours for one case, with or without antialiasing.
    static func resized(_ c: Case, antialias: Bool) throws -> Tensor {
        let grid = try tensor("\(c.name)_input")
        try #require(grid.count == c.height * c.width * c.channels)
        return bilinearResize(grid, height: c.height, width: c.width, channels: c.channels,
                              newHeight: c.newHeight, newWidth: c.newWidth, antialias: antialias)
    }

    @Test func everyCaseIsThere() {
        #expect(Self.cases.count == 10)
    }

    /// Inputs are standard normal (|x| < 5, where a float32 ulp is 4.8e-7); both sides weigh in float32, summing in
    /// different orders. Achieved 2.4e-7; a wrong filter width or centre is off by 1e-2 or more (`antialiasingMatters`).
    @Test("antialiased, as transformers resizes SigLIP 2 position tables", arguments: cases)
    func antialiased(c: Case) throws {
        let error = maxAbsoluteError(try Self.resized(c, antialias: true), try Self.tensor("\(c.name)_antialias"))
        print("bilinear antialias \(c): \(error)")
        #expect(error <= 2e-6)
    }

    /// torch nests the row and column weights where we multiply them first: achieved 1.7e-6 (under 4 ulps), so
    /// the bound is 10 ulps, still far below what a wrong tap or centre gives.
    @Test("plain two-tap bilinear", arguments: cases)
    func plain(c: Case) throws {
        let error = maxAbsoluteError(try Self.resized(c, antialias: false), try Self.tensor("\(c.name)_plain"))
        print("bilinear plain \(c): \(error)")
        #expect(error <= 5e-6)
    }

    /// The fixtures tell the two filters apart wherever an axis shrinks, and agree where none does.
    @Test("antialiasing matters exactly where an axis shrinks", arguments: cases)
    func antialiasingMatters(c: Case) throws {
        let gap = maxAbsoluteError(try Self.tensor("\(c.name)_antialias"), try Self.tensor("\(c.name)_plain"))
        if c.newHeight < c.height || c.newWidth < c.width {
            #expect(gap > 1e-2)
            #expect(maxAbsoluteError(try Self.resized(c, antialias: false), try Self.tensor("\(c.name)_antialias")) > 1e-2)
        } else {
            #expect(gap <= 2e-6)
        }
    }
}
