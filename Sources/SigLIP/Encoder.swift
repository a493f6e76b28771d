import Tensor

/// The geometry shared by both towers' transformer blocks.
package struct EncoderShape {
    package let width: Int
    package let intermediate: Int
    package let heads: Int
    package let layers: Int
    package let eps: Float
    package let activation: GELU
    /// Whether attention is causal (CLIP's text tower) rather than bidirectional.
    package var causal = false
}

/// `SiglipAttention` (and `CLIPAttention`): multi-head self-attention, q/k/v fused into one projection at load;
/// bidirectional unless `causal`.
package struct SelfAttention {
    package let qkv: Linear
    package let outProj: Linear
    package let heads: Int
    package let causal: Bool

    package init(_ w: Weights, width: Int, heads: Int, causal: Bool = false) throws {
        self.causal = causal
        let q = try Linear(w.scope("q_proj"), inputs: width, outputs: width)
        let k = try Linear(w.scope("k_proj"), inputs: width, outputs: width)
        let v = try Linear(w.scope("v_proj"), inputs: width, outputs: width)
        qkv = Linear(weight: .concatenatingRows([q.weight, k.weight, v.weight]).reshaped([3 * width, width]),
                     bias: .concatenatingRows([q.bias, k.bias, v.bias].map { $0.reshaped([1, width]) }).reshaped([3 * width]),
                     precision: w.precision)
        outProj = try Linear(w.scope("out_proj"), inputs: width, outputs: width)
        self.heads = heads
    }

    /// `residual += out_proj(attention(x))` for `batch` sequences of `length` rows each; with `keyLengths`, item `b`
    /// attends only to its first `keyLengths[b]` rows (NaFlex padding).
    package func callAsFunction(_ x: Tensor, batch: Int, length: Int, keyLengths: [Int]? = nil, addingInto residual: Tensor) {
        let d = x.columns
        let projected = qkv(x)
        let mixed = attention(query: projected.columns(0..<d), key: projected.columns(d..<2 * d), value: projected.columns(2 * d..<3 * d),
                              batch: batch, queryLength: length, keyLength: length, heads: heads, keyLengths: keyLengths,
                              causal: causal)
        outProj(mixed, epilogue: .addInto(residual))
    }
}

/// `SiglipEncoderLayer` (and `CLIPEncoderLayer`, which differs only in activation and mask): the pre-LayerNorm block.
package struct EncoderLayer {
    package let layerNorm1: LayerNorm
    package let selfAttn: SelfAttention
    package let layerNorm2: LayerNorm
    package let mlp: MLP

    package init(_ w: Weights, _ s: EncoderShape) throws {
        layerNorm1 = try LayerNorm(w.scope("layer_norm1"), width: s.width, eps: s.eps)
        selfAttn = try SelfAttention(w.scope("self_attn"), width: s.width, heads: s.heads, causal: s.causal)
        layerNorm2 = try LayerNorm(w.scope("layer_norm2"), width: s.width, eps: s.eps)
        mlp = try MLP(w.scope("mlp"), width: s.width, intermediate: s.intermediate, activation: s.activation)
    }

    /// `x = x + Attn(LN1(x)); x = x + MLP(LN2(x))`, updating `x` in place; `keyLengths` masks padding keys.
    package func callAsFunction(_ x: Tensor, batch: Int, length: Int, keyLengths: [Int]? = nil) {
        selfAttn(layerNorm1(x), batch: batch, length: length, keyLengths: keyLengths, addingInto: x)
        mlp(layerNorm2(x), addingInto: x)
    }
}

/// `SiglipEncoder` (and `CLIPEncoder`): the stack of layers.
package struct Encoder {
    package let layers: [EncoderLayer]

    package init(_ w: Weights, _ s: EncoderShape) throws {
        layers = try (0..<s.layers).map { try EncoderLayer(w.scope("layers.\($0)"), s) }
    }

    /// Runs every layer over `x` in place; `observe` sees the input and each layer's output (copies).
    /// `keyLengths` (NaFlex) masks each item's padding keys in every layer.
    package func callAsFunction(_ x: Tensor, batch: Int, length: Int, keyLengths: [Int]? = nil, observe: ((Tensor) -> Void)? = nil) {
        observe?(x.copy())
        for layer in layers {
            layer(x, batch: batch, length: length, keyLengths: keyLengths)
            observe?(x.copy())
        }
    }
}
