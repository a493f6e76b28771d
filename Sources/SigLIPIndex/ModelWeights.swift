import Crypto
import Foundation

/// A checkpoint's weights files and their SHA-256: what tells two checkpoints apart when their folder name and
/// config.json agree (a fine-tuned copy, say), so that an index never mixes their embeddings.
struct ModelWeights {
    /// The safetensors files, in hashing order: `model.safetensors`, or the shards the index file names, sorted.
    let files: [URL]

    /// Bytes read per call while hashing: large enough that the hash, not the calls, sets the pace.
    static let blockSize = 8 << 20

    /// The weights files of the checkpoint in `directory`.
    init(directory: URL) throws {
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        guard FileManager.default.fileExists(atPath: index.path) else {
            files = [directory.appendingPathComponent("model.safetensors")]
            return
        }
        let json = try? JSONSerialization.jsonObject(with: Data(contentsOf: index))
        guard let map = (json as? [String: Any])?["weight_map"] as? [String: String] else {
            throw IndexError("\(index.path): no weight_map naming the weights files")
        }
        files = Set(map.values).sorted().map { directory.appendingPathComponent($0) }
    }

    /// Path, size, inode, mtime and ctime of every file: when it equals the stamp recorded beside a hash, the
    /// files are the ones hashed (rewriting a file in place changes its ctime even if the mtime is restored).
    func stamp() throws -> String {
        try files.map { file in
            var info = stat()
            guard stat(file.path, &info) == 0 else {
                throw IndexError("\(file.path): cannot read the model weights: \(String(cString: strerror(errno)))")
            }
            return "\(file.standardizedFileURL.path)|\(info.st_size)|\(info.st_dev)|\(info.st_ino)"
                + "|\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)|\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
        }.joined(separator: "\n")
    }

    /// SHA-256 over the files' bytes end to end (for one file, what `sha256sum model.safetensors` prints),
    /// read in `blockSize` blocks into one reused buffer.
    func hash() throws -> String {
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockSize, alignment: 64)
        defer { buffer.deallocate() }
        for file in files {
            let fd = open(file.path, O_RDONLY)
            guard fd >= 0 else { throw IndexError("\(file.path): cannot read the model weights: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            while true {
                let n = read(fd, buffer.baseAddress, Self.blockSize)
                if n == 0 { break }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IndexError("\(file.path): reading the model weights failed: \(String(cString: strerror(errno)))")
                }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            }
        }
        return SiglipIndex.hex(hasher.finalize())
    }
}
