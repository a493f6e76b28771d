import Foundation
import Testing
import SigLIP

/// What transformers resolves for one checkpoint's config (Tests/Fixtures/configs/expected.json).
struct ResolvedConfig: Decodable {
    struct Text: Decodable {
        let vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, max_position_embeddings, projection_size: Int
        let hidden_act: String
        let layer_norm_eps: Float
    }
    struct Vision: Decodable {
        let hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_channels, image_size, patch_size: Int
        let hidden_act: String
        let layer_norm_eps: Float
        let vision_use_head: Bool
    }
    let text: Text
    let vision: Vision
}

@Suite("config.json of every released checkpoint")
struct ConfigTests {
    static let configs = Fixtures.root.appendingPathComponent("configs")
    static let expected: [String: ResolvedConfig] = {
        let data = (try? Data(contentsOf: configs.appendingPathComponent("expected.json"))) ?? Data()
        return (try? JSONDecoder().decode([String: ResolvedConfig].self, from: data)) ?? [:]
    }()
    static let names = expected.keys.sorted()

    @Test func everyCheckpointIsListed() {
        #expect(Self.names.count == 18)
    }

    @Test("full and minimal files resolve as transformers resolves them", arguments: names)
    func resolvesLikeTheReference(name: String) throws {
        let reference = try #require(Self.expected[name])
        for variant in ["json", "minimal.json"] {
            let config = try SiglipConfig(json: Data(contentsOf: Self.configs.appendingPathComponent("\(name).\(variant)")))
            let t = config.text, v = config.vision, rt = reference.text, rv = reference.vision
            let ours: [Int] = [t.vocabSize, t.hiddenSize, t.intermediateSize, t.numHiddenLayers, t.numAttentionHeads, t.maxPositionEmbeddings, t.embeddingSize]
            let theirs: [Int] = [rt.vocab_size, rt.hidden_size, rt.intermediate_size, rt.num_hidden_layers, rt.num_attention_heads, rt.max_position_embeddings, rt.projection_size]
            #expect(ours == theirs, "\(name).\(variant) text")
            let oursV: [Int] = [v.hiddenSize, v.intermediateSize, v.numHiddenLayers, v.numAttentionHeads, v.numChannels, v.imageSize, v.patchSize]
            let theirsV: [Int] = [rv.hidden_size, rv.intermediate_size, rv.num_hidden_layers, rv.num_attention_heads, rv.num_channels, rv.image_size, rv.patch_size]
            #expect(oursV == theirsV, "\(name).\(variant) vision")
            #expect(t.hiddenAct == rt.hidden_act && v.hiddenAct == rv.hidden_act)
            #expect(t.layerNormEps == rt.layer_norm_eps && v.layerNormEps == rv.layer_norm_eps && v.visionUseHead == rv.vision_use_head)
        }
    }

    @Test func so400mPatch14At224HasSixteenTextPositions() throws {
        let config = try SiglipConfig(json: Data(contentsOf: Self.configs.appendingPathComponent("siglip-so400m-patch14-224.minimal.json")))
        #expect(config.text.maxPositionEmbeddings == 16)
        #expect(config.vision.gridSize == 16)
    }

    /// The message a config JSON is refused with.
    func refusal(_ json: String) -> String? {
        do { _ = try SiglipConfig(json: Data(json.utf8)); return nil } catch { return "\(error)" }
    }

    @Test func unsupportedConfigsAreRefusedClearly() {
        #expect(refusal(#"{"model_type": "siglip2", "vision_config": {"num_patches": 200}}"#)?.contains("num_patches 200 is not a positive square") == true)
        #expect(refusal(#"{"model_type": "clip"}"#)?.contains("not a SigLIP model") == true)
        #expect(refusal(#"{"text_config": {}}"#)?.contains("missing") == true)
        #expect(refusal(#"{"model_type": "siglip", "vision_config": {"hidden_act": "relu"}}"#)?.contains("hidden_act 'relu'") == true)
        #expect(refusal(#"{"model_type": "siglip", "vision_config": {"hidden_size": 770}}"#)?.contains("not divisible") == true)
        #expect(refusal(#"{"model_type": "siglip", "vision_config": {"vision_use_head": false}}"#)?.contains("vision_use_head") == true)
        #expect(refusal(#"{"model_type": "siglip", "text_config": {"projection_size": 512}}"#)?.contains("must match") == true)
        #expect(refusal(#"{"model_type": "siglip", "vision_config": {"image_size": [224, 256]}}"#)?.contains("not square") == true)
        #expect(refusal(#"{"model_type": "siglip", "vision_config": {"image_size": 8}}"#)?.contains("at least patch_size") == true)
        #expect(refusal(#"{"model_type": "siglip", "text_config": {"hidden_size": "wide"}}"#)?.contains("text_config.hidden_size") == true)
        #expect(refusal("{not json")?.contains("not a valid model config") == true)
        #expect(refusal(#"{"model_type": "siglip", "vision_config": {"image_size": [256, 256]}}"#) == nil)
    }

    /// Issue 5 sizes the base-224 image tower at 35.4 GFLOP; the benchmark's efficiency figure rests on this count.
    @Test func visionFlopsMatchThePublishedFigureForBase() {
        #expect(abs(SiglipConfig.VisionConfig().flopsPerImage / 1e9 - 35.4) < 0.05)
    }
}
