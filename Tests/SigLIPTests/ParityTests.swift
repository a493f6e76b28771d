import Foundation
import Testing
import Tensor
import SigLIP

/// The tolerances of the parity contract (issue 2), each about 4x the worst error achieved over every fixture
/// model (fp32, sharded, bf16 and f16 checkpoints) and every test that uses it, measured in release on
/// 2026-12-03; the headroom is for kernel changes that move fp32 results by a few ulps. Never loosened to pass.
/// `ParitySensitivityTests` proves they are tight enough to catch real bugs.
enum Tolerance {
    /// Raw embeddings: max |Δ| relative to the row's largest magnitude. Achieved 1.88e-6 (tiny-siglip images).
    static let relative: Float = 8e-6
    /// Per-layer hidden states, same measure. Achieved 3.85e-6 (tiny-siglip vision last hidden state).
    static let hiddenStates: Float = 1.6e-5
    /// Normalised embeddings: 1 − cosine to the reference. Achieved 1.49e-12 (tiny-siglip images); the distance
    /// grows with the square of the raw error, so 4x raw headroom is 16x here.
    static let cosineDistance: Double = 2.4e-11
    /// Logits: absolute. Achieved 3.10e-6 (tiny-siglip logits_per_image; zero-shot logits 2.56e-6).
    static let logits: Float = 1.2e-5
}

/// The worst errors of one model's outputs against one set of reference outputs.
struct ParityErrors: CustomStringConvertible {
    var imageRaw: Float = 0, textRaw: Float = 0
    var imageCosineDistance: Double = 0, textCosineDistance: Double = 0
    var logits: Float = 0

    /// Whether every error is within the parity tolerances.
    var imageWithin: Bool { imageRaw <= Tolerance.relative && imageCosineDistance <= Tolerance.cosineDistance }
    var textWithin: Bool { textRaw <= Tolerance.relative && textCosineDistance <= Tolerance.cosineDistance }
    var logitsWithin: Bool { logits <= Tolerance.logits }

    var description: String {
        "image raw \(imageRaw), text raw \(textRaw), image 1−cos \(imageCosineDistance), text 1−cos \(textCosineDistance), logits \(logits)"
    }

    /// Runs `model` on the inputs stored for `expected` and measures every output against the stored reference.
    init(_ model: SiglipModel, expected: String) throws {
        let pixels = try Fixtures.tensor(expected, "pixel_values")
        let ids = try Fixtures.ids(expected)
        imageRaw = maxRelativeRowError(try model.imageEmbeddings(pixelValues: pixels, normalized: false), try Fixtures.tensor(expected, "image_embeds_raw"))
        textRaw = maxRelativeRowError(try model.textEmbeddings(inputIDs: ids, normalized: false), try Fixtures.tensor(expected, "text_embeds_raw"))
        let image = try model.imageEmbeddings(pixelValues: pixels)
        let text = try model.textEmbeddings(inputIDs: ids)
        imageCosineDistance = maxRowCosineDistance(image, try Fixtures.tensor(expected, "image_embeds"))
        textCosineDistance = maxRowCosineDistance(text, try Fixtures.tensor(expected, "text_embeds"))
        let logitsTensor = model.logits(imageEmbeddings: image, textEmbeddings: text)
        precondition(logitsTensor.shape == [pixels.shape[0], ids.count], "logits shape \(logitsTensor.shape)")
        logits = maxAbsoluteError(logitsTensor, try Fixtures.tensor(expected, "logits_per_image"))
    }
}

@Suite("Parity with transformers.SiglipModel")
struct ParityTests {
    /// tiny-quiet's vision embeddings have variance ~3e-4, where LayerNorm eps matters (see ParitySensitivityTests);
    /// achieved there on 2026-12-03: image raw 5.0e-7, text raw 4.5e-7, 1 − cosine 1.1e-13, logits 1.2e-6.
    static let models = ["tiny-siglip", "tiny-unequal", "tiny-siglip-sharded", "tiny-unequal-bf16", "tiny-unequal-f16",
                         "tiny-quiet", "tiny-siglip2"]

    /// The sharded copy is checked against the single-file model's expectations.
    static func expectations(for model: String) -> String { model == "tiny-siglip-sharded" ? "tiny-siglip" : model }

