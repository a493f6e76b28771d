import Foundation

/// One image–caption pair to train on.
public struct TrainingExample: Sendable, Equatable {
    /// The image file.
    public let image: URL
    /// The caption describing it.
    public let caption: String

    /// A pair.
    public init(image: URL, caption: String) {
        self.image = image
        self.caption = caption
    }
}

/// Reading the two training-data layouts.
public enum TrainingData {
    /// JSON Lines of `{"image": PATH, "text": CAPTION}`, paths relative to the file's folder; blank lines are
    /// skipped, and a malformed line is an error naming its line number.
    public static func jsonLines(at url: URL) throws -> [TrainingExample] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TrainingError("\(url.path): cannot read (\(error.localizedDescription))")
        }
        let base = url.deletingLastPathComponent()
        var examples: [TrainingExample] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let path = object["image"] as? String, let caption = object["text"] as? String else {
                throw TrainingError("\(url.path):\(number + 1): expected {\"image\": PATH, \"text\": CAPTION}")
            }
            let image = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
            examples.append(TrainingExample(image: image, caption: caption))
        }
        return examples
    }

    /// One folder per class under `root`, captioned by `template` with `{}` replaced by the folder name
    /// (underscores read as spaces); folders and files are taken in name order, hidden ones skipped.
    public static func classFolders(at root: URL, template: String = "a photo of a {}.") throws -> [TrainingExample] {
        let files = FileManager.default
        func visible(_ url: URL) throws -> [URL] {
            try files.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                .filter { !$0.lastPathComponent.hasPrefix(".") }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        var examples: [TrainingExample] = []
        for folder in try visible(root) where (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            let label = folder.lastPathComponent.replacingOccurrences(of: "_", with: " ")
            let caption = template.replacingOccurrences(of: "{}", with: label)
            examples += try visible(folder).map { TrainingExample(image: $0, caption: caption) }
        }
        guard !examples.isEmpty else { throw TrainingError("\(root.path): no class folders with images") }
        return examples
    }
}

/// Which examples make up each batch of each epoch: a seeded Fisher–Yates shuffle per epoch (the same for the
/// same seed on every platform and Swift version), or the file order with `shuffle` off.
public struct BatchOrder: Sendable {
    /// How many examples there are.
    public let count: Int
    /// Examples per batch; the last batch of an epoch may be smaller.
    public let batchSize: Int
    /// The shuffling seed.
    public let seed: UInt64
    /// Whether to shuffle at all.
    public let shuffle: Bool

    /// An order over `count` examples.
    public init(count: Int, batchSize: Int, seed: UInt64, shuffle: Bool = true) {
        precondition(batchSize > 0, "BatchOrder: batch size must be positive")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
    }

    /// The example indices of every batch of `epoch` (counting from 0).
    public func batches(epoch: Int) -> [[Int]] {
        var order = Array(0..<count)
        if shuffle {
            var random = WeightGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
            for i in stride(from: count - 1, to: 0, by: -1) {
                order.swapAt(i, random.below(i + 1))
            }
        }
        return stride(from: 0, to: count, by: batchSize).map { Array(order[$0..<min($0 + batchSize, count)]) }
    }
}
