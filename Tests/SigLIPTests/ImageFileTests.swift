import Foundation
import Testing
import SigLIP
import Tensor

@Suite("From image files to embeddings, as a transformers user gets them")
struct ImageFileTests {
    static let models = ["tiny-siglip", "tiny-unequal", "tiny-siglip2"]

    func files(_ model: String) throws -> [URL] {
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model(model).appendingPathComponent("expected/image_files.json")))
        return names.map { Fixtures.root.appendingPathComponent("images/files/\($0)") }
    }

    @Test("pixel tensors are identical", arguments: models)
    func pixelsAreIdentical(model: String) throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model(model))
        let pixels = try pipeline.pixelValues(for: try files(model)).map { try $0.get() }
        let expected = try Fixtures.tensor(model, "image_files_pixel_values")
        try #require(!pixels.isEmpty && pixels.count == expected.shape[0])
        #expect(maxAbsoluteError(Tensor.concatenatingRows(pixels.map { $0.reshaped([1, $0.count]) }), expected) == 0)
    }

    @Test("embeddings match, in batches of any size", arguments: models)
    func embeddingsMatch(model: String) throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model(model))
        let expected = try Fixtures.tensor(model, "image_files_embeds_raw")
        for batchSize in [1, 3, 16] {
            let rows = try pipeline.imageEmbeddings(for: try files(model), batchSize: batchSize, normalized: false).map { try $0.get() }
            try #require(rows.count == expected.shape[0] && rows.allSatisfy { $0.count == expected.shape[1] })
            let error = maxRelativeRowError(Tensor(shape: expected.shape, values: rows.flatMap { $0 }), expected)
            print("parity \(model) image files batch \(batchSize): \(error)")
            #expect(error <= Tolerance.relative, "batch size \(batchSize)")
        }
    }

    @Test("streamed batches arrive in order, each while the next decodes, and match the reference", arguments: models)
    func streamedBatchesMatch(model: String) throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model(model))
        let expected = try Fixtures.tensor(model, "image_files_embeds_raw")
        var starts: [Int] = [], rows: [[Float]] = []
        try pipeline.imageEmbeddings(for: try files(model), batchSize: 2, normalized: false) { start, batch in
            starts.append(start)
            rows += try batch.map { try $0.get() }
        }
        #expect(starts == Array(stride(from: 0, to: expected.shape[0], by: 2)))
        try #require(expected.shape[0] > 2 && rows.count == expected.shape[0] && rows.allSatisfy { $0.count == expected.shape[1] })
        #expect(maxRelativeRowError(Tensor(shape: expected.shape, values: rows.flatMap { $0 }), expected) <= Tolerance.relative)
    }

    @Test func aBrokenFileFailsAloneInItsBatch() throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model("tiny-siglip"))
        let good = try files("tiny-siglip")
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).jpg")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: broken)
        defer { try? FileManager.default.removeItem(at: broken) }
        let results = pipeline.imageEmbeddings(for: [good[0], broken, good[1]], batchSize: 3)
        #expect((try? results[0].get())?.count == 64)
        #expect((try? results[2].get())?.count == 64)
        guard case .failure(let error) = results[1] else { Issue.record("a truncated JPEG was accepted"); return }
        #expect("\(error)".contains(broken.lastPathComponent))
    }
}

@Suite("Images kept at their own size")
struct NoResizeTests {
    @Test func withoutResizeEachImageKeepsItsSizeAndStillEmbeds() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("noresize-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixtures.model("tiny-siglip"), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"do_resize": false, "do_rescale": true, "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "rescale_factor": 0.00392156862745098}"#.utf8)
            .write(to: dir.appendingPathComponent("preprocessor_config.json"))
        let pipeline = try SiglipPipeline(directory: dir)
        let files = ["size_17x13.png", "photo_chelsea_q90.jpg"].map { Fixtures.root.appendingPathComponent("images/files/\($0)") }
        let pixels = try pipeline.pixelValues(for: files).map { try $0.get() }
        #expect(pixels[0].shape == [3, 13, 17])
        #expect(pixels[1].shape == [3, 300, 451])
        // Different sizes cannot share a batch; each still embeds (position embeddings interpolated).
        let embeddings = try pipeline.imageEmbeddings(for: files).map { try $0.get() }
        #expect(embeddings.count == 2)
        #expect(embeddings.allSatisfy { $0.count == 64 })
    }
}
