import Dispatch
import Foundation

extension SiglipImageProcessor {
    /// Pixel tensors for many files, decoded in parallel on up to `threads` threads (default: all cores).
    /// Each file gets its own result, so one unreadable image does not stop the others.
    public func pixelValues(contentsOf urls: [URL], size: (height: Int, width: Int)? = nil,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Result<[Float], Error>] {
        let results = ResultSlots(count: urls.count)
        let workers = max(1, min(threads, urls.count))
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: urls.count) {
                results.set(i, Result { try pixelValues(contentsOf: urls[i], size: size) })
            }
        }
        return results.values
    }
}

/// Hands out indices 0, 1, 2, ... to whichever worker asks first.
private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// One slot per file; each index is written by exactly one worker.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<[Float], Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ result: Result<[Float], Error>) {
        lock.lock()
        slots[i] = result
        lock.unlock()
    }

    var values: [Result<[Float], Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0 ?? .failure(SiglipError("internal error: an image was not processed")) }
    }
}
