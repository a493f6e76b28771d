import Tensor

/// One NaFlex image's patch grid: `height × width` patches, the first `height·width` rows of its sequence.
public struct SpatialShape: Sendable, Equatable {
    /// Patch rows.
    public let height: Int
    /// Patch columns.
    public let width: Int

    /// A grid of `height × width` patches.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The real (unpadded) patches.
    public var patches: Int { height * width }
}

/// `Siglip2VisionEmbeddings`: a linear map of already patchified pixels, plus the learned square position table
/// resized to each image's grid (bilinear, antialiased); padding rows get the resized table's first row.
package struct Siglip2VisionEmbeddings {
    package let patchEmbedding: Linear
    package let positionEmbedding: Tensor
    package let grid: Int
    /// Antialias the position resize, as the reference does (false only to show that it matters).
    package var antialias = true

    package init(_ w: Weights, _ c: SiglipConfig.VisionConfig) throws {
        let d = c.hiddenSize, inputs = c.numChannels * c.patchSize * c.patchSize
        // As in v1, the patch embedding stays fp32 in int8: it sees raw pixels.
        patchEmbedding = Linear(weight: try w("patch_embedding.weight", [d, inputs]), bias: try w("patch_embedding.bias", [d]),
                                precision: w.precision == .int8 ? .fp32 : w.precision)
        grid = c.gridSize
        positionEmbedding = try w("position_embedding.weight", [grid * grid, d])
    }

    /// The position table resized to `shape`, `[height·width, width]` in row-major grid order.
    package func positions(_ shape: SpatialShape) -> Tensor {
        bilinearResize(positionEmbedding, height: grid, width: grid, channels: positionEmbedding.columns,
                       newHeight: shape.height, newWidth: shape.width, antialias: antialias)
    }

    /// Each item's resized positions followed by copies of their first row for its padding: `[batch·length, width]`.
    package func paddedPositions(_ shapes: [SpatialShape], length: Int) -> Tensor {
        .concatenatingRows(shapes.map { shape in
            gatherRows(positions(shape), Array(0..<shape.patches) + Array(repeating: 0, count: length - shape.patches))
        })
    }

    /// `[batch·length, width]` embeddings of patch rows `[batch·length, 3·P·P]`.
    package func callAsFunction(_ patches: Tensor, shapes: [SpatialShape], length: Int) -> Tensor {
        let x = patchEmbedding(patches)
        addRepeating(x, paddedPositions(shapes, length: length))
        return x
    }
}

/// `Siglip2VisionTransformer` (NaFlex): embeddings, encoder and attention pooling, where every attention (each
/// encoder layer's and the pooling head's) sees only the real patches of its image, never the padding.
public struct Siglip2VisionTransformer: Sendable {
    package var embeddings: Siglip2VisionEmbeddings
    package let encoder: Encoder
    package let postLayernorm: LayerNorm
    package let head: MultiheadAttentionPoolingHead
    /// Mask the padding in the pooling head, as the reference does (false only to show that it matters).
    package var maskPooling = true
    /// The tower's configuration.
    public let config: SiglipConfig.VisionConfig

    package init(_ w: Weights, _ c: SiglipConfig.VisionConfig) throws {
        let activation = SiglipConfig.activation(c.hiddenAct) ?? .tanh
        let shape = EncoderShape(width: c.hiddenSize, intermediate: c.intermediateSize, heads: c.numAttentionHeads,
                                 layers: c.numHiddenLayers, eps: c.layerNormEps, activation: activation)
        embeddings = try Siglip2VisionEmbeddings(w.scope("embeddings"), c)
        encoder = try Encoder(w.scope("encoder"), shape)
        postLayernorm = try LayerNorm(w.scope("post_layernorm"), width: c.hiddenSize, eps: c.layerNormEps)
        head = try MultiheadAttentionPoolingHead(w.scope("head"), c, activation: activation)
        self.config = c
    }

    /// Runs the tower on patchified `pixelValues` `[batch, maxPatches, 3·P·P]` (as `Siglip2ImageProcessor` makes
    /// them) whose item `b` has `spatialShapes[b]` real patches first and padding after: the reference's
    /// `pixel_attention_mask` is ones for those patches and zeros for the rest.
    public func callAsFunction(_ pixelValues: Tensor, spatialShapes: [SpatialShape], outputHiddenStates: Bool = false) throws -> VisionOutput {
        let s = pixelValues.shape, p = config.patchSize, inputs = config.numChannels * p * p
        guard s.count == 3, s[2] == inputs else {
            throw SiglipError("pixel values have shape \(s); expected [batch, patches, \(inputs)] (patches of \(p)×\(p)×\(config.numChannels))")
        }
        let batch = s[0], length = s[1]
        guard spatialShapes.count == batch else {
            throw SiglipError("\(spatialShapes.count) spatial shapes for a batch of \(batch) images")
        }
        for (i, shape) in spatialShapes.enumerated() where shape.height < 1 || shape.width < 1 || shape.patches > length {
            throw SiglipError("image \(i): a \(shape.height)×\(shape.width) patch grid does not fit \(length) patches")
        }
        let d = config.hiddenSize
        if batch == 0 { return VisionOutput(lastHiddenState: Tensor(zeros: [0, length, d]), pooled: Tensor(zeros: [0, d]), hiddenStates: []) }
        let valid = spatialShapes.map(\.patches)
        let x = embeddings(pixelValues.reshaped([batch * length, inputs]), shapes: spatialShapes, length: length)
        var states: [Tensor] = []
        encoder(x, batch: batch, length: length, keyLengths: valid, observe: outputHiddenStates ? { states.append($0) } : nil)
        let last = postLayernorm(x)
        let pooled = head(last, batch: batch, length: length, keyLengths: maskPooling ? valid : nil)
        return VisionOutput(lastHiddenState: last.reshaped([batch, length, d]), pooled: pooled,
                            hiddenStates: states.map { $0.reshaped([batch, length, d]) })
    }
}
