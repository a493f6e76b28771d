import Foundation
import Testing

/// `siglip index` and `siglip search` on files that change under them, on broken models and on bad options.
@Suite("siglip index keeps in step with the files and refuses what would break it")
struct IndexCLITests {
    static let photos = ["photo_chelsea_q90.jpg", "photo_rocket.jpg", "photo_camera_gray.jpg", "jpeg_420.jpg"]
        .map { CLI.fixtures.appendingPathComponent("images/files/\($0)") }

    func scratch(_ name: String) -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)") }

    /// A folder of three photos: a.jpg, b.jpg, c.jpg.
    func photoFolder() throws -> URL {
        let folder = scratch("photos")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, source) in zip(["a.jpg", "b.jpg", "c.jpg"], Self.photos) {
            try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent(name))
        }
        return folder
    }

    /// tiny-siglip copied under its own name with its last weight set to `value` (a different checkpoint with
    /// the same folder name and config.json).
    func modelCopy(lastWeight value: Float) throws -> (model: URL, scratch: URL) {
        let root = scratch("model"), model = root.appendingPathComponent("tiny-siglip")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: CLI.model("tiny-siglip")), to: model)
        let handle = try FileHandle(forUpdating: model.appendingPathComponent("model.safetensors"))
        defer { try? handle.close() }
        try handle.seek(toOffset: try handle.seekToEnd() - 4)
        try handle.write(contentsOf: withUnsafeBytes(of: value.bitPattern.littleEndian) { Data($0) })
        return (model, root)
    }

    func text(_ out: CLI.Output) -> String { out.lines.compactMap { $0["unparsed"] as? String }.joined(separator: "\n") }

    @Test func verifyFailsOnStaleFilesAndAddingTheFolderAgainFixesThem() throws {
        let index = scratch("index"), photos = try photoFolder()
        defer { try? FileManager.default.removeItem(at: index); try? FileManager.default.removeItem(at: photos) }
        let add = ["index", "add", "--index", index.path, "--model", CLI.model("tiny-siglip"), photos.path]
        #expect(try CLI.run(add).status == 0)
        #expect(try CLI.run(["index", "verify", "--index", index.path]).status == 0)
        try FileManager.default.moveItem(at: photos.appendingPathComponent("b.jpg"), to: photos.appendingPathComponent("d.jpg"))
        try FileManager.default.removeItem(at: photos.appendingPathComponent("c.jpg"))
        let stale = try CLI.run(["index", "verify", "--index", index.path])
        #expect(stale.status == 1 && stale.stderr.contains("c.jpg") && stale.stderr.contains("d.jpg"), "\(stale.stderr)")
        let again = try CLI.run(add)
        #expect(again.status == 0 && text(again).contains("renamed 1") && text(again).contains("removed 1"), "\(text(again)) \(again.stderr)")
        #expect(try CLI.run(["index", "verify", "--index", index.path]).status == 0)
    }

    @Test func linkedFilesAreCounted() throws {
        let index = scratch("index"), links = scratch("links")
        defer { try? FileManager.default.removeItem(at: index); try? FileManager.default.removeItem(at: links) }
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        for (i, photo) in Self.photos.prefix(2).enumerated() {
            try FileManager.default.createSymbolicLink(at: links.appendingPathComponent("\(i).jpg"), withDestinationURL: photo)
        }
        let out = try CLI.run(["index", "add", "--index", index.path, "--model", CLI.model("tiny-siglip"), links.path])
        #expect(out.status == 0 && text(out).contains("added 2"), "\(text(out)) \(out.stderr)")
    }

    @Test func anIVFTooLargeForTheCollectionIsRefusedAndSearchStillWorks() throws {
        let index = scratch("index"), photos = try photoFolder()
        defer { try? FileManager.default.removeItem(at: index); try? FileManager.default.removeItem(at: photos) }
        let out = try CLI.run(["index", "add", "--index", index.path, "--model", CLI.model("tiny-siglip"), "--ann", "IVF100000,Flat", photos.path])
        #expect(out.status != 0 && out.stderr.contains("100000"), "\(out.stderr)")
        let search = try CLI.run(["search", "--index", index.path, "--text", "a cat", "-k", "3", "--json"])
        #expect(search.status == 0 && search.lines.count == 3, "\(search.stderr)")
    }

    @Test func nonFiniteEmbeddingsFailTheirFilesAndTheRun() throws {
        let index = scratch("index"), photos = try photoFolder()
        let (broken, root) = try modelCopy(lastWeight: .nan)
        defer { for url in [index, photos, root] { try? FileManager.default.removeItem(at: url) } }
        let out = try CLI.run(["index", "add", "--index", index.path, "--model", broken.path, photos.path])
        #expect(out.status == 1 && text(out).contains("added 0"), "\(text(out)) \(out.stderr)")
        for name in ["a.jpg", "b.jpg", "c.jpg"] { #expect(out.stderr.contains(name), "\(out.stderr)") }
    }

    @Test func anotherCheckpointWithTheSameNameAndConfigIsRefused() throws {
        let index = scratch("index"), photos = try photoFolder()
        let (other, root) = try modelCopy(lastWeight: 2)
        defer { for url in [index, photos, root] { try? FileManager.default.removeItem(at: url) } }
        #expect(try CLI.run(["index", "add", "--index", index.path, "--model", CLI.model("tiny-siglip"), photos.path]).status == 0)
        let out = try CLI.run(["index", "add", "--index", index.path, "--model", other.path, Self.photos[3].path])
        #expect(out.status == 1 && out.stderr.contains(other.path), "\(out.stderr)")
        let search = try CLI.run(["search", "--index", index.path, "--model", other.path, "--text", "a cat"])
        #expect(search.status == 1, "\(search.stderr)")
    }
}
