import Foundation
import ImageIO
import Testing
import SigLIPTraining
import Tensor

@Suite("The coloured-shapes data set")
struct ShapesDatasetTests {
    func generate(seed: UInt64, count: Int = 60, testCount: Int = 30, varied: Bool = false) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shapes-\(UUID().uuidString)")
        var options = ShapesDataset.Options()
        (options.count, options.testCount, options.seed) = (count, testCount, seed)
        options.variedCaptions = varied
        try ShapesDataset.write(to: dir, options: options)
        return dir
    }

    func rows(_ dir: URL, _ split: String) throws -> [[String: Any]] {
        try String(contentsOf: dir.appendingPathComponent("\(split).jsonl"), encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    @Test func variedCaptionsRephraseTrainingOnlyAndKeepTheImages() throws {
        let plain = try generate(seed: 4), varied = try generate(seed: 4, varied: true)
        defer { try? FileManager.default.removeItem(at: plain); try? FileManager.default.removeItem(at: varied) }
        let a = try rows(plain, "train"), b = try rows(varied, "train")
        let phrasings = Set(b.compactMap { $0["text"] as? String }).subtracting(a.compactMap { $0["text"] as? String })
        #expect(!phrasings.isEmpty)
        for (x, y) in zip(a, b) {
            let canonical = (x["text"] as? String ?? "").split(separator: " ").suffix(2)   // colour, shape
            let words = Set((y["text"] as? String ?? "").split(separator: " "))
            #expect(canonical.allSatisfy(words.contains), "\(y)")
            let image = x["image"] as? String ?? ""
            #expect(try Data(contentsOf: plain.appendingPathComponent(image)) == Data(contentsOf: varied.appendingPathComponent(image)))
        }
        #expect(try rows(plain, "test").map { $0["text"] as? String } == rows(varied, "test").map { $0["text"] as? String })
        let captions = try String(contentsOf: varied.appendingPathComponent("captions.txt"), encoding: .utf8).split(separator: "\n")
        #expect(captions.count == 30 * ShapesDataset.captionTemplates.count + ShapesDataset.shapes.count)
        #expect(b.allSatisfy { captions.contains(Substring($0["text"] as? String ?? "")) })
    }

    @Test func heldOutCombinationsNeverReachTraining() throws {
        let dir = try generate(seed: 1)
        defer { try? FileManager.default.removeItem(at: dir) }
        let heldOut = Set(ShapesDataset.heldOut.map(\.caption))
        #expect(heldOut.count == ShapesDataset.colours.count)
        // Every colour and every shape still appears in training, only not in these pairs.
        #expect(Set(ShapesDataset.heldOut.map(\.shape)).count == ShapesDataset.shapes.count)
        let train = try rows(dir, "train")
        #expect(train.count == 60)
        #expect(train.allSatisfy { !heldOut.contains($0["text"] as? String ?? "") })
        let test = try rows(dir, "test")
        #expect(test.count == 30)
        #expect(test.filter { $0["held_out"] as? Bool == true }.allSatisfy { heldOut.contains($0["text"] as? String ?? "") })
        #expect(Set(test.compactMap { $0["text"] as? String }).count == 30)   // 30 test images cover all 30 captions
        let labels = try String(contentsOf: dir.appendingPathComponent("labels.txt"), encoding: .utf8).split(separator: "\n")
        #expect(labels.count == 30 && labels.first == "a red circle")
    }

    @Test func noShapeIsKeptOutForTwoNeighbouringColours() {
        // Neighbours on the colour wheel: sorted by hue, each colour and the next (the last wraps to the first).
        func hue(_ c: SIMD3<Float>) -> Float {
            let r = c.x / 255, g = c.y / 255, b = c.z / 255, high = max(r, g, b), span = high - min(r, g, b)
            let h = high == r ? (g - b) / span : high == g ? 2 + (b - r) / span : 4 + (r - g) / span
            return (h * 60 + 360).truncatingRemainder(dividingBy: 360)
        }
        let wheel = ShapesDataset.colours.indices.sorted { hue(ShapesDataset.colours[$0].rgb) < hue(ShapesDataset.colours[$1].rgb) }
        #expect(wheel.map { ShapesDataset.colours[$0].name } == ["red", "orange", "yellow", "green", "blue", "purple"])
        let heldShape = Dictionary(uniqueKeysWithValues: ShapesDataset.heldOut.map { ($0.colour, $0.shape) })
        #expect(heldShape.count == ShapesDataset.colours.count)
        for (k, colour) in wheel.enumerated() {
            let next = wheel[(k + 1) % wheel.count]
            #expect(heldShape[colour] != heldShape[next], "\(ShapesDataset.colours[colour].name) and \(ShapesDataset.colours[next].name)")
        }
    }

    @Test func everyShapeStandsOutFromItsBackground() {
        // Circles, so the centre pixel is the shape's; the corner pixel is always background.
        var options = ShapesDataset.Options()
        options.colourJitter = 40
        var closest = Float.infinity
        for seed in 0..<400 as Range<UInt64> {
            var random = SplitMix64(seed: seed)
            let image = ShapesDataset.render(.init(colour: Int(seed) % ShapesDataset.colours.count, shape: 0), options: options, random: &random)
            var cx: Float = 0, cy: Float = 0, n: Float = 0   // centre of mass of the pixels unlike the corner
            func pixel(_ x: Int, _ y: Int) -> SIMD3<Float> {
                let i = (y * image.width + x) * 3
                return SIMD3(Float(image.pixels[i]), Float(image.pixels[i + 1]), Float(image.pixels[i + 2]))
            }
            let corner = pixel(0, 0)
            for y in 0..<image.height { for x in 0..<image.width where ((pixel(x, y) - corner) * (pixel(x, y) - corner)).sum() > 400 {
                cx += Float(x); cy += Float(y); n += 1
            } }
            let centre = pixel(Int(cx / max(n, 1)), Int(cy / max(n, 1))), gap = centre - corner
            closest = min(closest, (gap * gap).sum().squareRoot())
        }
        #expect(closest >= 75, "closest shape–background distance \(closest)")
    }

    @Test func neutralShapesAreGreyAndNamedByShapeAlone() throws {
        let dir = try generate(seed: 5, count: 400, testCount: 30)
        defer { try? FileManager.default.removeItem(at: dir) }
        let neutral = try rows(dir, "train").filter { ($0["text"] as? String ?? "").split(separator: " ").count == 2 }
        #expect((160...240).contains(neutral.count), "\(neutral.count) of 400 (half expected)")
        #expect(Set(neutral.compactMap { $0["text"] as? String }) == Set(ShapesDataset.shapes.map { "a \($0)" }))
        for row in neutral.prefix(20) {
            let image = try ImageDecoder().decode(try Data(contentsOf: dir.appendingPathComponent(row["image"] as? String ?? "")), name: "shape")
            let p = image.pixels.map(Int.init), corner = SIMD3(p[0], p[1], p[2])
            // Some pixel is grey (R = G = B, to rounding) and far from the background: the shape.
            let greyShape = stride(from: 0, to: p.count, by: 3).contains { i in
                let c = SIMD3(p[i], p[i + 1], p[i + 2]), d = c &- corner
                return abs(c.x - c.y) <= 1 && abs(c.y - c.z) <= 1 && (d &* d).wrappedSum() > 60 * 60
            }
            #expect(greyShape, "\(row)")
        }
        #expect(try rows(dir, "test").allSatisfy { ($0["text"] as? String ?? "").split(separator: " ").count == 3 })
    }

    @Test func theSameSeedGivesTheSameBytes() throws {
        let a = try generate(seed: 7, count: 10, testCount: 5), b = try generate(seed: 7, count: 10, testCount: 5)
        let c = try generate(seed: 8, count: 10, testCount: 5)
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(at: d) } }
        for file in ["train.jsonl", "images/train/000003.png", "images/test/000004.png"] {
            #expect(try Data(contentsOf: a.appendingPathComponent(file)) == Data(contentsOf: b.appendingPathComponent(file)))
        }
        #expect(try Data(contentsOf: a.appendingPathComponent("images/train/000003.png")) != Data(contentsOf: c.appendingPathComponent("images/train/000003.png")))
    }

    @Test func imagesDecodeToWhatWasDrawn() throws {
        var random = SplitMix64(seed: 3)
        let combination = ShapesDataset.Combination(colour: 0, shape: 0)
        let image = ShapesDataset.render(combination, options: ShapesDataset.Options(), random: &random)
        let decoded = try ImageDecoder().decode(try image.pngData(), name: "shape.png")
        #expect(decoded.pixels == image.pixels && decoded.width == 32 && decoded.height == 32)
        // A red circle: some pixels are strongly red.
        var reddest = 0
        for i in stride(from: 0, to: image.pixels.count, by: 3) { reddest = max(reddest, Int(image.pixels[i]) - Int(image.pixels[i + 2])) }
        #expect(reddest > 100)
    }
}
