import Foundation
import Testing
import SigLIP
import SigLIPIndex

@Suite("Indexed files that change, move, vanish or are links")
struct FileChangeTests {
    let pipeline: SiglipPipeline
    init() throws { pipeline = try SiglipPipeline(directory: Paths.model) }

    /// A folder holding a.jpg, b.jpg and c.jpg (three different fixture photos).
    func folder() throws -> URL {
        let folder = Paths.scratch("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, source) in zip(["a.jpg", "b.jpg", "c.jpg"], Paths.photos) {
            try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent(name))
        }
        return folder
    }

    @Test func verifyReportsEditedRenamedAndDeletedFilesAndAddBringsTheIndexInStep() throws {
        let dir = Paths.scratch("index"), photos = try folder()
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: photos) }
        let a = photos.appendingPathComponent("a.jpg"), b = photos.appendingPathComponent("b.jpg")
        let c = photos.appendingPathComponent("c.jpg"), renamed = photos.appendingPathComponent("b moved.jpg")
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        #expect(index.addImages([photos], using: pipeline).added == 3)
        #expect(try index.verify().isEmpty)

        try FileManager.default.removeItem(at: a)
        try FileManager.default.copyItem(at: Paths.photos[4], to: a)      // edited: other bytes, same name
        try FileManager.default.moveItem(at: b, to: renamed)
        try FileManager.default.removeItem(at: c)
        let problems = try index.verify()
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.contains("changed") && $0.contains(a.path) }, "\(problems)")
        #expect(problems.contains { $0.contains("renamed") && $0.contains(b.path) && $0.contains(renamed.path) }, "\(problems)")
        #expect(problems.contains { $0.contains("missing") && $0.contains(c.path) }, "\(problems)")

        // Adding the folder again: a is re-embedded, b's row follows the file, c's row goes.
        let report = index.addImages([photos], using: pipeline)
        #expect(report.failures.isEmpty)
        #expect(try index.info().images == 2)
        #expect(try index.items(path: a.path).count == 1 && index.items(path: renamed.path).count == 1)
        #expect(try index.items(path: b.path).isEmpty && index.items(path: c.path).isEmpty)
        let hit = try index.search(image: a, using: pipeline, k: 1).first
        #expect(hit?.item.path == a.path && abs((hit?.score ?? 0) - 1) < 1e-5, "\(String(describing: hit))")
        #expect(try index.verify().isEmpty)
    }

    @Test func symbolicLinksToFilesAndFoldersAreFollowedAndLoopsEnd() throws {
        let dir = Paths.scratch("index"), links = Paths.scratch("links"), other = Paths.scratch("other")
        defer { for url in [dir, links, other] { try? FileManager.default.removeItem(at: url) } }
        let fm = FileManager.default
        try fm.createDirectory(at: links, withIntermediateDirectories: true)
        try fm.createDirectory(at: other, withIntermediateDirectories: true)
        try fm.copyItem(at: Paths.photos[3], to: other.appendingPathComponent("y.png"))
        try fm.createSymbolicLink(at: links.appendingPathComponent("linked.jpg"), withDestinationURL: Paths.photos[1])
        try fm.createSymbolicLink(at: links.appendingPathComponent("folder"), withDestinationURL: other)
        try fm.createSymbolicLink(at: links.appendingPathComponent("loop"), withDestinationURL: links)
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        let report = index.addImages([links], using: pipeline)
        #expect(report.added == 2 && report.failures.isEmpty, "\(report.added) \(report.failures)")
        #expect(try index.items(path: links.appendingPathComponent("linked.jpg").path).count == 1)
        #expect(try index.items(path: links.appendingPathComponent("folder/y.png").path).count == 1)
    }

    @Test func nonFiniteEmbeddingsAreReportedAndNeverStored() throws {
        // One NaN in the image tower's last layer norm makes every image embedding NaN; texts are untouched.
        let (broken, scratch) = try tinyModelCopy(lastWeight: .nan)
        let dir = Paths.scratch("index")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: scratch) }
        let pipeline = try SiglipPipeline(directory: broken)
        let index = try SiglipIndex(directory: dir, creatingFor: pipeline)
        let report = index.addImages(Array(Paths.photos.prefix(3)), using: pipeline)
        #expect(report.added == 0 && report.failures.count == 3, "\(report.added) \(report.failures)")
        #expect(report.failures.allSatisfy { $0.reason.contains("NaN") }, "\(report.failures)")
        #expect(try index.info().images == 0)
        #expect(index.addTexts(["a cat"], using: pipeline).added == 1)
        #expect(try index.verify().isEmpty)
    }
}
