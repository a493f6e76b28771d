import Tensor

/// `SiglipTextEmbeddings` (and `CLIPTextEmbeddings`, the same): token embeddings plus learned absolute positions.
package struct TextEmbeddings {
    package let tokenEmbedding: Tensor
    package let positionEmbedding: Tensor

    package init(_ w: Weights, vocabulary: Int, width: Int, positions: Int) throws {
        tokenEmbedding = try w("token_embedding.weight", [vocabulary, width])
        positionEmbedding = try w("position_embedding.weight", [positions, width])
    }

    /// `[batch·length, width]` embeddings of `ids`, flattened row by row.
    package func callAsFunction(_ ids: [Int], length: Int) -> Tensor {
        let x = gatherRows(tokenEmbedding, ids)
        addRepeating(x, positionEmbedding.rows(0..<length))
        return x
    }
}

/// The batch size and common length of token id rows, after checking that the rows are equally long, fit the
/// model's positions and hold only ids of its vocabulary.
package func checkTokenRows(_ inputIDs: [[Int]], positions: Int, vocabulary: Int) throws -> (batch: Int, length: Int) {
    let batch = inputIDs.count, length = inputIDs.first?.count ?? 0
    guard inputIDs.allSatisfy({ $0.count == length }) else {
        throw SiglipError("token id rows have different lengths; pad every row to the same length")
    }
    guard length >= 1 || batch == 0 else { throw SiglipError("token id rows are empty") }
    guard length <= positions else {
        throw SiglipError("token id rows have \(length) ids but the model has \(positions) positions")
    }
    for (row, ids) in inputIDs.enumerated() {
        if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw SiglipError("row \(row): token id \(bad) is outside the vocabulary 0..<\(vocabulary)")
        }
    }
    return (batch, length)
}

/// What the text tower computes for a batch.
public struct TextOutput {
    /// The final-LayerNorm token states, `[batch, length, width]`.
    public let lastHiddenState: Tensor
    /// The head applied to the last position, `[batch, projection]`: the raw text embeddings.
    public let pooled: Tensor
    /// The embeddings and each layer's output (before the final LayerNorm), if requested.
    public let hiddenStates: [Tensor]
}

/// `SiglipTextTransformer`: embeddings, encoder with no mask, final LayerNorm, last-position pooling, head.
public struct TextTransformer: Sendable {
    package let embeddings: TextEmbeddings
    package let encoder: Encoder
    package let finalLayerNorm: LayerNorm
    package let head: Linear
    /// The tower's configuration.
    public let config: SiglipConfig.TextConfig

    package init(_ w: Weights, _ c: SiglipConfig.TextConfig) throws {
        let shape = EncoderShape(width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.numAttentionHeads,
                                 layers: c.numHiddenLayers, eps: c.layerNormEps,
                                 activation: SiglipConfig.activation(c.hiddenAct) ?? .tanh)
        embeddings = try TextEmbeddings(w.scope("embeddings"), vocabulary: c.vocabSize, width: c.hiddenSize, positions: c.maxPositionEmbeddings)
        encoder = try Encoder(w.scope("encoder"), shape)
        finalLayerNorm = try LayerNorm(w.scope("final_layer_norm"), width: c.hiddenSize, eps: c.layerNormEps)
        head = try Linear(w.scope("head"), inputs: c.hiddenSize, outputs: c.embeddingSize)
        self.config = c
    }

    /// Runs the tower on equal-length rows of token ids (no attention mask, as SigLIP was trained).
    public func callAsFunction(_ inputIDs: [[Int]], outputHiddenStates: Bool = false) throws -> TextOutput {
        let (batch, length) = try checkTokenRows(inputIDs, positions: config.maxPositionEmbeddings, vocabulary: config.vocabSize)
        let x = embeddings(inputIDs.flatMap { $0 }, length: length)
        var states: [Tensor] = []
        encoder(x, batch: batch, length: length, observe: outputHiddenStates ? { states.append($0) } : nil)
        let last = finalLayerNorm(x)
        let pooled = head(gatherRows(last, (0..<batch).map { $0 * length + length - 1 }))
        let shape = [batch, length, config.hiddenSize]
        return TextOutput(lastHiddenState: last.reshaped(shape), pooled: pooled, hiddenStates: states.map { $0.reshaped(shape) })
    }
}
