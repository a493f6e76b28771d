import Tensor

/// `SiglipVisionEmbeddings`: a stride-P convolution cutting the image into patches, plus learned positions.
package struct VisionEmbeddings {
    package let patchEmbedding: Linear
    package let positionEmbedding: Tensor
    package let patchSize: Int
    package let grid: Int

    package init(_ w: Weights, _ c: SiglipConfig.VisionConfig) throws {
        let d = c.hiddenSize, p = c.patchSize
        let kernel = try w("patch_embedding.weight", [d, c.numChannels, p, p])
        // In int8 the patch embedding stays fp32: quantising raw pixels cost the most accuracy of any layer
        // (worst fixture-image cosine 0.9988 → 0.9991) for under 1% of the tower's products.
        patchEmbedding = Linear(weight: kernel.reshaped([d, c.numChannels * p * p]), bias: try w("patch_embedding.bias", [d]),
                                precision: w.precision == .int8 ? .fp32 : w.precision)
        grid = c.gridSize
        positionEmbedding = try w("position_embedding.weight", [grid * grid, d])
        patchSize = p
    }

    /// Position embeddings for a `rows × columns` patch grid: the learned table, or its bicubic resize
    /// when the grid differs from the checkpoint's (the reference's `interpolate_pos_encoding=True`).
    package func positions(rows: Int, columns: Int) -> Tensor {
        if rows == grid && columns == grid { return positionEmbedding }
        return bicubicResize(positionEmbedding, height: grid, width: grid, channels: positionEmbedding.columns,
                             newHeight: rows, newWidth: columns)
    }

    /// `[batch·patches, width]` embeddings of `pixelValues` `[batch, 3, H, W]`.
    package func callAsFunction(_ pixelValues: Tensor) -> Tensor {
        let rows = pixelValues.shape[2] / patchSize, columns = pixelValues.shape[3] / patchSize
        let x = patchEmbedding(extractPatches(pixelValues, patch: patchSize))
        addRepeating(x, positions(rows: rows, columns: columns))
        return x
    }
}

/// `SiglipMultiheadAttentionPoolingHead` (MAP): a learned probe attends over the patches, then an MLP
/// with a residual around it. `in_proj_weight` packs the probe's query projection and the patches'
/// key and value projections as rows `[Wq; Wk; Wv]`.
package struct MultiheadAttentionPoolingHead {
    package let probe: Tensor
    package let query: Linear
    package let keyValue: Linear
    package let outProj: Linear
    package let layernorm: LayerNorm
    package let mlp: MLP
    package let heads: Int

    package init(_ w: Weights, _ c: SiglipConfig.VisionConfig, activation: GELU) throws {
        let d = c.hiddenSize
        probe = try w("probe", [1, 1, d]).reshaped([1, d])
        let inProj = try w("attention.in_proj_weight", [3 * d, d])
        let inBias = try w("attention.in_proj_bias", [3 * d]).reshaped([3, d])
        query = Linear(weight: inProj.rows(0..<d), bias: inBias.rows(0..<1).reshaped([d]), precision: w.precision)
        keyValue = Linear(weight: inProj.rows(d..<3 * d), bias: inBias.rows(1..<3).reshaped([2 * d]), precision: w.precision)
        outProj = try Linear(w.scope("attention.out_proj"), inputs: d, outputs: d)
        layernorm = try LayerNorm(w.scope("layernorm"), width: d, eps: c.layerNormEps)
        mlp = try MLP(w.scope("mlp"), width: d, intermediate: c.intermediateSize, activation: activation)
        heads = c.numAttentionHeads
    }

    /// One pooled `[batch, width]` vector per sequence of `length` rows of `x`; with `keyLengths` (NaFlex), the
    /// probe of item `b` attends only to its first `keyLengths[b]` rows.
    package func callAsFunction(_ x: Tensor, batch: Int, length: Int, keyLengths: [Int]? = nil) -> Tensor {
        let d = x.columns
        let q = query(probe)
        let kv = keyValue(x)
        let mixed = attention(query: q.columns(0..<d), key: kv.columns(0..<d), value: kv.columns(d..<2 * d),
                              batch: batch, queryLength: 1, keyLength: length, heads: heads, sharedQuery: true, keyLengths: keyLengths)
        let pooled = outProj(mixed)
        mlp(layernorm(pooled), addingInto: pooled)
        return pooled
    }
}

/// What the image tower computes for a batch.
public struct VisionOutput {
    /// The post-LayerNorm patch states, `[batch, patches, width]`.
    public let lastHiddenState: Tensor
    /// The attention-pooled image vectors, `[batch, width]`: the raw image embeddings.
    public let pooled: Tensor
    /// The embeddings and each layer's output (before the post-LayerNorm), if requested.
    public let hiddenStates: [Tensor]
}

/// `SiglipVisionTransformer`: embeddings, encoder, post-LayerNorm, attention pooling.
public struct VisionTransformer: Sendable {
    package let embeddings: VisionEmbeddings
    package let encoder: Encoder
    package let postLayernorm: LayerNorm
    package let head: MultiheadAttentionPoolingHead
    /// The tower's configuration.
    public let config: SiglipConfig.VisionConfig

    package init(_ w: Weights, _ c: SiglipConfig.VisionConfig) throws {
        let activation = SiglipConfig.activation(c.hiddenAct) ?? .tanh
        let shape = EncoderShape(width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.numAttentionHeads,
                                 layers: c.numHiddenLayers, eps: c.layerNormEps, activation: activation)
        embeddings = try VisionEmbeddings(w.scope("embeddings"), c)
        encoder = try Encoder(w.scope("encoder"), shape)
        postLayernorm = try LayerNorm(w.scope("post_layernorm"), width: c.hiddenSize, eps: c.layerNormEps)
        head = try MultiheadAttentionPoolingHead(w.scope("head"), c, activation: activation)
        self.config = c
    }

    /// Runs the tower on `pixelValues` `[batch, 3, H, W]`; any H, W of at least one patch is accepted.
    public func callAsFunction(_ pixelValues: Tensor, outputHiddenStates: Bool = false) throws -> VisionOutput {
        let s = pixelValues.shape, p = config.patchSize
        guard s.count == 4, s[1] == config.numChannels else {
            throw SiglipError("pixel values have shape \(s); expected [batch, \(config.numChannels), height, width]")
        }
        guard s[2] >= p, s[3] >= p else {
            throw SiglipError("pixel values are \(s[2])×\(s[3]), smaller than one \(p)×\(p) patch")
        }
        let batch = s[0], length = (s[2] / p) * (s[3] / p)
        let x = embeddings(pixelValues)
        var states: [Tensor] = []
        encoder(x, batch: batch, length: length, observe: outputHiddenStates ? { states.append($0) } : nil)
        let last = postLayernorm(x)
        let pooled = batch == 0 ? Tensor(zeros: [0, config.hiddenSize]) : head(last, batch: batch, length: length)
        return VisionOutput(lastHiddenState: last.reshaped([batch, length, config.hiddenSize]), pooled: pooled,
                            hiddenStates: states.map { $0.reshaped([batch, length, config.hiddenSize]) })
    }
}
