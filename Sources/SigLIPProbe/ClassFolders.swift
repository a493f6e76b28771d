import Foundation
import Tensor

/// A labelled image set laid out one folder per class: `DIR/<label>/<image>`. Labels are the folder names in
/// sorted order; images are the files in each folder (not below) with an image extension, sorted by name.
public struct ClassFolders: Sendable {
    /// The data set's directory.
    public let directory: URL
    /// Class labels: the folder names, sorted.
    public let labels: [String]
    /// Every image, class by class.
    public let files: [URL]
    /// The label index of each file.
    public let classes: [Int]

    /// The extensions taken as images (case-insensitive); other files are ignored.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif"]

    /// Lists the class folders under `directory`; refuses a directory without any, and a class folder without images.
    public init(directory: URL) throws {
        self.directory = directory
        let manager = FileManager.default
        func list(_ url: URL) throws -> [String] {
            do { return try manager.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted() } catch {
                throw ProbeError("\(url.path): cannot list the directory (\(Self.reason(error)))")
            }
        }
        func isDirectory(_ url: URL) -> Bool {
            var flag: ObjCBool = false
            return manager.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
        }
        let labels = try list(directory).filter { isDirectory(directory.appendingPathComponent($0)) }
        guard !labels.isEmpty else { throw ProbeError("\(directory.path): no class folders (expected one folder of images per class)") }
        var files: [URL] = [], classes: [Int] = []
        for (index, label) in labels.enumerated() {
            let folder = directory.appendingPathComponent(label)
            let images = try list(folder).map { folder.appendingPathComponent($0) }
                .filter { Self.imageExtensions.contains($0.pathExtension.lowercased()) && !isDirectory($0) }
            guard !images.isEmpty else { throw ProbeError("\(folder.path): no images (\(Self.imageExtensions.sorted().joined(separator: ", ")))") }
            files += images
            classes += Array(repeating: index, count: images.count)
        }
        self.labels = labels
        self.files = files
        self.classes = classes
    }

    /// A stratified split of the file indices: in each class, `fraction` of its files (rounded, and always leaving one
    /// for training) chosen by a shuffle seeded with `seed`, the same on every platform.
    public func split(validationFraction fraction: Double, seed: UInt64) -> (train: [Int], validation: [Int]) {
        var generator = SplitMix64(seed: seed)
        var train: [Int] = [], validation: [Int] = []
        for label in labels.indices {
            var members = classes.indices.filter { classes[$0] == label }
            // Fisher–Yates with our own generator: the standard library's shuffle may change between releases.
            for i in stride(from: members.count - 1, to: 0, by: -1) { members.swapAt(i, generator.int(below: i + 1)) }
            let held = min(Int((Double(members.count) * fraction).rounded()), members.count - 1)
            validation += members.prefix(max(held, 0))
            train += members.dropFirst(max(held, 0))
        }
        return (train.sorted(), validation.sorted())
    }

    private static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let posix = (ns.userInfo[NSUnderlyingErrorKey] as? NSError), posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return ns.localizedDescription
    }
}
