import SigLIP
import Tensor

/// What the MAP head keeps from its forward pass.
package struct PoolingHeadTape {
    let patches: Tensor, query: Tensor, keyValue: Tensor, mixed: Tensor, attended: Tensor, preActivation: Tensor
}

extension MultiheadAttentionPoolingHead {
    /// `a = MHA(probe, x, x)`, then `a + MLP(LN(a))`: one pooled row per image, with the tape for backward.
    package func forwardKeeping(_ x: Tensor, batch: Int, length: Int) -> (pooled: Tensor, tape: PoolingHeadTape) {
        let d = x.columns
        let q = query(probe)
        let kv = keyValue(x)
        let mixed = attention(query: q.columns(0..<d), key: kv.columns(0..<d), value: kv.columns(d..<2 * d),
                              batch: batch, queryLength: 1, keyLength: length, heads: heads, sharedQuery: true)
        let attended = outProj(mixed)
        let pooled = attended.copy()
        let preActivation = mlp.forwardKeeping(layernorm(attended), addingInto: pooled)
        return (pooled, PoolingHeadTape(patches: x, query: q, keyValue: kv, mixed: mixed, attended: attended, preActivation: preActivation))
    }

    /// Adds the head's parameter gradients (probe and packed in-projection included) and returns `dL/dx`.
    package func backward(_ tape: PoolingHeadTape, gradOutput dy: Tensor, batch: Int, length: Int, _ grads: Gradients) -> Tensor {
        let d = tape.patches.columns
        let dNormed = mlp.backward(input: layernorm(tape.attended), preActivation: tape.preActivation, gradOutput: dy, grads)
        let dAttended = dy.copy()
        layernorm.backward(input: tape.attended, gradOutput: dNormed, grads, addingInto: dAttended)
        let dMixed = outProj.backward(input: tape.mixed, gradOutput: dAttended, grads)!

        let dQueryPerImage = Tensor(zeros: [batch, d])
        let dKeyValue = Tensor(zeros: tape.keyValue.shape)
        attentionBackward(query: tape.query.columns(0..<d), key: tape.keyValue.columns(0..<d), value: tape.keyValue.columns(d..<2 * d),
                          gradOutput: dMixed, queryGradient: dQueryPerImage.columns(0..<d),
                          keyGradient: dKeyValue.columns(0..<d), valueGradient: dKeyValue.columns(d..<2 * d),
                          batch: batch, queryLength: 1, keyLength: length, heads: heads, sharedQuery: true)
        // One probe serves every image: its query's gradient is the sum of the images' shares.
        let dQuery = Tensor(zeros: [1, d])
        sumRepeating(dQueryPerImage, into: dQuery)
        let dProbe = grads.trainable(probe)
        query.backward(input: probe, gradOutput: dQuery, grads, addingInto: dProbe, needsInputGradient: dProbe != nil)
        return keyValue.backward(input: tape.patches, gradOutput: dKeyValue, grads)!
    }
}

/// What the image tower keeps from its forward pass.
package struct VisionTape {
    let batch: Int, length: Int
    /// The patch matrix (the patch embedding's input), kept only when the embeddings train.
    let patches: Tensor?
    /// False when the embeddings and encoder are frozen (they then ran inference-only and kept nothing).
    let trainsEncoder: Bool
    var layers: [EncoderLayerTape]
    let encoded: Tensor
    let head: PoolingHeadTape
}

extension VisionTransformer {
    /// The raw image embeddings `[batch, width]` of `pixelValues`, with the tape for `backward`.
    /// Training uses the checkpoint's patch grid (no position interpolation). With `trainEncoder` false the
    /// embeddings and encoder run inference-only and only the post-LayerNorm and head keep activations.
    package func forwardKeeping(_ pixelValues: Tensor, trainEncoder: Bool = true) throws -> (pooled: Tensor, tape: VisionTape) {
        let s = pixelValues.shape, p = config.patchSize
        guard s.count == 4, s[1] == config.numChannels, s[2] / p == embeddings.grid, s[3] / p == embeddings.grid else {
            throw TrainingError("training needs pixel values [batch, \(config.numChannels), \(config.imageSize), \(config.imageSize)]; got \(s)")
        }
        let batch = s[0], length = embeddings.grid * embeddings.grid
        let patches = extractPatches(pixelValues, patch: p)
        let x = embeddings.patchEmbedding(patches)
        addRepeating(x, embeddings.positionEmbedding)
        var encoded = x, layers: [EncoderLayerTape] = []
        if trainEncoder {
            (encoded, layers) = encoder.forwardKeeping(x, batch: batch, length: length)
        } else {
            encoder(x, batch: batch, length: length)
        }
        let (pooled, head) = head.forwardKeeping(postLayernorm(encoded), batch: batch, length: length)
        return (pooled, VisionTape(batch: batch, length: length, patches: trainEncoder ? patches : nil, trainsEncoder: trainEncoder, layers: layers, encoded: encoded, head: head))
    }

    /// Adds every image-tower parameter gradient into `grads`, given `dL/d(raw image embeddings)`.
    package func backward(_ tape: consuming VisionTape, gradOutput dy: Tensor, _ grads: Gradients) {
        let dNormed = head.backward(tape.head, gradOutput: dy, batch: tape.batch, length: tape.length, grads)
        let dEncoded = tape.trainsEncoder ? Tensor(zeros: tape.encoded.shape) : nil
        postLayernorm.backward(input: tape.encoded, gradOutput: dNormed, grads, addingInto: dEncoded)
        guard let dEncoded else { return }
        let dx = encoder.backward(&tape.layers, gradOutput: dEncoded, batch: tape.batch, length: tape.length, grads)
        if let dPositions = grads.trainable(embeddings.positionEmbedding) { sumRepeating(dx, into: dPositions) }
        if let patches = tape.patches {
            embeddings.patchEmbedding.backward(input: patches, gradOutput: dx, grads, needsInputGradient: false)
        }
    }
}
