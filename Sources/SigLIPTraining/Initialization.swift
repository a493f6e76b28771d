import Foundation
import SafeTensors
import SigLIP
import Tensor

extension TrainableSiglip {
    /// Starts a model from scratch: copies `configFile` to `directory/config.json`, writes random weights there
    /// as `model.safetensors` and loads them. Weights follow the reference's `_init_weights` (Xavier-uniform
    /// attention and MLP matrices, LeCun-normal patch embedding and heads, `1/√width` normal embeddings, unit
    /// LayerNorms, zero biases), with the paper's `t′ = log 10` and `b = −10` unless `temperature` and `bias`
    /// say otherwise (the reference starts with t = 1 and b = 0). The same `seed` gives the same weights.
    public static func initialize(configFile: URL, seed: UInt64, in directory: URL, temperature: Float = 10,
                                  bias: Float = -10) throws -> TrainableSiglip {
        let json = try Data(contentsOf: configFile)
        let config = try SiglipConfig(json: json, source: configFile.path)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try json.write(to: directory.appendingPathComponent("config.json"), options: .atomic)
        var random = WeightGenerator(seed: seed)
        let tensors = initialWeights(config, temperature: temperature, bias: bias, &random).sorted { $0.name < $1.name }
        try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        return try TrainableSiglip(directory: directory)
    }

    private static func initialWeights(_ c: SiglipConfig, temperature: Float, bias: Float, _ random: inout WeightGenerator) -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        func add(_ name: String, _ shape: [Int], _ value: (inout WeightGenerator) -> Float) {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count { values[i] = value(&random) }
            out.append((name, Tensor(shape: shape, values: values)))
        }
        func constant(_ name: String, _ shape: [Int], _ v: Float) { add(name, shape) { _ in v } }
        func xavier(_ name: String, _ outputs: Int, _ inputs: Int, shape: [Int]? = nil) {
            let bound = Float((6.0 / Double(inputs + outputs)).squareRoot())
            add(name, shape ?? [outputs, inputs]) { $0.uniform(-bound, bound) }
        }
        func lecun(_ name: String, _ shape: [Int], fanIn: Int) {
            add(name, shape) { $0.truncatedNormal(std: Float(1 / Double(fanIn).squareRoot())) }
        }
        func normal(_ name: String, _ shape: [Int], std: Float) { add(name, shape) { $0.normal() * std } }
        func norm(_ p: String, _ width: Int) { constant(p + ".weight", [width], 1); constant(p + ".bias", [width], 0) }
        func mlp(_ p: String, _ width: Int, _ hidden: Int) {
            xavier(p + ".fc1.weight", hidden, width); constant(p + ".fc1.bias", [hidden], 0)
            xavier(p + ".fc2.weight", width, hidden); constant(p + ".fc2.bias", [width], 0)
        }
        func encoder(_ p: String, width d: Int, intermediate: Int, layers: Int) {
            for i in 0..<layers {
                let l = "\(p).encoder.layers.\(i)"
                norm(l + ".layer_norm1", d)
                for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                    xavier("\(l).self_attn.\(proj).weight", d, d); constant("\(l).self_attn.\(proj).bias", [d], 0)
                }
                norm(l + ".layer_norm2", d)
                mlp(l + ".mlp", d, intermediate)
            }
        }
        let t = c.text, v = c.vision, d = v.hiddenSize
        constant("logit_scale", [1], Foundation.log(temperature))
        constant("logit_bias", [1], bias)
        normal("text_model.embeddings.token_embedding.weight", [t.vocabSize, t.hiddenSize], std: Float(1 / Double(t.hiddenSize).squareRoot()))
        normal("text_model.embeddings.position_embedding.weight", [t.maxPositionEmbeddings, t.hiddenSize], std: Float(1 / Double(t.hiddenSize).squareRoot()))
        encoder("text_model", width: t.hiddenSize, intermediate: t.intermediateSize, layers: t.numHiddenLayers)
        norm("text_model.final_layer_norm", t.hiddenSize)
        lecun("text_model.head.weight", [t.embeddingSize, t.hiddenSize], fanIn: t.hiddenSize)
        constant("text_model.head.bias", [t.embeddingSize], 0)
        let patch = v.numChannels * v.patchSize * v.patchSize
        lecun("vision_model.embeddings.patch_embedding.weight", [d, v.numChannels, v.patchSize, v.patchSize], fanIn: patch)
        constant("vision_model.embeddings.patch_embedding.bias", [d], 0)
        normal("vision_model.embeddings.position_embedding.weight", [v.gridSize * v.gridSize, d], std: Float(1 / Double(d).squareRoot()))
        encoder("vision_model", width: d, intermediate: v.intermediateSize, layers: v.numHiddenLayers)
        norm("vision_model.post_layernorm", d)
        xavier("vision_model.head.probe", d, d, shape: [1, 1, d])   // PyTorch's fans of a [1, 1, d] tensor are both d
        xavier("vision_model.head.attention.in_proj_weight", 3 * d, d)
        constant("vision_model.head.attention.in_proj_bias", [3 * d], 0)
        lecun("vision_model.head.attention.out_proj.weight", [d, d], fanIn: d)
        constant("vision_model.head.attention.out_proj.bias", [d], 0)
        norm("vision_model.head.layernorm", d)
        mlp("vision_model.head.mlp", d, v.intermediateSize)
        return out
    }
}

/// A seeded source of initial weights and shuffles: SplitMix64 bits, uniform and (truncated) normal draws.
struct WeightGenerator {
    private var bits: SplitMix64

    init(seed: UInt64) { bits = SplitMix64(seed: seed) }

    /// The next 64 random bits.
    mutating func next() -> UInt64 { bits.next() }

    /// A uniform draw in [0, 1) with 24 random bits.
    mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * unit() }

    /// A uniform integer in `0..<bound` (for shuffling; the tiny modulo bias is irrelevant there).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Float {
        let u = max(unit(), 0x1p-25), w = unit()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * .pi * w)
    }

    /// LeCun-normal as the reference draws it: a normal of deviation `std / 0.8796` (the correction for a cut at
    /// ±2σ) cut at ±2 in absolute value, which for weight-sized deviations leaves it practically uncut.
    mutating func truncatedNormal(std: Float) -> Float {
        while true {
            let x = normal() * std / 0.87962566
            if abs(x) <= 2 { return x }
        }
    }
}
