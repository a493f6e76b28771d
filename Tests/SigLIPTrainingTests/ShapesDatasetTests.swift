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
        #expect(captions.count == 30 * ShapesDataset.captionTemplates.count)
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
        let image = ShapesDataset.render(combination, size: 32, random: &random)
        let decoded = try ImageDecoder().decode(try image.pngData(), name: "shape.png")
        #expect(decoded.pixels == image.pixels && decoded.width == 32 && decoded.height == 32)
        // A red circle: some pixels are strongly red.
        var reddest = 0
        for i in stride(from: 0, to: image.pixels.count, by: 3) { reddest = max(reddest, Int(image.pixels[i]) - Int(image.pixels[i + 2])) }
        #expect(reddest > 100)
    }
}
