import Foundation

/// `config.json` as `transformers` writes it: snake_case keys, any of which may be absent.
struct RawConfig: Decodable {
    var modelType: String?
    var text: SiglipConfig.TextConfig?
    var vision: SiglipConfig.VisionConfig?

    private enum Keys: String, CodingKey { case model_type, text_config, vision_config }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .model_type)
        text = try c.decodeIfPresent(SiglipConfig.TextConfig.self, forKey: .text_config)
        vision = try c.decodeIfPresent(SiglipConfig.VisionConfig.self, forKey: .vision_config)
    }
}

extension SiglipConfig.TextConfig: Decodable {
    private enum Keys: String, CodingKey {
        case vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
             max_position_embeddings, hidden_act, layer_norm_eps, projection_size, pad_token_id, eos_token_id
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init()
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocab_size) ?? vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hidden_size) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediate_size) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .num_hidden_layers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .num_attention_heads) ?? numAttentionHeads
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .max_position_embeddings) ?? maxPositionEmbeddings
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? hiddenAct
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layer_norm_eps) ?? layerNormEps
        projectionSize = try c.decodeIfPresent(Int.self, forKey: .projection_size)
        padTokenID = try? c.decodeIfPresent(Int.self, forKey: .pad_token_id) ?? padTokenID
        eosTokenID = try? c.decodeIfPresent(Int.self, forKey: .eos_token_id) ?? eosTokenID
    }
}

extension SiglipConfig.VisionConfig: Decodable {
    private enum Keys: String, CodingKey {
        case hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_channels, image_size,
             patch_size, hidden_act, layer_norm_eps, vision_use_head, num_patches
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init()
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hidden_size) ?? hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediate_size) ?? intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .num_hidden_layers) ?? numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .num_attention_heads) ?? numAttentionHeads
        numChannels = try c.decodeIfPresent(Int.self, forKey: .num_channels) ?? numChannels
        imageSize = try Self.side(c, .image_size) ?? imageSize
        patchSize = try Self.side(c, .patch_size) ?? patchSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hidden_act) ?? hiddenAct
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layer_norm_eps) ?? layerNormEps
        visionUseHead = try c.decodeIfPresent(Bool.self, forKey: .vision_use_head) ?? visionUseHead
        numPatches = try c.decodeIfPresent(Int.self, forKey: .num_patches)
    }

    /// A square size given as an integer or as an `[h, w]` pair with h = w (non-square is not a SigLIP shape).
    private static func side(_ c: KeyedDecodingContainer<Keys>, _ key: Keys) throws -> Int? {
        if let n = try? c.decodeIfPresent(Int.self, forKey: key) { return n }
        guard let pair = try c.decodeIfPresent([Int].self, forKey: key) else { return nil }
        guard pair.count == 2, pair[0] == pair[1] else {
            throw SiglipError("vision_config.\(key.stringValue) \(pair) is not square; only square sizes are supported")
        }
        return pair[0]
    }
}
