import Foundation

/// Progress of long work on standard error: a redrawn bar with count, rate and ETA on a terminal, and plain
/// periodic lines otherwise (so logs stay readable). Safe to call from several threads.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let bytes: Bool
    private let start = Date()
    private let interactive = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastDraw = Date.distantPast

    /// A bar for `total` items, or for `total` bytes (shown in MB) when `bytes` is set.
    init(_ label: String, total: Int, bytes: Bool = false) {
        self.label = label
        self.total = total
        self.bytes = bytes
    }

    /// Reports that `done` of `total` items are finished.
    func update(_ done: Int) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let finished = done >= total
        guard finished || now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : 5) else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        // A rate over less than a fraction of a second says nothing; wait for a real one.
        let rate = elapsed > 0.25 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let speed = rate > 0 ? (bytes ? String(format: "%.1f MB/s", rate / 1e6) : String(format: "%.1f/s", rate)) : "-/s"
        let count = bytes ? String(format: "%.1f/%.1f MB", Double(done) / 1e6, Double(total) / 1e6) : "\(done)/\(total)"
        let figures = "\(count)  \(speed)  " + (finished ? "in \(Self.clock(elapsed))" : rate > 0 ? "ETA \(Self.clock(eta))" : "")
        if interactive {
            let width = 30, filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(bar) \(figures)\u{1B}[K\(finished ? "\n" : "")".utf8))
        } else {
            FileHandle.standardError.write(Data("\(label): \(figures)\n".utf8))
        }
    }

    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
