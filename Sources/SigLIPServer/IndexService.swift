import Foundation
import ImageIO
import SigLIP
import SigLIPIndex

/// The index behind the API: one lock around `SiglipIndex` (which is not thread-safe), additions run on the
/// model thread, and uploaded images are kept under the index directory so search results can show them.
final class IndexService: @unchecked Sendable {
    private let index: SiglipIndex
    private let lock = NSLock()
    /// Where uploads are stored: `<index>/uploads/<sha256>.<ext>`.
    let uploads: URL
    /// Confinement for server-side paths, or nil when no root was configured.
    let root: ConfinedPaths?

    init(directory: URL, model: any ImageTextModel, root: URL?) throws {
        index = try SiglipIndex(directory: directory, creatingFor: model)
        uploads = directory.appendingPathComponent("uploads")
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        self.root = try root.map { try ConfinedPaths(root: $0) }
    }

    /// Runs `body` with the index locked.
    func locked<T>(_ body: (SiglipIndex) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(index)
    }

    /// Where an upload with these bytes is stored (named by content, so the same image is stored once).
    func uploadURL(for data: Data) -> URL {
        let hash = SiglipIndex.contentHash(data)
        let ext: String
        switch data.first {
        case 0xFF: ext = "jpg"
        case 0x89: ext = "png"
        case 0x47: ext = "gif"
        default: ext = "webp"
        }
        return uploads.appendingPathComponent("\(hash).\(ext)")
    }

    /// The name clients see for a stored path: relative to the root, "uploads/<file>" for uploads, texts as they are.
    func display(_ item: IndexedItem) -> String {
        guard item.kind == .image else { return item.path }
        if item.path.hasPrefix(uploads.path + "/") { return "uploads/" + URL(fileURLWithPath: item.path).lastPathComponent }
        if let root, root.contains(item.path) { return root.display(item.path) }
        return URL(fileURLWithPath: item.path).lastPathComponent
    }

    /// Replaces absolute paths in a failure reason with the names clients know.
    func scrub(_ reason: String) -> String {
        var text = reason.replacingOccurrences(of: uploads.path + "/", with: "uploads/")
        if let root { text = text.replacingOccurrences(of: root.root + "/", with: "") }
        return text
    }
}
