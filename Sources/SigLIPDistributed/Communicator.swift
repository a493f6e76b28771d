import CMPIShim
import Foundation

/// An MPI failure, with MPI's own description of the error code.
public struct DistributedError: Error, CustomStringConvertible {
    /// What failed and why.
    public let description: String

    init(_ description: String) { self.description = description }

    init(_ operation: String, code: Int32) {
        var text = [CChar](repeating: 0, count: 512)
        shim_error_string(code, &text, Int32(text.count))
        description = "MPI \(operation) failed: \(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) (code \(code))"
    }
}

/// The processes of an MPI job (MPI_COMM_WORLD): this one's rank, their number, and the few collective
/// operations data-parallel training needs. Calls must come from the thread that created it.
public final class Communicator: @unchecked Sendable {
    /// This process's index, 0 ..< size.
    public let rank: Int
    /// The number of processes.
    public let size: Int
    /// Seconds spent inside MPI calls since the last `resetClock()`: communication, and waiting for slower ranks.
    public private(set) var seconds: Double = 0

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    nonisolated(unsafe) private static var shared: Communicator?

    /// Initialises MPI on first use (a process started without mpirun is a world of one) and returns the world.
    public static func world() throws -> Communicator {
        if let shared { return shared }
        var rank: Int32 = 0, size: Int32 = 0
        let code = shim_init(&rank, &size)
        guard code == 0 else { throw DistributedError("init", code: code) }
        let world = Communicator(rank: Int(rank), size: Int(size))
        shared = world
        return world
    }

    /// Ends MPI; every rank calls it once, after its last collective operation.
    public func finalize() {
        if shim_is_active() != 0 { _ = shim_finalize() }
    }

    /// Ends every rank of the job (one rank's error would otherwise leave the others waiting for it for ever).
    public func abort(code: Int32) -> Never {
        shim_abort(code)
        exit(code)
    }

    /// Sets the communication clock back to zero.
    public func resetClock() { seconds = 0 }

    private func timed(_ operation: String, _ call: () -> Int32) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let code = call()
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard code == 0 else { throw DistributedError(operation, code: code) }
    }

    /// Replaces `buffer[0..<count]` on every rank by its element-wise sum over the ranks.
    public func allReduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        try timed("allreduce") { shim_allreduce_sum_float(buffer, count) }
    }

    /// Replaces `values` on every rank by their element-wise sum over the ranks.
    public func allReduceSum(_ values: inout [Double]) throws {
        let count = values.count
        try values.withUnsafeMutableBufferPointer { buffer in
            try timed("allreduce") { shim_allreduce_sum_double(buffer.baseAddress, count) }
        }
    }

    /// Every rank's `value`, in rank order.
    public func allGather(_ value: Int) throws -> [Int] {
        guard let narrow = Int32(exactly: value) else { throw DistributedError("allgather: \(value) does not fit an MPI int") }
        var values = [Int32](repeating: 0, count: size)
        try values.withUnsafeMutableBufferPointer { buffer in
            try timed("allgather") { shim_allgather_int(narrow, buffer.baseAddress) }
        }
        return values.map(Int.init)
    }

    /// Sends `sendCount` floats to rank `destination` while receiving `receiveCount` floats from rank `source`.
    public func sendReceive(_ send: UnsafePointer<Float>, count sendCount: Int, to destination: Int,
                            into receive: UnsafeMutablePointer<Float>, count receiveCount: Int, from source: Int, tag: Int) throws {
        guard let s = Int32(exactly: sendCount), let r = Int32(exactly: receiveCount) else {
            throw DistributedError("sendrecv: \(sendCount) or \(receiveCount) floats do not fit an MPI count")
        }
        try timed("sendrecv") { shim_sendrecv_float(send, s, Int32(destination), receive, r, Int32(source), Int32(tag)) }
    }

    /// Waits until every rank gets here.
    public func barrier() throws {
        try timed("barrier") { shim_barrier() }
    }
}
