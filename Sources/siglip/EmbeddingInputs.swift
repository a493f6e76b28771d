import Foundation
import NPY
import SigLIP
import Tensor

/// Runs rows of `.npy` inputs through the model in batches, reporting each row's result or error.
struct EmbeddingInputs {
    let model: any ImageTextModel
    let batchSize: Int
    let normalized: Bool

    /// Image embeddings of a pixel tensor `[N, 3, H, W]`, for the families that take one.
    private func imageEmbeddings(_ pixels: Tensor) throws -> Tensor {
        switch model {
        case let siglip as SiglipPipeline: return try siglip.model.imageEmbeddings(pixelValues: pixels, normalized: normalized)
        case let clip as CLIPPipeline: return try clip.model.imageEmbeddings(pixelValues: pixels, normalized: normalized)
        default:
            // NaFlex needs each image's patch grid, which a bare pixel tensor does not carry.
            throw SiglipError("--pixel-values is not supported for \(model.directory.path): give image files instead")
        }
    }

    /// Text embeddings of equal-length id rows.
    private func textEmbeddings(_ ids: [[Int]]) throws -> Tensor {
        switch model {
        case let siglip as SiglipPipeline: return try siglip.model.textEmbeddings(inputIDs: ids, normalized: normalized)
        case let siglip2 as Siglip2Pipeline: return try siglip2.model.textEmbeddings(inputIDs: ids, normalized: normalized)
        case let clip as CLIPPipeline: return try clip.model.textEmbeddings(inputIDs: ids, normalized: normalized)
        default: throw SiglipError("--input-ids is not supported for \(model.directory.path): give texts instead")
        }
    }

    typealias Emit = (String, Result<[Float], Error>) -> Void

    /// Embeds every image row of a float32 `[N, 3, H, W]` array.
    func embedPixelRows(file: String, emit: Emit) {
        do {
            let array = try NPYArray(contentsOf: URL(fileURLWithPath: file))
            guard array.shape.count == 4, array.integers == nil else {
                throw SiglipError("\(file): pixel values must be a float array [N, 3, H, W], not \(array.values.kindName) \(array.shape)")
            }
            let values = array.floats, perRow = values.count / max(array.shape[0], 1)
            for start in stride(from: 0, to: array.shape[0], by: batchSize) {
                report(start..<min(start + batchSize, array.shape[0]), emit) { part in
                    let pixels = Tensor(shape: [part.count] + array.shape.dropFirst(),
                                        values: Array(values[(part.lowerBound * perRow)..<(part.upperBound * perRow)]))
                    return try imageEmbeddings(pixels)
                }
            }
        } catch {
            emit("npy:\(file)", .failure(error))
        }
    }

    /// Embeds every id row of an integer `[N, L]` array.
    func embedIDRows(file: String, emit: Emit) {
        do {
            let array = try NPYArray(contentsOf: URL(fileURLWithPath: file))
            guard array.shape.count == 2, let ids = array.integers else {
                throw SiglipError("\(file): input ids must be an integer array [N, L], not \(array.values.kindName) \(array.shape)")
            }
            let length = array.shape[1]
            for start in stride(from: 0, to: array.shape[0], by: batchSize) {
                let rows = start..<min(start + batchSize, array.shape[0])
                report(rows, emit) { part in
                    try textEmbeddings(part.map { r in ids[(r * length)..<((r + 1) * length)].map { Int(clamping: $0) } })
                }
            }
        } catch {
            emit("npy:\(file)", .failure(error))
        }
    }

    /// Emits one result per row of a batch; when the batch fails, each row is retried alone so one bad
    /// row does not take its neighbours down with it.
    private func report(_ rows: Range<Int>, _ emit: Emit, _ run: (Range<Int>) throws -> Tensor) {
        do {
            let out = try run(rows)
            for (i, r) in rows.enumerated() { emit("npy:\(r)", .success(out.rows(i..<(i + 1)).scalars)) }
        } catch where rows.count > 1 {
            for r in rows { report(r..<(r + 1), emit, run) }
        } catch {
            emit("npy:\(rows.lowerBound)", .failure(error))
        }
    }
}

extension NPYArray.Values {
    /// "float" or "integer", for messages.
    var kindName: String {
        switch self {
        case .float: "float"
        case .int: "integer"
        }
    }
}
