import SigLIP
import Tensor

extension TrainableSiglip {
    /// Every trainable tensor as the engine holds it: fused q/k/v projections, the MAP head's in-projection
    /// as its query and key–value row blocks. Optimisers iterate over these.
    public var parameters: [Tensor] { textParameters + visionParameters + [logitScale, logitBias] }

    /// The text tower's parameters.
    public var textParameters: [Tensor] {
        [text.embeddings.tokenEmbedding, text.embeddings.positionEmbedding] + encoderParameters(text.encoder)
            + [text.finalLayerNorm.weight, text.finalLayerNorm.bias, text.head.weight, text.head.bias]
    }

    /// The image tower's parameters, MAP head included.
    public var visionParameters: [Tensor] {
        let e = vision.embeddings, h = vision.head
        return [e.patchEmbedding.weight, e.patchEmbedding.bias, e.positionEmbedding] + encoderParameters(vision.encoder)
            + [vision.postLayernorm.weight, vision.postLayernorm.bias, h.probe, h.query.weight, h.query.bias,
               h.keyValue.weight, h.keyValue.bias, h.outProj.weight, h.outProj.bias, h.layernorm.weight, h.layernorm.bias,
               h.mlp.fc1.weight, h.mlp.fc1.bias, h.mlp.fc2.weight, h.mlp.fc2.bias]
    }

    func encoderParameters(_ e: Encoder) -> [Tensor] {
        e.layers.flatMap { l in
            [l.layerNorm1.weight, l.layerNorm1.bias, l.selfAttn.qkv.weight, l.selfAttn.qkv.bias,
             l.selfAttn.outProj.weight, l.selfAttn.outProj.bias, l.layerNorm2.weight, l.layerNorm2.bias,
             l.mlp.fc1.weight, l.mlp.fc1.bias, l.mlp.fc2.weight, l.mlp.fc2.bias]
        }
    }

    /// The checkpoint's tensors under their Hugging Face names and shapes, each made by `value` from the engine
    /// tensor it lives in (the tensor itself to save weights, its gradient to compare with a reference):
    /// q/k/v are split back out of the fused projection and the MAP head's in-projection is packed again.
    public func huggingFaceTensors(_ value: (Tensor) -> Tensor) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        func add(_ name: String, _ t: Tensor, shape: [Int]? = nil) {
            let v = value(t)
            out.append((name, shape.map { v.reshaped($0) } ?? v))
        }
        func linear(_ p: String, _ l: Linear) { add(p + ".weight", l.weight); add(p + ".bias", l.bias) }
        func norm(_ p: String, _ l: LayerNorm) { add(p + ".weight", l.weight); add(p + ".bias", l.bias) }
        func mlp(_ p: String, _ m: MLP) { linear(p + ".fc1", m.fc1); linear(p + ".fc2", m.fc2) }
        func encoder(_ p: String, _ e: Encoder) {
            for (i, layer) in e.layers.enumerated() {
                let l = "\(p).encoder.layers.\(i)"
                norm(l + ".layer_norm1", layer.layerNorm1)
                let d = layer.selfAttn.outProj.weight.rows
                let weight = value(layer.selfAttn.qkv.weight), bias = value(layer.selfAttn.qkv.bias).reshaped([3, d])
                for (j, name) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    out.append(("\(l).self_attn.\(name).weight", weight.rows(j * d..<(j + 1) * d).copy()))
                    out.append(("\(l).self_attn.\(name).bias", bias.rows(j..<j + 1).copy().reshaped([d])))
                }
                linear(l + ".self_attn.out_proj", layer.selfAttn.outProj)
                norm(l + ".layer_norm2", layer.layerNorm2)
                mlp(l + ".mlp", layer.mlp)
            }
        }
        add("logit_bias", logitBias)
        add("logit_scale", logitScale)
        let t = text
        add("text_model.embeddings.token_embedding.weight", t.embeddings.tokenEmbedding)
        add("text_model.embeddings.position_embedding.weight", t.embeddings.positionEmbedding)
        encoder("text_model", t.encoder)
        norm("text_model.final_layer_norm", t.finalLayerNorm)
        linear("text_model.head", t.head)
        let v = vision, c = config.vision
        add("vision_model.embeddings.patch_embedding.weight", v.embeddings.patchEmbedding.weight,
            shape: [c.hiddenSize, c.numChannels, c.patchSize, c.patchSize])
        add("vision_model.embeddings.patch_embedding.bias", v.embeddings.patchEmbedding.bias)
        add("vision_model.embeddings.position_embedding.weight", v.embeddings.positionEmbedding)
        encoder("vision_model", v.encoder)
        norm("vision_model.post_layernorm", v.postLayernorm)
        let head = v.head
        add("vision_model.head.probe", head.probe, shape: [1, 1, c.hiddenSize])
        out.append(("vision_model.head.attention.in_proj_weight", .concatenatingRows([value(head.query.weight), value(head.keyValue.weight)])))
        out.append(("vision_model.head.attention.in_proj_bias",
                    Tensor.concatenatingRows([value(head.query.bias).reshaped([1, c.hiddenSize]), value(head.keyValue.bias).reshaped([2, c.hiddenSize])])
                        .reshaped([3 * c.hiddenSize])))
        linear("vision_model.head.attention.out_proj", head.outProj)
        norm("vision_model.head.layernorm", head.layernorm)
        mlp("vision_model.head.mlp", head.mlp)
        return out
    }
}
