import Dispatch
import Foundation

/// How many threads the kernels split work across; shared by every model in the process.
///
/// One threading model: we parallelise (GEMM row or column panels, attention heads, row-wise kernels)
/// and the BLAS library runs single-threaded inside each of our chunks, so the two never oversubscribe
/// the cores or leave BLAS worker threads spinning between calls.
public enum Compute {
    nonisolated(unsafe) private static var threadCount = defaultThreads

    /// All cores the process may use.
    public static let defaultThreads = max(1, ProcessInfo.activeCores)

    /// The number of threads kernels use; at least 1.
    public static var threads: Int {
        get { threadCount }
        set {
            threadCount = max(1, newValue)
            BLAS.pinSingleThreaded()
        }
    }

    /// Runs `body` over `0..<count` split into at most `threads` contiguous ranges, in parallel when the
    /// work is large enough to pay for the fork (`cost` is an estimate of the whole job in flops).
    public static func parallelFor(_ count: Int, cost: Double, _ body: @Sendable (Range<Int>) -> Void) {
        let chunks = min(count, cost < minimumParallelCost ? 1 : threads)
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        BLAS.pinSingleThreaded()
        DispatchQueue.concurrentPerform(iterations: chunks) { i in
            body((count * i / chunks)..<(count * (i + 1) / chunks))
        }
    }

    /// Below about 200 µs of work a fork–join costs more than it saves on this class of machine.
    static let minimumParallelCost: Double = 2e7
}

extension ProcessInfo {
    /// Cores available to this process (Foundation honours CPU affinity on Linux).
    static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

extension Compute {
    /// `body(i)` for every `i` in `0..<count`, spread over `threads` workers, results in index order.
    /// For independent coarse work such as decoding one image per index.
    public static func map<T>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        let shared = SendableBuffer(slots)
        let workers = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: max(workers, 1)) { w in
            // Each worker owns the indices congruent to w, so no two write the same slot.
            for i in stride(from: w, to: count, by: max(workers, 1)) { shared.buffer[i] = body(i) }
        }
        return slots.map { $0! }
    }
}

/// A buffer handed to parallel workers that write disjoint indices.
private struct SendableBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T?>
    init(_ buffer: UnsafeMutableBufferPointer<T?>) { self.buffer = buffer }
}

/// A value computed on a background thread while the caller does other work (decoding the next batch while the
/// model runs this one); `wait()` hands it over once it is ready.
public final class Background<Value>: @unchecked Sendable {
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    /// Starts `work` on a global queue at once.
    public init(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async {
            self.value = work()
            self.done.signal()
        }
    }

    /// Blocks until the value is ready, then returns it (the semaphore orders the write before this read).
    public func wait() -> Value {
        done.wait()
        done.signal()   // a second wait returns at once
        return value!
    }
}
