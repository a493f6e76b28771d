import Foundation

/// Writes that survive `kill -9` and power loss: data goes to a temporary file in the same folder, is flushed,
/// then renamed over the target, and the folder is flushed so the rename itself is on disk.
enum DurableFiles {
    /// The temporary name a file is written under before it is renamed into place.
    static func temporary(for url: URL) -> URL { url.appendingPathExtension("partial") }

    /// Flushes the file or folder at `url` to disk.
    static func sync(_ url: URL) throws {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { throw TrainingError("\(url.path): cannot open to flush (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw TrainingError("\(url.path): fsync failed (\(String(cString: strerror(errno))))") }
    }

    /// Renames `from` over `to` (replacing it in one step, as rename(2) does).
    static func replace(_ to: URL, with from: URL) throws {
        guard rename(from.path, to.path) == 0 else {
            throw TrainingError("\(to.path): cannot rename \(from.lastPathComponent) into place (\(String(cString: strerror(errno))))")
        }
    }

    /// Runs `write` on a temporary path beside `url`, flushes that file and renames it to `url`.
    /// The caller flushes the folder once after its renames.
    static func write(to url: URL, _ write: (URL) throws -> Void) throws {
        let partial = temporary(for: url)
        try? FileManager.default.removeItem(at: partial)
        try write(partial)
        try sync(partial)
        try replace(url, with: partial)
    }

    /// Makes `url` name the same file as `target` (a hard link, so no second copy of the bytes; a copy where
    /// the file system has no hard links), replacing what `url` named in one step.
    static func link(_ url: URL, to target: URL) throws {
        try write(to: url) { partial in
            do { try FileManager.default.linkItem(at: target, to: partial) } catch {
                try FileManager.default.copyItem(at: target, to: partial)
            }
        }
    }
}
