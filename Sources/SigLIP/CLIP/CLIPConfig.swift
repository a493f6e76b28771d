import Foundation
import Tensor

/// The architecture of a CLIP checkpoint (`model_type` "clip", OpenAI's layout), read from its `config.json`
/// with the defaults of transformers' `CLIPConfig` (openai/clip-vit-base-patch32's) for any missing field.
public struct CLIPConfig: Sendable, Equatable {
    /// The text tower: `text_config`.
    public struct TextConfig: Sendable, Equatable {
        /// `vocab_size`: rows of the token-embedding table.
        public var vocabSize = 49408
        /// `hidden_size`: the width of the residual stream.
        public var hiddenSize = 512
        /// `intermediate_size`: the MLP's inner width.
        public var intermediateSize = 2048
        /// `num_hidden_layers`: encoder blocks.
        public var numHiddenLayers = 12
        /// `num_attention_heads`: heads per attention layer.
        public var numAttentionHeads = 8
        /// `max_position_embeddings`: the text length (77).
        public var maxPositionEmbeddings = 77
        /// `hidden_act`: the MLP activation.
        public var hiddenAct = "quick_gelu"
        /// `layer_norm_eps`: added to the variance in every LayerNorm.
        public var layerNormEps: Float = 1e-5
        /// `eos_token_id`: 2 in checkpoints converted before transformers' fix, which pool at the largest id.
        public var eosTokenID = 49407

        /// transformers' `CLIPTextConfig` defaults.
        public init() {}
    }

    /// The image tower: `vision_config`.
    public struct VisionConfig: Sendable, Equatable {
        /// `hidden_size`: the width of the residual stream.
        public var hiddenSize = 768
        /// `intermediate_size`: the MLP's inner width.
        public var intermediateSize = 3072
        /// `num_hidden_layers`: encoder blocks.
        public var numHiddenLayers = 12
        /// `num_attention_heads`: heads per attention layer.
        public var numAttentionHeads = 12
        /// `num_channels`: input colour channels.
        public var numChannels = 3
        /// `image_size`: the side the position table was trained for.
        public var imageSize = 224
        /// `patch_size`: the side of a square patch.
        public var patchSize = 32
        /// `hidden_act`: the MLP activation.
        public var hiddenAct = "quick_gelu"
        /// `layer_norm_eps`: added to the variance in every LayerNorm.
        public var layerNormEps: Float = 1e-5

        /// transformers' `CLIPVisionConfig` defaults.
        public init() {}

        /// Patches along each side at the native resolution.
        public var gridSize: Int { imageSize / patchSize }
    }

    /// The text tower's shape.
    public var text = TextConfig()
    /// The image tower's shape.
    public var vision = VisionConfig()
    /// `projection_dim`: the width of both embeddings.
    public var projectionDim = 512

    /// transformers' defaults.
    public init() {}

    /// Whether text pooling follows the pre-fix checkpoints (`eos_token_id` 2): the position of the largest id.
    public var poolsAtLargestID: Bool { text.eosTokenID == 2 }

    /// Reads and validates `config.json` in `directory`.
    public init(directory: URL) throws {
        let file = try readConfigFile(in: directory)
        try self.init(json: file.data, source: file.source)
    }

