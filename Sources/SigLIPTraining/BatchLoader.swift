import Dispatch
import Foundation
import SigLIP
import Tensor

/// A batch read from files, with the examples that could not be used and why.
public struct LoadedBatch: Sendable {
    /// The usable pairs; nil when none could be read.
    public let batch: TrainingBatch?
    /// The examples in the batch, in row order.
    public let examples: [TrainingExample]
    /// Examples left out (missing or corrupt images), with the error to report.
    public let skipped: [(example: TrainingExample, error: String)]
}

/// Turns examples into model inputs: images decoded and preprocessed in parallel, captions tokenised.
public struct BatchLoader: Sendable {
    /// The checkpoint's image preprocessing.
    public let processor: SiglipImageProcessor
    /// The checkpoint's tokenizer, padding to the text tower's length.
    public let tokenizer: SiglipTokenizer
    /// Random crops and flips applied before preprocessing, or nil for none.
    public let augmentation: Augmentation?

    /// A loader from the model's own pipelines.
    public init(processor: SiglipImageProcessor, tokenizer: SiglipTokenizer, augmentation: Augmentation? = nil) {
        self.processor = processor
        self.tokenizer = tokenizer
        self.augmentation = augmentation
    }

    /// The same loader with augmentation off (for evaluation).
    public var withoutAugmentation: BatchLoader { BatchLoader(processor: processor, tokenizer: tokenizer) }

    /// Reads `examples` (augmented as drawn for `epoch`); an image that fails is skipped (and listed) rather
    /// than failing the batch.
    public func load(_ examples: [TrainingExample], epoch: Int = 0) -> LoadedBatch {
        let size = processor.outputSize
        let pixels: [Result<[Float], Error>]
        if let augmentation {
            let processor = processor
            pixels = Compute.map(examples.count) { i in
                Result {
                    let image = try processor.decoder.decode(contentsOf: examples[i].image)
                    return try processor.pixelValues(image: augmentation.apply(image, path: examples[i].image.path, epoch: epoch), size: size)
                }
            }
        } else {
            pixels = processor.pixelValues(contentsOf: examples.map(\.image), size: size, threads: Compute.threads)
        }
        var kept: [TrainingExample] = [], values: [Float] = [], skipped: [(example: TrainingExample, error: String)] = []
        for (example, result) in zip(examples, pixels) {
            switch result {
            case .success(let v): kept.append(example); values += v
            case .failure(let error): skipped.append((example, "\(error)"))
            }
        }
        guard !kept.isEmpty else { return LoadedBatch(batch: nil, examples: [], skipped: skipped) }
        let batch = TrainingBatch(pixelValues: Tensor(shape: [kept.count, 3, size.height, size.width], values: values),
                                  inputIDs: kept.map { tokenizer.encode($0.caption).map(Int.init) })
        return LoadedBatch(batch: batch, examples: kept, skipped: skipped)
    }
}

/// Loads batches one ahead on a background queue, so decoding overlaps the training step.
public final class Prefetcher: @unchecked Sendable {
    private let loader: BatchLoader
    private var pending: [[TrainingExample]]
    private var inFlight: Background<LoadedBatch>?

    private let epoch: Int

    /// Prefetches `batches` of `epoch` in order, starting with the first right away.
    public init(loader: BatchLoader, batches: [[TrainingExample]], epoch: Int = 0) {
        self.loader = loader
        self.epoch = epoch
        pending = batches.reversed()
        startNext()
    }

    /// The next batch (waiting for it if it is still loading), or nil at the end; starts loading the one after.
    public func next() -> LoadedBatch? {
        guard let batch = inFlight?.wait() else { return nil }
        inFlight = nil
        startNext()
        return batch
    }

    private func startNext() {
        guard let examples = pending.popLast() else { return }
        let loader = loader, epoch = epoch
        inFlight = Background { loader.load(examples, epoch: epoch) }
    }
}
