import Foundation

/// Keeps a few large pixel buffers alive between images. Without it glibc hands each multi-megabyte
/// buffer back to the kernel when the image is done and faults it in again for the next one, which
/// costs 15–25% of the time on small photos. Buffers are plain arrays, so value semantics still hold:
/// a buffer someone else still references is copied on write, never shared.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Buffers above this size are left to the allocator (keeps the pool's footprint bounded).
    private let largest = 32 << 20
    private let capacity = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
    private var free: [[UInt8]] = []
    private let lock = NSLock()

    /// A buffer of exactly `count` bytes with unspecified contents.
    func take(count: Int) -> [UInt8] {
        lock.lock()
        var best = -1
        for i in free.indices where free[i].capacity >= count {
            if best < 0 || free[i].capacity < free[best].capacity { best = i }
        }
        let found = best >= 0 ? free.remove(at: best) : nil
        lock.unlock()
        guard var reused = found else { return [UInt8](repeating: 0, count: count) }
        if reused.count > count {
            reused.removeLast(reused.count - count)
        } else if reused.count < count {
            reused.append(contentsOf: repeatElement(0, count: count - reused.count))
        }
        return reused
    }

    /// Offers `buffer` for reuse.
    func give(_ buffer: [UInt8]) {
        guard buffer.capacity >= 64 << 10, buffer.capacity <= largest else { return }
        lock.lock()
        defer { lock.unlock() }
        if free.count >= capacity {
            guard let smallest = free.indices.min(by: { free[$0].capacity < free[$1].capacity }),
                  free[smallest].capacity < buffer.capacity else { return }
            free.remove(at: smallest)
        }
        free.append(buffer)
    }
}

extension RGBImage {
    /// Hands this image's pixel storage back for reuse by later decodes and resizes; call it when
    /// the image is no longer needed in a loop over many images.
    public consuming func recycle() {
        BufferPool.shared.give(pixels)
    }
}
