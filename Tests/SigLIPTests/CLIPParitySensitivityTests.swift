import Foundation
import Testing
import SafeTensors
import Tensor
import SigLIP

/// The CLIP parity tolerances catch the mistakes a port could plausibly make: each one below, applied to the real
/// fixture weights, fails the comparison of the tower it touches while the other tower still passes.
@Suite("The CLIP parity tolerances catch plausible bugs")
struct CLIPParitySensitivityTests {
    /// The errors of fixture `model` read with `<tower>_config.<key>` replaced by `value`.
    func errors(_ model: String, tower: String, _ key: String, _ value: Any) throws -> CLIPErrors {
        let dir = try Fixtures.copy(model, tower: tower, setting: key, to: value)
        defer { try? FileManager.default.removeItem(at: dir) }
        let errors = try CLIPErrors(try CLIPModel(directory: dir), expected: model)
        print("clip parity \(model) with \(tower) \(key) = \(value): \(errors)")
        return errors
    }

    @Test("gelu instead of quick_gelu in the text tower")
    func geluInsteadOfQuickGELU() throws {
        let e = try errors("tiny-clip", tower: "text", "hidden_act", "gelu")
        #expect(e.textPooled > CLIPTolerance.relative && e.textCosine > CLIPTolerance.cosineDistance)
        #expect(e.imageWithin && e.logits > CLIPTolerance.logits)
    }

    @Test("quick_gelu instead of gelu in tiny-clip-eos's vision tower")
    func quickGELUInsteadOfGELU() throws {
        let e = try errors("tiny-clip-eos", tower: "vision", "hidden_act", "quick_gelu")
        #expect(e.imagePooled > CLIPTolerance.relative && e.imageCosine > CLIPTolerance.cosineDistance)
        #expect(e.textWithin && e.logits > CLIPTolerance.logits)
    }

    /// With eos_token_id 2 the argmax of the ids pools at the added tokens above EOS in tiny-clip-eos's rows.
    @Test("largest-id pooling where the config names the EOS id")
    func argmaxPoolingOnNewConfig() throws {
        let e = try errors("tiny-clip-eos", tower: "text", "eos_token_id", 2)
        #expect(e.textPooled > CLIPTolerance.relative && e.imageWithin)
    }

    /// Bidirectional attention in the text tower: every position before EOS would see the tokens after it.
    @Test("no causal mask in the text tower")
    func noCausalMask() throws {
        let dir = Fixtures.model("tiny-clip")
        let config = try CLIPConfig(directory: dir)
        let weights = Weights(checkpoint: try Checkpoint(directory: dir), prefix: "text_model.")
        let ids = try Fixtures.ids("tiny-clip"), expected = try Fixtures.tensor("tiny-clip", "text_pooled")
        let causal = maxRelativeRowError(try CLIPTextTransformer(weights, config.text).pooled(ids), expected)
        let bidirectional = maxRelativeRowError(try CLIPTextTransformer(weights, config.text, causal: false).pooled(ids), expected)
        print("clip text pooled: causal \(causal), without the mask \(bidirectional)")
        #expect(causal <= CLIPTolerance.relative)
        #expect(bidirectional > CLIPTolerance.relative)
    }
}

extension CLIPTextTransformer {
    fileprivate func pooled(_ ids: [[Int]]) throws -> Tensor { try self(ids).pooled }
}