    /// Parses and validates config JSON; `source` names it in errors.
    public init(json: Data, source: String = "config.json") throws {
        guard let root = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw SiglipError("\(source): not a JSON object")
        }
        guard root["model_type"] as? String == "clip" else {
            throw SiglipError("\(source): model_type '\(root["model_type"] as? String ?? "missing")' is not a CLIP model (expected 'clip')")
        }
        let fields = JSONFields(source: source)
        let t = try fields.section(root, "text_config"), v = try fields.section(root, "vision_config")
        func int(_ object: [String: Any], _ section: String, _ key: String, _ fallback: Int) throws -> Int {
            try fields.int(object, "\(section).\(key)", key) ?? fallback
        }
        text.vocabSize = try int(t, "text_config", "vocab_size", text.vocabSize)
        text.hiddenSize = try int(t, "text_config", "hidden_size", text.hiddenSize)
        text.intermediateSize = try int(t, "text_config", "intermediate_size", text.intermediateSize)
        text.numHiddenLayers = try int(t, "text_config", "num_hidden_layers", text.numHiddenLayers)
        text.numAttentionHeads = try int(t, "text_config", "num_attention_heads", text.numAttentionHeads)
        text.maxPositionEmbeddings = try int(t, "text_config", "max_position_embeddings", text.maxPositionEmbeddings)
        text.eosTokenID = try int(t, "text_config", "eos_token_id", text.eosTokenID)
        text.hiddenAct = try fields.string(t, "text_config.hidden_act", "hidden_act") ?? text.hiddenAct
        text.layerNormEps = try fields.float(t, "text_config.layer_norm_eps", "layer_norm_eps") ?? text.layerNormEps
        vision.hiddenSize = try int(v, "vision_config", "hidden_size", vision.hiddenSize)
        vision.intermediateSize = try int(v, "vision_config", "intermediate_size", vision.intermediateSize)
        vision.numHiddenLayers = try int(v, "vision_config", "num_hidden_layers", vision.numHiddenLayers)
        vision.numAttentionHeads = try int(v, "vision_config", "num_attention_heads", vision.numAttentionHeads)
        vision.numChannels = try int(v, "vision_config", "num_channels", vision.numChannels)
        vision.imageSize = try int(v, "vision_config", "image_size", vision.imageSize)
        vision.patchSize = try int(v, "vision_config", "patch_size", vision.patchSize)
        vision.hiddenAct = try fields.string(v, "vision_config.hidden_act", "hidden_act") ?? vision.hiddenAct
        vision.layerNormEps = try fields.float(v, "vision_config.layer_norm_eps", "layer_norm_eps") ?? vision.layerNormEps
        projectionDim = try fields.int(root, "projection_dim", "projection_dim") ?? projectionDim
        try validate(source: source)
    }

    /// The activation a CLIP `hidden_act` names, if we implement it.
    package static func activation(_ name: String) -> GELU? {
        name == "quick_gelu" ? .quick : SiglipConfig.activation(name)
    }

    private func validate(source: String) throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw SiglipError("\(source): \(message())") }
        }
        let t = text, v = vision
        try checkTowerShape("text", width: t.hiddenSize, heads: t.numAttentionHeads, layers: t.numHiddenLayers, mlp: t.intermediateSize, source: source)
        try checkTowerShape("vision", width: v.hiddenSize, heads: v.numAttentionHeads, layers: v.numHiddenLayers, mlp: v.intermediateSize, source: source)
        try check(t.vocabSize > 0 && t.maxPositionEmbeddings > 0, "text_config needs positive vocab_size and max_position_embeddings")
        try check(projectionDim > 0, "projection_dim \(projectionDim) is not positive")
        try check(v.patchSize > 0 && v.imageSize >= v.patchSize, "vision_config image_size \(v.imageSize) must be at least patch_size \(v.patchSize)")
        try check(v.numChannels == 3, "vision_config num_channels \(v.numChannels) is not 3 (RGB)")
        for (tower, act) in [("text", t.hiddenAct), ("vision", v.hiddenAct)] {
            try check(Self.activation(act) != nil,
                      "\(tower)_config hidden_act '\(act)' is not supported (quick_gelu, gelu, gelu_pytorch_tanh, gelu_new, gelu_fast)")
        }
        try check(t.layerNormEps > 0 && v.layerNormEps > 0, "layer_norm_eps must be positive")
    }
}

/// Typed reads of JSON fields whose errors name the file and the field.
private struct JSONFields {
    let source: String

    func section(_ root: [String: Any], _ key: String) throws -> [String: Any] {
        guard let value = root[key], !(value is NSNull) else { return [:] }
        guard let object = value as? [String: Any] else { throw SiglipError("\(source): \(key) must be an object") }
        return object
    }

    func number(_ object: [String: Any], _ path: String, _ key: String) throws -> NSNumber? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let n = value as? NSNumber, !(value is Bool) else { throw SiglipError("\(source): \(path) must be a number") }
        return n
    }

    func int(_ object: [String: Any], _ path: String, _ key: String) throws -> Int? {
        guard let n = try number(object, path, key) else { return nil }
        guard n.doubleValue == n.doubleValue.rounded(), abs(n.doubleValue) < 1e15 else {
            throw SiglipError("\(source): \(path) must be an integer")
        }
        return n.intValue
    }

    func float(_ object: [String: Any], _ path: String, _ key: String) throws -> Float? {
        try number(object, path, key).map { $0.floatValue }
    }

    func string(_ object: [String: Any], _ path: String, _ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let s = value as? String else { throw SiglipError("\(source): \(path) must be a string") }
        return s
    }
}
