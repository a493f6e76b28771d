import Foundation

/// Recycles tensor buffers by exact size, so a forward pass that repeats the same shapes layer after layer
/// and batch after batch stops allocating (and stops page-faulting fresh memory) after its first pass.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()

    /// Idle buffers kept at most, in bytes; beyond this a returned buffer is freed.
    private let limit = 1 << 30
    private var idle: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var idleBytes = 0
    private let lock = NSLock()

    /// A buffer of exactly `count` floats, contents undefined.
    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        if let buffer = idle[count]?.popLast() {
            idleBytes -= count * 4
            lock.unlock()
            return buffer
        }
        lock.unlock()
        return .allocate(capacity: count)
    }

    /// Hands a buffer back for reuse (or frees it when the pool is full).
    func give(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        lock.lock()
        if idleBytes + count * 4 <= limit {
            idle[count, default: []].append(buffer)
            idleBytes += count * 4
            lock.unlock()
        } else {
            lock.unlock()
            buffer.deallocate()
        }
    }
}
