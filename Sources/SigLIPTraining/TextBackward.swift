import SigLIP
import Tensor

/// What the text tower keeps from its forward pass.
package struct TextTape {
    let batch: Int, length: Int
    let ids: [Int]
    /// False when the embeddings and encoder are frozen (they then ran inference-only and kept nothing).
    let trainsEncoder: Bool
    var layers: [EncoderLayerTape]
    /// The encoder's output rows at the last position of each text (before the final LayerNorm).
    let lastRows: Tensor
    /// Those rows after the final LayerNorm: the head's input.
    let normedRows: Tensor
}

extension TextTransformer {
    /// The raw text embeddings `[batch, projection]` of equal-length id rows, with the tape for `backward`.
    /// With `trainEncoder` false the embeddings and encoder run inference-only.
    package func forwardKeeping(_ inputIDs: [[Int]], trainEncoder: Bool = true) throws -> (pooled: Tensor, tape: TextTape) {
        let batch = inputIDs.count, length = inputIDs.first?.count ?? 0
        guard batch > 0, length >= 1, length <= config.maxPositionEmbeddings, inputIDs.allSatisfy({ $0.count == length }) else {
            throw TrainingError("token id rows must be non-empty, of equal length, at most \(config.maxPositionEmbeddings) ids")
        }
        let ids = inputIDs.flatMap { $0 }
        guard ids.allSatisfy({ $0 >= 0 && $0 < config.vocabSize }) else {
            throw TrainingError("a token id is outside the vocabulary 0..<\(config.vocabSize)")
        }
        let x = embeddings(ids, length: length)
        var encoded = x, layers: [EncoderLayerTape] = []
        if trainEncoder {
            (encoded, layers) = encoder.forwardKeeping(x, batch: batch, length: length)
        } else {
            encoder(x, batch: batch, length: length)
        }
        // The final LayerNorm is row-wise, so only the pooled (last) rows need it.
        let lastRows = gatherRows(encoded, lastPositions(batch: batch, length: length))
        let normedRows = finalLayerNorm(lastRows)
        let pooled = head(normedRows)
        return (pooled, TextTape(batch: batch, length: length, ids: ids, trainsEncoder: trainEncoder, layers: layers, lastRows: lastRows, normedRows: normedRows))
    }

    /// Adds every text-tower parameter gradient into `grads`, given `dL/d(raw text embeddings)`.
    package func backward(_ tape: consuming TextTape, gradOutput dy: Tensor, _ grads: Gradients) {
        let dNormed = head.backward(input: tape.normedRows, gradOutput: dy, grads)!
        let dLastRows = tape.trainsEncoder ? Tensor(zeros: tape.lastRows.shape) : nil
        finalLayerNorm.backward(input: tape.lastRows, gradOutput: dNormed, grads, addingInto: dLastRows)
        guard let dLastRows else { return }
        let dEncoded = Tensor(zeros: [tape.batch * tape.length, config.hiddenSize])
        scatterAddRows(dLastRows, lastPositions(batch: tape.batch, length: tape.length), into: dEncoded)
        let dx = encoder.backward(&tape.layers, gradOutput: dEncoded, batch: tape.batch, length: tape.length, grads)
        if let dTokens = grads.trainable(embeddings.tokenEmbedding) { scatterAddRows(dx, tape.ids, into: dTokens) }
        if let dPositions = grads.trainable(embeddings.positionEmbedding) {
            sumRepeating(dx, into: dPositions.rows(0..<tape.length))
        }
    }

    /// The row of each text's last position in the flattened `[batch·length]` sequence.
    private func lastPositions(batch: Int, length: Int) -> [Int] { (0..<batch).map { $0 * length + length - 1 } }
}
