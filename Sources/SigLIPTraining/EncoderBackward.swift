import SigLIP
import Tensor

/// What one encoder layer keeps from its forward pass for the backward pass.
package struct EncoderLayerTape {
    /// The layer's input `x`.
    let input: Tensor
    /// The fused q/k/v projection of `LN1(x)`.
    let qkv: Tensor
    /// The heads' outputs side by side, before `out_proj`.
    let mixed: Tensor
    /// `h = x + Attn(LN1(x))`.
    let middle: Tensor
    /// `fc1(LN2(h))` before the activation.
    let preActivation: Tensor
}

extension EncoderLayer {
    /// `x + Attn(LN1(x))`, then `+ MLP(LN2(·))`, as a new tensor; the tape keeps what backward needs.
    package func forwardKeeping(_ x: Tensor, batch: Int, length: Int) -> (output: Tensor, tape: EncoderLayerTape) {
        let d = x.columns
        let qkv = selfAttn.qkv(layerNorm1(x))
        let mixed = attention(query: qkv.columns(0..<d), key: qkv.columns(d..<2 * d), value: qkv.columns(2 * d..<3 * d),
                              batch: batch, queryLength: length, keyLength: length, heads: selfAttn.heads)
        let middle = x.copy()
        selfAttn.outProj(mixed, epilogue: .addInto(middle))
        let output = middle.copy()
        let preActivation = mlp.forwardKeeping(layerNorm2(middle), addingInto: output)
        return (output, EncoderLayerTape(input: x, qkv: qkv, mixed: mixed, middle: middle, preActivation: preActivation))
    }

    /// Adds the layer's parameter gradients into `grads` and returns `dL/dx`.
    package func backward(_ tape: EncoderLayerTape, gradOutput dy: Tensor, batch: Int, length: Int, _ grads: Gradients) -> Tensor {
        let d = tape.input.columns
        // out = h + MLP(LN2(h)): the residual passes dy through, the branch adds its share.
        let dNormed2 = mlp.backward(input: layerNorm2(tape.middle), preActivation: tape.preActivation, gradOutput: dy, grads)
        let dMiddle = dy.copy()
        layerNorm2.backward(input: tape.middle, gradOutput: dNormed2, grads, addingInto: dMiddle)

        // h = x + out_proj(attention(qkv(LN1(x)))).
        let dMixed = selfAttn.outProj.backward(input: tape.mixed, gradOutput: dMiddle, grads)!
        let dQKV = Tensor(zeros: tape.qkv.shape)
        attentionBackward(query: tape.qkv.columns(0..<d), key: tape.qkv.columns(d..<2 * d), value: tape.qkv.columns(2 * d..<3 * d),
                          gradOutput: dMixed,
                          queryGradient: dQKV.columns(0..<d), keyGradient: dQKV.columns(d..<2 * d), valueGradient: dQKV.columns(2 * d..<3 * d),
                          batch: batch, queryLength: length, keyLength: length, heads: selfAttn.heads)
        let dNormed1 = selfAttn.qkv.backward(input: layerNorm1(tape.input), gradOutput: dQKV, grads)!
        layerNorm1.backward(input: tape.input, gradOutput: dNormed1, grads, addingInto: dMiddle)
        return dMiddle
    }
}

extension Encoder {
    /// Runs every layer, keeping each layer's tape; the input is not modified.
    package func forwardKeeping(_ x: Tensor, batch: Int, length: Int) -> (output: Tensor, tapes: [EncoderLayerTape]) {
        var h = x
        var tapes: [EncoderLayerTape] = []
        for layer in layers {
            let (next, tape) = layer.forwardKeeping(h, batch: batch, length: length)
            tapes.append(tape)
            h = next
        }
        return (h, tapes)
    }

    /// Back-propagates through the layers in reverse, releasing each tape once used; returns `dL/dx`.
    package func backward(_ tapes: inout [EncoderLayerTape], gradOutput dy: Tensor, batch: Int, length: Int, _ grads: Gradients) -> Tensor {
        var g = dy
        for layer in layers.reversed() {
            g = layer.backward(tapes.removeLast(), gradOutput: g, batch: batch, length: length, grads)
        }
        return g
    }
}
