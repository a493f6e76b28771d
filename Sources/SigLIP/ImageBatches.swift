import Tensor

/// Runs the successful inputs of a batch as one tensor (or one by one when their shapes differ, as images kept
/// at their own sizes do) and slots the outputs back among the failures.
func embedBatch(_ inputs: [Result<Tensor, Error>], _ run: (Tensor) throws -> Tensor) -> [Result<[Float], Error>] {
    let ready = inputs.compactMap { try? $0.get() }
    guard let first = ready.first else { return inputs.map { $0.map { _ in [] } } }
    if ready.contains(where: { $0.shape != first.shape }) {
        return inputs.map { input in input.flatMap { one in Result { try run(one.reshaped([1] + one.shape)).scalars } } }
    }
    let batch: Tensor
    do {
        batch = try run(Tensor.concatenatingRows(ready.map { $0.reshaped([1, $0.count]) }).reshaped([ready.count] + first.shape))
    } catch {
        return inputs.map { $0.flatMap { _ in .failure(error) } }
    }
    return slotted(batch, among: inputs)
}

/// The rows of `batch`, one per successful input in order, put back in the inputs' places among the failures.
func slotted<Input>(_ batch: Tensor, among inputs: [Result<Input, Error>]) -> [Result<[Float], Error>] {
    var next = 0
    return inputs.map { input in
        input.map { _ in
            defer { next += 1 }
            return batch.rows(next..<(next + 1)).scalars
        }
    }
}
