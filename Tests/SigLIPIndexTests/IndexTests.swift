import Foundation
import Testing
import SigLIP
import SigLIPIndex

enum Paths {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let model = fixtures.appendingPathComponent("models/tiny-siglip")
    static let photos = ["photo_chelsea_q90.jpg", "photo_rocket.jpg", "photo_camera_gray.jpg", "photo_astronaut_crop.png", "jpeg_420.jpg"]
        .map { fixtures.appendingPathComponent("images/files/\($0)") }
    static func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }
}

@Suite("The image–text index")
struct IndexTests {
    let pipeline: SiglipPipeline
    init() throws { pipeline = try SiglipPipeline(directory: Paths.model) }

    @Test func addSearchRemove() throws {
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        let report = index.addImages(Paths.photos, using: pipeline, batchSize: 2)
        #expect(report.added == 5 && report.failures.isEmpty)
        #expect(index.addImages(Paths.photos, using: pipeline).alreadyIndexed == 5)
        #expect(try index.info().images == 5)

        // Exact search ranks by cosine with the query, as a brute-force pass over the embeddings does.
        let embeddings = try pipeline.imageEmbeddings(for: Paths.photos).map { try $0.get() }
        let query = try pipeline.textEmbeddings(for: ["a photo of a cat"])[0].get()
        let cosines = embeddings.map { zip($0, query).map { $0 * $1 }.reduce(0, +) }
        let expected = cosines.indices.sorted { cosines[$0] > cosines[$1] }.map { Paths.photos[$0].path }
        let hits = try index.search(text: "a photo of a cat", using: pipeline, k: 5)
        #expect(hits.map(\.item.path) == expected)
        #expect(hits.map(\.rank) == [1, 2, 3, 4, 5])
        for hit in hits {
            let logit = Foundation.exp(pipeline.model.logitScale) * hit.score + pipeline.model.logitBias
            #expect(abs(hit.probability - 1 / (1 + Foundation.exp(-logit))) < 1e-5)
        }
        // An indexed image finds itself first.
        let itself = try index.search(image: Paths.photos[1], using: pipeline, k: 1)
        #expect(itself.first?.item.path == Paths.photos[1].path && abs((itself.first?.score ?? 0) - 1) < 1e-5)

        #expect(try index.remove(paths: [Paths.photos[1].path]) == 1)
        #expect(try index.search(image: Paths.photos[1], using: pipeline, k: 5).allSatisfy { $0.item.path != Paths.photos[1].path })
        #expect(try index.verify().isEmpty)
    }

    @Test func imageToTextSearch() throws {
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        let texts = ["a cat", "a rocket", "a camera"]
        #expect(index.addTexts(texts + ["a cat"], using: pipeline).added == 3)
        let hits = try index.search(image: Paths.photos[0], using: pipeline, k: 3, kind: .text)
        #expect(Set(hits.map(\.item.path)) == Set(texts) && hits.allSatisfy { $0.item.kind == .text })
    }

    @Test func badInputsAreReportedAndTheRestIndexed() throws {
        let dir = Paths.scratch("index"), folder = Paths.scratch("photos")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub dir/ünïcode"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Paths.photos[0], to: folder.appendingPathComponent("sub dir/ünïcode/cat photo.jpg"))
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("broken.jpg"))
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("sub dir/loop"), withDestinationURL: folder)
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        let report = index.addImages([folder, Paths.photos[1], URL(fileURLWithPath: "/nonexistent.png")], using: pipeline)
        #expect(report.added == 2)
        #expect(Set(report.failures.map { URL(fileURLWithPath: $0.path).lastPathComponent }) == ["broken.jpg", "nonexistent.png"])
    }

    @Test func refusesOtherModelsAndNonIndexes() throws {
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SiglipIndex(directory: dir, creatingFor: pipeline)
        let other = try SiglipPipeline(directory: Paths.fixtures.appendingPathComponent("models/tiny-unequal"))
        #expect(throws: IndexError.self) { try SiglipIndex(directory: dir, creatingFor: other) }
        #expect(throws: IndexError.self) { try SiglipIndex(directory: Paths.fixtures.appendingPathComponent("images")) }
        #expect(throws: IndexError.self) { try SiglipIndex(directory: Paths.scratch("missing")) }
    }
}

@Suite("The gallery page")
struct GalleryTests {
    @Test func pageInlinesThumbnailsAndScores() throws {
        let pipeline = try SiglipPipeline(directory: Paths.model)
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        _ = index.addImages(Array(Paths.photos.prefix(3)), using: pipeline)
        _ = index.addTexts(["a <b>bold</b> cat"], using: pipeline)
        let results = try index.search(image: Paths.photos[0], using: pipeline, k: 4, kind: nil)
        let page = Gallery.html(title: "images like a cat", results: results)
        #expect(page.components(separatedBy: "data:image/png;base64,").count - 1 == 3)
        #expect(page.contains("a &lt;b&gt;bold&lt;/b&gt; cat") && !page.contains("<b>bold</b>"))
        #expect(page.contains("#1") && page.contains("#4"))
        // A thumbnail is a real PNG of at most 192 pixels a side.
        let thumb = try #require(Gallery.thumbnail(of: Paths.photos[0]))
        #expect(thumb.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }
}

@Suite("Approximate search through FAISS")
struct ApproximateSearchTests {
    @Test(arguments: ["HNSW32", "Flat", "IVF2,Flat"])
    func agreesWithExactSearchOnASmallIndex(factory: String) throws {
        let pipeline = try SiglipPipeline(directory: Paths.model)
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        _ = index.addImages(Paths.photos, using: pipeline)
        try index.setApproximateType(factory)
        let query = try pipeline.textEmbeddings(for: ["a photo of a cat"])[0].get()
        let exact = try index.search(vector: query, k: 3, exact: true)
        // IVF with 2 lists probes both at this effort, so every method is exhaustive on 5 vectors.
        let approximate = try index.search(vector: query, k: 3, effort: 64)
        #expect(approximate.map(\.item.path) == exact.map(\.item.path), "\(factory)")
        #expect(zip(approximate, exact).allSatisfy { abs($0.score - $1.score) < 1e-4 })
        // Kept in step with the store: a removed item disappears, and the file survives reopening.
        _ = try index.remove(paths: [exact[0].item.path])
        #expect(try index.search(vector: query, k: 3).allSatisfy { $0.item.path != exact[0].item.path })
        let reopened = try SiglipIndex(directory: dir)
        #expect(try reopened.search(vector: query, k: 1).first?.item.path == exact[1].item.path)
        #expect(try reopened.verify().isEmpty)
    }

    @Test func badFactoryStringsAreRefused() throws {
        let pipeline = try SiglipPipeline(directory: Paths.model)
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        #expect(throws: IndexError.self) { try index.setApproximateType("NoSuchIndex42") }
    }
}
