import Tensor

/// `CLIPVisionEmbeddings`: a bias-free stride-P convolution cutting the image into patches, a learned class
/// token in front, and learned positions for the class token and every patch.
package struct CLIPVisionEmbeddings {
    package let classEmbedding: Tensor
    package let patchEmbedding: Tensor
    package let positionEmbedding: Tensor
    package let patchSize: Int
    package let grid: Int

    package init(_ w: Weights, _ c: CLIPConfig.VisionConfig) throws {
        let d = c.hiddenSize, p = c.patchSize
        classEmbedding = try w("class_embedding", [d]).reshaped([1, d])
        patchEmbedding = try w("patch_embedding.weight", [d, c.numChannels, p, p]).reshaped([d, c.numChannels * p * p])
        grid = c.gridSize
        positionEmbedding = try w("position_embedding.weight", [grid * grid + 1, d])
        patchSize = p
    }

    /// Positions for the class token and a `rows × columns` patch grid: the learned table, or with the patch part
    /// bicubically resized when the grid differs (the reference's `interpolate_pos_encoding=True`).
    package func positions(rows: Int, columns: Int) -> Tensor {
        if rows == grid && columns == grid { return positionEmbedding }
        let patches = bicubicResize(positionEmbedding.rows(1..<(grid * grid + 1)), height: grid, width: grid,
                                    channels: positionEmbedding.columns, newHeight: rows, newWidth: columns)
        return .concatenatingRows([positionEmbedding.rows(0..<1), patches])
    }

    /// `[batch·(1 + patches), width]` embeddings of `pixelValues` `[batch, 3, H, W]`, class token first per image.
    package func callAsFunction(_ pixelValues: Tensor) -> Tensor {
        let batch = pixelValues.shape[0]
        let rows = pixelValues.shape[2] / patchSize, columns = pixelValues.shape[3] / patchSize
        let patches = linear(extractPatches(pixelValues, patch: patchSize), weight: patchEmbedding, bias: nil)
        let count = rows * columns
        let x = Tensor.concatenatingRows((0..<batch).flatMap { [classEmbedding, patches.rows($0 * count..<($0 + 1) * count)] })
        addRepeating(x, positions(rows: rows, columns: columns))
        return x
    }
}

/// `CLIPVisionTransformer`: embeddings, `pre_layrnorm`, encoder, and `post_layernorm` of the class token.
public struct CLIPVisionTransformer: Sendable {
    package let embeddings: CLIPVisionEmbeddings
    package let preLayrnorm: LayerNorm
    package let encoder: Encoder
    package let postLayernorm: LayerNorm
    /// The tower's configuration.
    public let config: CLIPConfig.VisionConfig

    package init(_ w: Weights, _ c: CLIPConfig.VisionConfig) throws {
        let shape = EncoderShape(width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.numAttentionHeads,
                                 layers: c.numHiddenLayers, eps: c.layerNormEps,
                                 activation: CLIPConfig.activation(c.hiddenAct) ?? .quick)
        embeddings = try CLIPVisionEmbeddings(w.scope("embeddings"), c)
        // The reference's attribute is spelled `pre_layrnorm`; the weight names follow it.
        preLayrnorm = try LayerNorm(w.scope("pre_layrnorm"), width: c.hiddenSize, eps: c.layerNormEps)
        encoder = try Encoder(w.scope("encoder"), shape)
        postLayernorm = try LayerNorm(w.scope("post_layernorm"), width: c.hiddenSize, eps: c.layerNormEps)
        config = c
    }

    /// Runs the tower on `pixelValues` `[batch, 3, H, W]` (any H, W of at least one patch).
    public func callAsFunction(_ pixelValues: Tensor, outputHiddenStates: Bool = false) throws -> VisionOutput {
        let s = pixelValues.shape, p = config.patchSize
        guard s.count == 4, s[1] == config.numChannels else {
            throw SiglipError("pixel values have shape \(s); expected [batch, \(config.numChannels), height, width]")
        }
        guard s[2] >= p, s[3] >= p else {
            throw SiglipError("pixel values are \(s[2])×\(s[3]), smaller than one \(p)×\(p) patch")
        }
        let batch = s[0], length = 1 + (s[2] / p) * (s[3] / p), d = config.hiddenSize
        guard batch > 0 else {
            return VisionOutput(lastHiddenState: Tensor(zeros: [0, length, d]), pooled: Tensor(zeros: [0, d]), hiddenStates: [])
        }
        let x = preLayrnorm(embeddings(pixelValues))
        var states: [Tensor] = []
        encoder(x, batch: batch, length: length, observe: outputHiddenStates ? { states.append($0) } : nil)
        let pooled = postLayernorm(gatherRows(x, (0..<batch).map { $0 * length }))
        return VisionOutput(lastHiddenState: x.reshaped([batch, length, d]), pooled: pooled,
                            hiddenStates: states.map { $0.reshaped([batch, length, d]) })
    }
}
