import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped into memory, private and copy-on-write: pages are read from disk on first
/// touch, and writing through a borrowed tensor never changes the file. Unmapped when released.
final class MappedFile: @unchecked Sendable {
    let url: URL
    let base: UnsafeMutableRawPointer
    let size: Int

    init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw SafeTensorsError(file: url, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SafeTensorsError(file: url, reason: "cannot stat: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SafeTensorsError(file: url, reason: "not a regular file") }
        let size = Int(info.st_size)
        guard size >= 8 else { throw SafeTensorsError(file: url, reason: "file is \(size) bytes, too short for a safetensors header") }
        let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw SafeTensorsError(file: url, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        self.base = mapped
        self.size = size
    }

    deinit { munmap(base, size) }
}
