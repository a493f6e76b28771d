import Foundation
import Testing
import SigLIP

/// The parity tolerances are tight enough to catch the bugs they exist for: a checkpoint read with a plausible
/// mistake (through an edited config, so the weights are the real ones) fails every comparison `ParityTests`
/// makes for the tower the mistake touches (raw embeddings, cosine and logits), while the other tower still passes.
@Suite("The parity tolerances catch plausible bugs")
struct ParitySensitivityTests {
    static let models = ["tiny-siglip", "tiny-unequal"]

    /// The parity errors of `model` with `<tower>_config.<key>` replaced by `value`.
    func errors(_ model: String, tower: String, _ key: String, _ value: Any) throws -> ParityErrors {
        let dir = try Fixtures.copy(model, tower: tower, setting: key, to: value)
        defer { try? FileManager.default.removeItem(at: dir) }
        let errors = try ParityErrors(try SiglipModel(directory: dir), expected: model)
        print("parity \(model) with \(tower) \(key) = \(value): \(errors)")
        return errors
    }

    /// Every comparison of the mutated tower fails; the other tower is untouched and still passes.
    func expectCaught(_ errors: ParityErrors, tower: String) {
        if tower == "vision" {
            #expect(errors.imageRaw > Tolerance.relative)
            #expect(errors.imageCosineDistance > Tolerance.cosineDistance)
            #expect(errors.textWithin)
        } else {
            #expect(errors.textRaw > Tolerance.relative)
            #expect(errors.textCosineDistance > Tolerance.cosineDistance)
            #expect(errors.imageWithin)
        }
        #expect(errors.logits > Tolerance.logits)
    }

    /// Measured on 2026-12-03: text raw error 8.3e-5 (tiny-siglip) and 6.9e-5 (tiny-unequal), 9-10x the tolerance;
    /// 1 − cosine 1.9e-9 and 3.1e-9; logits 1.0e-4 and 9.6e-5.
    @Test("layer_norm_eps 1e-5 instead of 1e-6 in the text tower", arguments: models)
    func layerNormEps(model: String) throws {
        expectCaught(try errors(model, tower: "text", "layer_norm_eps", 1e-5), tower: "text")
    }

    /// The vision LayerNorm inputs of tiny-siglip and tiny-unequal have variance ~3, where eps 1e-5 moves the
    /// image embeddings by only 3.2e-6 and 1.0e-6, below any tolerance with headroom for kernel rounding. So this
    /// uses tiny-quiet, whose vision embeddings (scaled down in its checkpoint) have variance ~3e-4: the first
    /// vision LayerNorm then divides by √(var + eps), and eps 1e-5 instead of 1e-6 moves its output by ~1.5%.
    /// Measured on 2026-12-03: image raw error 2.1e-2 (2700x the tolerance; achieved 5.0e-7 with the right eps),
    /// 1 − cosine 1.6e-4, logits 2.3e-2; text raw 4.5e-7, unchanged.
    @Test("layer_norm_eps 1e-5 instead of 1e-6 in the vision tower")
    func visionLayerNormEps() throws {
        expectCaught(try errors("tiny-quiet", tower: "vision", "layer_norm_eps", 1e-5), tower: "vision")
    }

    /// Measured on 2026-12-03: raw errors 1.3e-4 to 2.1e-4 (16-26x the tolerance), 1 − cosine 6.5e-9 to 2.0e-8,
    /// logits 1.4e-4 to 2.9e-4, in both towers of both models.
    @Test("exact (erf) GELU instead of the tanh approximation", arguments: models, ["vision", "text"])
    func exactGELU(model: String, tower: String) throws {
        expectCaught(try errors(model, tower: tower, "hidden_act", "gelu"), tower: tower)
    }
}
