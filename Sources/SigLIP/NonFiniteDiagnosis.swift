import SafeTensors
import Synchronization
import Tensor

/// Explains a NaN or infinite model output by naming the first checkpoint tensor that holds one.
///
/// The scan reads every weight, so it runs only once a non-finite output has been seen, and its answer is kept.
final class NonFiniteDiagnosis: Sendable {
    private let checkpoint: Checkpoint
    private let answer = Mutex<String?>(nil)

    init(checkpoint: Checkpoint) { self.checkpoint = checkpoint }

    /// Why `tower`'s output is not finite although its input was.
    func reason(tower: String) -> String {
        let cause = answer.withLock { cached in
            if let cached { return cached }
            let found = firstNonFiniteTensor().map {
                "the checkpoint's tensor \($0) holds NaN or infinity (\(checkpoint.directory.path))"
            } ?? "the values overflowed although the input and every weight are finite"
            cached = found
            return found
        }
        return "the \(tower) output is not finite: " + cause
    }

    private func firstNonFiniteTensor() -> String? {
        checkpoint.tensorNames.sorted().first { name in
            guard let entry = checkpoint.entry(named: name), entry.dtype.isLoadableAsFloat,
                  let tensor = try? checkpoint.tensor(named: name) else { return false }
            return !tensor.isFinite
        }
    }
}

/// Throws when a model's input holds NaN or infinity, which no weight can be blamed for.
func requireFinite(pixelValues: Tensor) throws {
    guard pixelValues.isFinite else { throw SiglipError("pixel values hold NaN or infinity") }
}

extension NonFiniteDiagnosis {
    /// A tower's output as embeddings, L2-normalised when `normalized`; throws, naming the weight at fault,
    /// rather than return NaN or infinity.
    func embeddings(_ output: Tensor, tower: String, normalized: Bool) throws -> Tensor {
        guard output.isFinite else { throw SiglipError(reason(tower: tower)) }
        return normalized ? l2Normalized(output) : output
    }
}
