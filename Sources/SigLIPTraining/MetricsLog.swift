import Foundation

/// `metrics.jsonl` of a run: one JSON object per line, each with the `step` it belongs to.
public enum MetricsLog {
    /// Keeps only the complete lines of `url` whose step is at most `step`, so a resumed run appends after its
    /// checkpoint instead of after rows of steps it is about to repeat (or a line cut off by `kill -9`).
    /// Returns how many lines were dropped; a missing file is left missing.
    @discardableResult
    public static func truncate(_ url: URL, afterStep step: Int) throws -> Int {
        guard let data = try? Data(contentsOf: url) else { return 0 }
        var kept: [Substring] = [], dropped = 0
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // The text after the last newline is either empty or a line the killed run never finished.
        if let last = lines.popLast(), !last.isEmpty { dropped += 1 }
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let rowStep = object?["step"] as? Int, rowStep <= step { kept.append(line) } else { dropped += 1 }
        }
        guard dropped > 0 else { return 0 }
        let rest = Data(kept.map { $0 + "\n" }.joined().utf8)
        try DurableFiles.write(to: url) { try rest.write(to: $0) }
        return dropped
    }
}
