import Foundation
import NPY
import SigLIP
import SigLIPTraining
import Tensor
import Testing

@Suite("Training data: layouts, seeded order, loading from files")
struct DataTests {
    static let images = TrainingFixture.root.appendingPathComponent("images/files")
    /// The fixture images in the reference script's order, and the captions it gave them (scripts/fixtures/training.py).
    static let files = ["photo_chelsea_q90.jpg", "photo_rocket.jpg", "exif_orientation_6.jpg", "jpeg_cmyk.jpg",
                        "photo_logo_rgba.png", "png_palette8_two_trns.png", "gif_palette.gif"]
    static let captions = ["a photo of a cat lying on a sofa", "a rocket standing on the launch pad", "a rotated photo of a small sign",
                           "a picture saved in cmyk colours", "a logo with a transparent background",
                           "a palette image with two transparent colours", "the first frame of an animated gif"]

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("JSON Lines: paths relative to the file, blank lines skipped, a bad line named by number")
    func jsonLines() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let absolute = Self.images.appendingPathComponent("photo_rocket.jpg").path
        let file = dir.appendingPathComponent("data.jsonl")
        try "{\"image\": \"pics/a.png\", \"text\": \"a cat\"}\n\n{\"image\": \"\(absolute)\", \"text\": \"a rocket\"}\n".write(to: file, atomically: true, encoding: .utf8)
        let examples = try TrainingData.jsonLines(at: file)
        #expect(examples == [TrainingExample(image: dir.appendingPathComponent("pics/a.png"), caption: "a cat"),
                             TrainingExample(image: URL(fileURLWithPath: absolute), caption: "a rocket")])

        try "{\"image\": \"a.png\", \"text\": \"ok\"}\n{\"image\": 3}\n".write(to: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: TrainingError.self) { try TrainingData.jsonLines(at: file) }
        #expect(error?.description.contains("data.jsonl:2:") == true)
    }

    @Test("class folders: one caption per folder from the template, name order, hidden entries skipped")
    func classFolders() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for path in ["red_circle/b.png", "red_circle/a.png", "blue_square/c.png", "blue_square/.DS_Store", ".cache/x.png"] {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: url)
        }
        let examples = try TrainingData.classFolders(at: dir, template: "a {} shape")
        #expect(examples.map(\.image.lastPathComponent) == ["c.png", "a.png", "b.png"])
        #expect(examples.map(\.caption) == ["a blue square shape", "a red circle shape", "a red circle shape"])
    }

    @Test("batch order: every epoch a permutation, fixed by the seed, new each epoch; file order without shuffling")
    func order() {
        let order = BatchOrder(count: 10, batchSize: 4, seed: 42)
        let epoch0 = order.batches(epoch: 0), epoch1 = order.batches(epoch: 1)
        #expect(epoch0.map(\.count) == [4, 4, 2])
        #expect(epoch0.joined().sorted() == Array(0..<10) && epoch1.joined().sorted() == Array(0..<10))
        #expect(epoch0 == BatchOrder(count: 10, batchSize: 4, seed: 42).batches(epoch: 0))
        #expect(epoch0 != epoch1 && epoch0 != BatchOrder(count: 10, batchSize: 4, seed: 43).batches(epoch: 0))
        #expect(BatchOrder(count: 10, batchSize: 4, seed: 42, shuffle: false).batches(epoch: 3) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    }

    @Test("files to loss: the loader skips bad images and reproduces the reference's ids, pixels and loss")
    func filesToLoss() throws {
        let fixture = TrainingFixture(name: "tiny-siglip")
        let loader = BatchLoader(processor: try SiglipImageProcessor(directory: fixture.modelDirectory),
                                 tokenizer: try SiglipTokenizer(directory: TrainingFixture.root.appendingPathComponent("tokenizers/unigram-nmt-nfkc"), maxLength: 64))
        var examples = zip(Self.files, Self.captions).map { TrainingExample(image: Self.images.appendingPathComponent($0), caption: $1) }
        let corrupt = TrainingExample(image: TrainingFixture.root.appendingPathComponent("images/bad/bad_corrupt.png"), caption: "broken")
        let missing = TrainingExample(image: Self.images.appendingPathComponent("no-such-file.jpg"), caption: "missing")
        examples.insert(corrupt, at: 2)
        examples.append(missing)

        let prefetcher = Prefetcher(loader: loader, batches: [examples])
        let loaded = try #require(prefetcher.next())
        #expect(prefetcher.next() == nil)
        #expect(loaded.skipped.map(\.example) == [corrupt, missing])
        #expect(loaded.skipped.allSatisfy { $0.error.contains($0.example.image.lastPathComponent) })
        let batch = try #require(loaded.batch)
        #expect(batch.inputIDs == (try fixture.inputIDs()))
        #expect(batch.pixelValues.scalars == (try fixture.pixelValues()).scalars)

        let loss = try fixture.model().accumulateGradients(pixelValues: batch.pixelValues, inputIDs: batch.inputIDs, into: Gradients())
        let expected = try fixture.scalar("loss")
        #expect(abs(loss - expected) / expected <= Tolerance.loss)
    }
}

@Suite("Augmentation")
struct AugmentationTests {
    let processor: SiglipImageProcessor
    let tokenizer: SiglipTokenizer
    let example = TrainingExample(image: DataTests.images.appendingPathComponent("photo_rocket.jpg"), caption: "a rocket")

    init() throws {
        processor = try SiglipImageProcessor(directory: TrainingFixture(name: "tiny-siglip").modelDirectory)
        tokenizer = try SiglipTokenizer(directory: TrainingFixture.root.appendingPathComponent("tokenizers/unigram-nmt-nfkc"), maxLength: 64)
    }

    func pixels(_ augmentation: Augmentation?, epoch: Int = 0) throws -> Tensor {
        try #require(BatchLoader(processor: processor, tokenizer: tokenizer, augmentation: augmentation).load([example], epoch: epoch).batch).pixelValues
    }

    @Test("a whole-image crop without flipping changes nothing; with flipping it mirrors the image")
    func identityAndFlip() throws {
        let image = try processor.decoder.decode(contentsOf: example.image)
        let ratio = Double(image.width) / Double(image.height)
        let plain = try pixels(nil)
        #expect(try pixels(Augmentation(seed: 1, area: 1...1, aspectRatio: ratio...ratio, flipProbability: 0)).scalars == plain.scalars)

        let flipped = try pixels(Augmentation(seed: 1, area: 1...1, aspectRatio: ratio...ratio, flipProbability: 1))
        let (h, w) = (plain.shape[2], plain.shape[3])
        var worst: Float = 0
        for c in 0..<3 {
            for y in 0..<h {
                for x in 0..<w { worst = max(worst, abs(flipped[(c * h + y) * w + x] - plain[(c * h + y) * w + (w - 1 - x)])) }
            }
        }
        // Resampling a mirrored image may round differently by one 8-bit level (2/255 after normalising to [−1, 1]).
        #expect(worst <= 2.0 / 255 + 1e-6, "max |Δ| \(worst)")
    }

    @Test("crops are fixed by seed, epoch and path, and change between epochs")
    func reproducible() throws {
        let augmentation = Augmentation(seed: 7)
        let first = try pixels(augmentation, epoch: 0)
        #expect(try pixels(augmentation, epoch: 0).scalars == first.scalars)
        #expect(try pixels(augmentation, epoch: 1).scalars != first.scalars)
        #expect(try pixels(Augmentation(seed: 8), epoch: 0).scalars != first.scalars)
        #expect(first.shape == [1, 3, 32, 32])
    }
}
