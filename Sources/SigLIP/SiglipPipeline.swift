import Foundation
import Tensor

/// A model with its input pipelines: image files and texts in, one embedding (or error) per input out.
///
/// Inputs are processed in batches; an input that fails (an unreadable image, say) yields its error in its
/// place while the rest of the batch still runs.
public final class SiglipPipeline: Sendable {
    /// The model.
    public let model: SiglipModel
    private let imageProcessorResult: Result<SiglipImageProcessor, SiglipError>

    /// Loads the model and its `preprocessor_config.json` from a checkpoint directory. A missing or invalid
    /// preprocessor config only fails image inputs, not the model.
    public init(directory: URL) throws {
        model = try SiglipModel(directory: directory)
        do {
            imageProcessorResult = .success(try SiglipImageProcessor(directory: directory))
        } catch {
            imageProcessorResult = .failure(SiglipError("\(error)"))
        }
    }

    /// The image processor from `preprocessor_config.json`.
    public func imageProcessor() throws -> SiglipImageProcessor { try imageProcessorResult.get() }

    /// The square side images are resized to for `size`, or the processor's configured size.
    private func targetSize(_ side: Int?) throws -> (height: Int, width: Int) {
        if let side { return (side, side) }
        return try imageProcessor().outputSize
    }

    /// Pixel tensors `[3, H, W]` for image files, decoded and resized in parallel; `side` overrides the size.
    public func pixelValues(for urls: [URL], side: Int? = nil) -> [Result<Tensor, Error>] {
        let processor: SiglipImageProcessor, size: (height: Int, width: Int)
        do { (processor, size) = (try imageProcessor(), try targetSize(side)) } catch {
            return urls.map { _ in .failure(error) }
        }
        return Compute.map(urls.count) { i in
            Result { Tensor(shape: [3, size.height, size.width], values: try processor.pixelValues(contentsOf: urls[i], size: size)) }
        }
    }

    /// Image embeddings for image files, `batchSize` at a time; `side` runs the model at another resolution.
    public func imageEmbeddings(for urls: [URL], batchSize: Int = 16, side: Int? = nil, normalized: Bool = true) -> [Result<[Float], Error>] {
        var results: [Result<[Float], Error>] = []
        for start in stride(from: 0, to: urls.count, by: max(batchSize, 1)) {
            let pixels = pixelValues(for: Array(urls[start..<min(start + batchSize, urls.count)]), side: side)
            results += embed(pixels) { batch in try self.model.imageEmbeddings(pixelValues: batch, normalized: normalized) }
        }
        return results
    }

    /// Runs the successful inputs of a batch as one tensor and slots the outputs back among the failures.
    private func embed(_ inputs: [Result<Tensor, Error>], _ run: (Tensor) throws -> Tensor) -> [Result<[Float], Error>] {
        let ready = inputs.compactMap { try? $0.get() }
        guard let first = ready.first else { return inputs.map { $0.map { _ in [] } } }
        if ready.contains(where: { $0.shape != first.shape }) {
            // Images kept at their own sizes (do_resize false) cannot share a batch.
            return inputs.map { input in input.flatMap { one in Result { try run(one.reshaped([1] + one.shape)).scalars } } }
        }
        let batch: Tensor
        do {
            batch = try run(Tensor.concatenatingRows(ready.map { $0.reshaped([1, $0.count]) }).reshaped([ready.count] + first.shape))
        } catch {
            return inputs.map { $0.flatMap { _ in .failure(error) } }
        }
        var next = 0
        return inputs.map { input in
            input.map { _ in
                defer { next += 1 }
                return batch.rows(next..<(next + 1)).scalars
            }
        }
    }
}
