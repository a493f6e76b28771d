import ArgumentParser
import SigLIP

/// The ranges the size and count flags accept: past them a run could only fail later, mid-allocation.
enum Limits {
    /// `--image-size`: the library's own bound (the checkpoint's patch size is checked when the model is loaded).
    static let imageSide = 1...SiglipPipeline.maximumImageSide
    /// `--batch-size` of the embedding commands: 1,024 base-224 images are ~3 GB of activations.
    static let batchSize = 1...1024
    /// `--threads`.
    static let threads = 1...256
    /// `-k` of search.
    static let results = 1...100_000
}

/// Refuses a flag value outside `range`, naming the flag: a usage error, exit status 64.
func require<T: Comparable>(_ value: T?, in range: ClosedRange<T>, _ flag: String, why: String = "") throws {
    guard let value else { return }
    guard range.contains(value) else {
        throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound)\(why), not \(value)")
    }
}
