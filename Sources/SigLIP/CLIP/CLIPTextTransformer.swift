import Tensor

/// `CLIPTextTransformer`: embeddings, a causal encoder, final LayerNorm, and pooling at the end-of-text token.
public struct CLIPTextTransformer: Sendable {
    package let embeddings: TextEmbeddings
    package let encoder: Encoder
    package let finalLayerNorm: LayerNorm
    /// The tower's configuration.
    public let config: CLIPConfig.TextConfig

    /// `causal` is false only in tests, to show the parity fixtures catch a missing mask.
    package init(_ w: Weights, _ c: CLIPConfig.TextConfig, causal: Bool = true) throws {
        var shape = EncoderShape(width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.numAttentionHeads,
                                 layers: c.numHiddenLayers, eps: c.layerNormEps,
                                 activation: CLIPConfig.activation(c.hiddenAct) ?? .quick)
        shape.causal = causal
        embeddings = try TextEmbeddings(w.scope("embeddings"), vocabulary: c.vocabSize, width: c.hiddenSize, positions: c.maxPositionEmbeddings)
        encoder = try Encoder(w.scope("encoder"), shape)
        finalLayerNorm = try LayerNorm(w.scope("final_layer_norm"), width: c.hiddenSize, eps: c.layerNormEps)
        config = c
    }

    /// The position each row is pooled at: with `eos_token_id` 2 (checkpoints converted before transformers'
    /// fix) the first largest id, as OpenAI's end-of-text token is the last in its vocabulary; otherwise the first
    /// `eos_token_id`. Nil for a row without one: the reference would silently pool position 0; we refuse it.
    package func poolingPosition(_ ids: [Int]) -> Int? {
        if config.eosTokenID == 2 {
            guard let top = ids.max() else { return nil }
            return ids.firstIndex(of: top)
        }
        return ids.firstIndex(of: config.eosTokenID)
    }

    /// Runs the tower on equal-length rows of token ids. No padding mask is needed: attention is causal, so the
    /// pooled end-of-text position never sees the padding after it.
    public func callAsFunction(_ inputIDs: [[Int]], outputHiddenStates: Bool = false) throws -> TextOutput {
        let (batch, length) = try checkTokenRows(inputIDs, positions: config.maxPositionEmbeddings, vocabulary: config.vocabSize)
        var positions: [Int] = []
        for (row, ids) in inputIDs.enumerated() {
            guard let position = poolingPosition(ids) else {
                throw SiglipError("row \(row): no end-of-text token (id \(config.eosTokenID)) to pool at")
            }
            positions.append(row * length + position)
        }
        let d = config.hiddenSize
        guard batch > 0 else {
            return TextOutput(lastHiddenState: Tensor(zeros: [0, length, d]), pooled: Tensor(zeros: [0, d]), hiddenStates: [])
        }
        let x = embeddings(inputIDs.flatMap { $0 }, length: length)
        var states: [Tensor] = []
        encoder(x, batch: batch, length: length, observe: outputHiddenStates ? { states.append($0) } : nil)
        let last = finalLayerNorm(x)
        let shape = [batch, length, d]
        return TextOutput(lastHiddenState: last.reshaped(shape), pooled: gatherRows(last, positions),
                          hiddenStates: states.map { $0.reshaped(shape) })
    }
}
