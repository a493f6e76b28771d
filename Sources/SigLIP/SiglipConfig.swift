import Foundation
import Tensor

/// The architecture of a SigLIP checkpoint, read from its `config.json` with the reference's defaults.
///
/// Covers every released SigLIP v1 checkpoint, the fixed-resolution SigLIP 2 ones (`model_type` "siglip") and
/// the SigLIP 2 NaFlex ones (`model_type` "siglip2", where `vision.numPatches` is set). Fields the file omits
/// take `transformers`' defaults, which are google/siglip-base-patch16-224's.
public struct SiglipConfig: Sendable, Equatable {
    /// The text tower's shape.
    public var text: TextConfig
    /// The image tower's shape.
    public var vision: VisionConfig

    /// The text tower: `text_config` in `config.json`.
    public struct TextConfig: Sendable, Equatable {
        /// `vocab_size`: rows of the token-embedding table.
        public var vocabSize = 32000
        /// `hidden_size`: the width of the residual stream.
        public var hiddenSize = 768
        /// `intermediate_size`: the MLP's inner width.
        public var intermediateSize = 3072
        /// `num_hidden_layers`: encoder blocks.
        public var numHiddenLayers = 12
        /// `num_attention_heads`: heads per attention layer.
        public var numAttentionHeads = 12
        /// The text length the model was trained with (64; 16 for so400m-patch14-224).
        public var maxPositionEmbeddings = 64
        /// `hidden_act`: the MLP activation.
        public var hiddenAct = "gelu_pytorch_tanh"
        /// `layer_norm_eps`: added to the variance in every LayerNorm.
        public var layerNormEps: Float = 1e-6
        /// The width of the text head's output; defaults to `hiddenSize` (differs only for giant-opt).
        public var projectionSize: Int?
        /// `pad_token_id` (informational; the tokenizer decides padding).
        public var padTokenID: Int? = 1
        /// `eos_token_id` (informational; the tokenizer decides EOS).
        public var eosTokenID: Int? = 49407

        /// The defaults of `transformers`' `SiglipTextConfig` (base size).
        public init() {}

        /// The embedding width: `projectionSize`, or the hidden size when absent.
        public var embeddingSize: Int { projectionSize ?? hiddenSize }
    }

    /// The image tower: `vision_config` in `config.json`.
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
        public var patchSize = 16
        /// `hidden_act`: the MLP activation.
        public var hiddenAct = "gelu_pytorch_tanh"
        /// `layer_norm_eps`: added to the variance in every LayerNorm.
        public var layerNormEps: Float = 1e-6
        /// Whether the tower ends in the attention-pooling head (all released checkpoints do).
        public var visionUseHead = true
        /// NaFlex only (`model_type` "siglip2"): `num_patches`, the rows of the square position table, which is
        /// resized to each image's patch grid. Nil for fixed-resolution checkpoints, whose table is `image_size`'s.
        public var numPatches: Int?

        /// The defaults of `transformers`' `SiglipVisionConfig` (base-patch16-224).
        public init() {}

        /// Whether this is a NaFlex tower (variable resolution and aspect ratio).
        public var isNaFlex: Bool { numPatches != nil }

        /// Patches along each side of the position table: `imageSize / patchSize` (remainder dropped), or
        /// `√numPatches` for NaFlex.
        public var gridSize: Int { numPatches.map { Int(Double($0).squareRoot().rounded()) } ?? imageSize / patchSize }

        /// Multiply–adds ×2 of one image through the tower at the native resolution: patch embedding, the
        /// encoder's projections, MLPs and attention products, and the pooling head (35.4 G for base-224).
        public var flopsPerImage: Double {
            let s = Double(gridSize * gridSize), d = Double(hiddenSize), f = Double(intermediateSize)
            let patches = 2 * s * Double(numChannels * patchSize * patchSize) * d
            let layer = 2 * s * (4 * d * d + 2 * d * f) + 4 * s * s * d
            let head = visionUseHead ? 2 * s * 2 * d * d + 2 * (2 * d * d + 2 * d * f) + 4 * s * d : 0
            return patches + Double(numHiddenLayers) * layer + head
        }
    }

    /// A configuration with the given towers.
    public init(text: TextConfig = TextConfig(), vision: VisionConfig = VisionConfig()) {
        self.text = text
        self.vision = vision
    }

    /// Reads and validates `config.json` in `directory`.
    public init(directory: URL) throws {
        let file = try readConfigFile(in: directory)
        try self.init(json: file.data, source: file.source)
    }

    /// Parses and validates config JSON; `source` names it in errors.
    public init(json: Data, source: String = "config.json") throws {
        let raw: RawConfig
        do { raw = try JSONDecoder().decode(RawConfig.self, from: json) } catch let error as SiglipError {
            throw SiglipError("\(source): \(error.message)")
        } catch {
            throw SiglipError("\(source): not a valid model config (\(Self.describe(error)))")
        }
        var vision = raw.vision ?? VisionConfig()
        switch raw.modelType {
        case "siglip": vision.numPatches = nil
        case "siglip2": vision.numPatches = vision.numPatches ?? 256   // Siglip2VisionConfig's default
        case let other:
            throw SiglipError("\(source): model_type '\(other ?? "missing")' is not a SigLIP model (expected 'siglip' or 'siglip2')")
        }
        self.init(text: raw.text ?? TextConfig(), vision: vision)
        try validate(source: source)
    }

    /// The GELU variant a `hidden_act` name stands for, if we implement it.
    package static func activation(_ name: String) -> GELU? {
        switch name {
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": .tanh
        case "gelu": .erf
        default: nil
        }
    }

    private func validate(source: String) throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw SiglipError("\(source): \(message())") }
        }
        let t = text, v = vision
        try checkTowerShape("text", width: t.hiddenSize, heads: t.numAttentionHeads, layers: t.numHiddenLayers, mlp: t.intermediateSize, source: source)
        try checkTowerShape("vision", width: v.hiddenSize, heads: v.numAttentionHeads, layers: v.numHiddenLayers, mlp: v.intermediateSize, source: source)
        try check(t.vocabSize > 0 && t.maxPositionEmbeddings > 0, "text_config needs positive vocab_size and max_position_embeddings")
        try check(t.embeddingSize == v.hiddenSize,
                  "text embeddings are \(t.embeddingSize)-wide (projection_size) but image embeddings are \(v.hiddenSize)-wide; they must match")
        if let n = v.numPatches {
            try check(v.patchSize > 0, "vision_config patch_size \(v.patchSize) must be positive")
            try check(n > 0 && v.gridSize * v.gridSize == n, "vision_config num_patches \(n) is not a positive square (the position table is square)")
        } else {
            try check(v.patchSize > 0 && v.imageSize >= v.patchSize, "vision_config image_size \(v.imageSize) must be at least patch_size \(v.patchSize)")
        }
        try check(v.numChannels == 3, "vision_config num_channels \(v.numChannels) is not 3 (RGB)")
        try check(v.visionUseHead, "vision_use_head is false: this checkpoint has no attention-pooling head, so it has no image embedding")
        for (tower, act) in [("text", t.hiddenAct), ("vision", v.hiddenAct)] {
            try check(Self.activation(act) != nil, "\(tower)_config hidden_act '\(act)' is not supported (gelu_pytorch_tanh, gelu_new, gelu_fast, gelu)")
        }
        try check(t.layerNormEps > 0 && v.layerNormEps > 0, "layer_norm_eps must be positive")
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.keyNotFound(_, let c),
             DecodingError.dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}