    @Test("raw and normalised embeddings and logits", arguments: models)
    func embeddingsAndLogits(model name: String) throws {
        let errors = try ParityErrors(try SiglipModel(directory: Fixtures.model(name)), expected: Self.expectations(for: name))
        print("parity \(name): \(errors)")
        #expect(errors.imageRaw <= Tolerance.relative)
        #expect(errors.textRaw <= Tolerance.relative)
        #expect(errors.imageCosineDistance <= Tolerance.cosineDistance)
        #expect(errors.textCosineDistance <= Tolerance.cosineDistance)
        #expect(errors.logits <= Tolerance.logits)
    }

    /// Compares each captured state with its slice of the reference's stacked `hidden_states`.
    func expectLayers(_ states: [Tensor], last: Tensor, layers: Int, tower: String) throws {
        let expected = try Fixtures.tensor("tiny-siglip", "\(tower)_hidden_states")
        try #require(states.count == layers + 1 && layers > 0)
        #expect(expected.count == states.count * states[0].count)
        let perLayer = expected.count / states.count
        var worst: Float = 0
        for (layer, state) in states.enumerated() {
            try #require(state.count == perLayer, "\(tower) hidden state \(layer) has \(state.count) values, reference \(perLayer)")
            let reference = Tensor(shape: state.shape, values: Array(expected.scalars[(layer * perLayer)..<((layer + 1) * perLayer)]))
            let error = maxRelativeRowError(state, reference)
            worst = max(worst, error)
            #expect(error <= Tolerance.hiddenStates, "\(tower) hidden state \(layer)")
        }
        let lastError = maxRelativeRowError(last, try Fixtures.tensor("tiny-siglip", "\(tower)_last_hidden_state"))
        print("parity \(tower) hidden states: worst layer \(worst), last \(lastError)")
        #expect(lastError <= Tolerance.hiddenStates)
    }

    @Test("every vision layer's hidden state")
    func visionHiddenStates() throws {
        let model = try SiglipModel(directory: Fixtures.model("tiny-siglip"))
        let out = try model.vision(try Fixtures.tensor("tiny-siglip", "pixel_values"), outputHiddenStates: true)
        try expectLayers(out.hiddenStates, last: out.lastHiddenState, layers: model.config.vision.numHiddenLayers, tower: "vision")
    }

    @Test("every text layer's hidden state")
    func textHiddenStates() throws {
        let model = try SiglipModel(directory: Fixtures.model("tiny-siglip"))
        let out = try model.text(try Fixtures.ids("tiny-siglip"), outputHiddenStates: true)
        try expectLayers(out.hiddenStates, last: out.lastHiddenState, layers: model.config.text.numHiddenLayers, tower: "text")
    }

    @Test("another resolution through position-embedding interpolation")
    func interpolatedPositions() throws {
        let model = try SiglipModel(directory: Fixtures.model("tiny-siglip"))
        let pixels = try Fixtures.tensor("tiny-siglip", "pixel_values_48x40")
        let raw = try model.imageEmbeddings(pixelValues: pixels, normalized: false)
        // Achieved 8.3e-7.
        let error = maxRelativeRowError(raw, try Fixtures.tensor("tiny-siglip", "image_embeds_raw_48x40"))
        print("parity interpolated 48x40: \(error)")
        #expect(error <= Tolerance.relative)
    }

    @Test("a batch gives each item the embedding it gets alone")
    func batchIndependence() throws {
        let model = try SiglipModel(directory: Fixtures.model("tiny-unequal"))
        let pixels = try Fixtures.tensor("tiny-unequal", "pixel_values")
        try #require(pixels.shape[0] > 1)
        let batch = try model.imageEmbeddings(pixelValues: pixels)
        let per = pixels.count / pixels.shape[0]
        for i in 0..<pixels.shape[0] {
            let one = Tensor(shape: [1] + pixels.shape.dropFirst(), values: Array(pixels.scalars[(i * per)..<((i + 1) * per)]))
            let alone = try model.imageEmbeddings(pixelValues: one)
            let error = maxAbsoluteError(alone, batch.rows(i..<(i + 1)))
            print("batch independence item \(i): \(error)")
            #expect(error <= 5e-7)   // achieved 1.28e-7 on 2026-12-03
        }
    }
}
