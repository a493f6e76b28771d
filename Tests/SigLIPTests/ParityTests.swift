import Foundation
import Testing
import Tensor
import SigLIP

/// The tolerances of the parity contract (issue 2): they are never loosened to make a test pass.
enum Tolerance {
    /// Raw embeddings and hidden states: max |Δ| relative to the vector's largest magnitude.
    static let relative: Float = 1e-4
    /// Normalised embeddings: the cosine to the reference.
    static let cosine: Float = 0.99999
    /// Logits: absolute.
    static let logits: Float = 1e-3
}

@Suite("Parity with transformers.SiglipModel")
struct ParityTests {
    static let models = ["tiny-siglip", "tiny-unequal", "tiny-siglip-sharded", "tiny-unequal-bf16", "tiny-unequal-f16"]

    /// The sharded copy is checked against the single-file model's expectations.
    static func expectations(for model: String) -> String { model == "tiny-siglip-sharded" ? "tiny-siglip" : model }

    @Test("raw and normalised embeddings and logits", arguments: models)
    func embeddingsAndLogits(model name: String) throws {
        let model = try SiglipModel(directory: Fixtures.model(name))
        let expected = Self.expectations(for: name)
        let pixels = try Fixtures.tensor(expected, "pixel_values")
        let ids = try Fixtures.ids(expected)

        let imageRaw = try model.imageEmbeddings(pixelValues: pixels, normalized: false)
        let textRaw = try model.textEmbeddings(inputIDs: ids, normalized: false)
        #expect(maxRelativeRowError(imageRaw, try Fixtures.tensor(expected, "image_embeds_raw")) <= Tolerance.relative)
        #expect(maxRelativeRowError(textRaw, try Fixtures.tensor(expected, "text_embeds_raw")) <= Tolerance.relative)

        let image = try model.imageEmbeddings(pixelValues: pixels)
        let text = try model.textEmbeddings(inputIDs: ids)
        #expect(minRowCosine(image, try Fixtures.tensor(expected, "image_embeds")) >= Tolerance.cosine)
        #expect(minRowCosine(text, try Fixtures.tensor(expected, "text_embeds")) >= Tolerance.cosine)

        let logits = model.logits(imageEmbeddings: image, textEmbeddings: text)
        #expect(logits.shape == [pixels.shape[0], ids.count])
        #expect(maxAbsoluteError(logits, try Fixtures.tensor(expected, "logits_per_image")) <= Tolerance.logits)
    }

    /// Compares each captured state with its slice of the reference's stacked `hidden_states`.
    func expectLayers(_ states: [Tensor], last: Tensor, layers: Int, tower: String) throws {
        let expected = try Fixtures.tensor("tiny-siglip", "\(tower)_hidden_states")
        #expect(states.count == layers + 1)
        let perLayer = expected.count / max(states.count, 1)
        for (layer, state) in states.enumerated() {
            let reference = Tensor(shape: state.shape, values: Array(expected.scalars[(layer * perLayer)..<((layer + 1) * perLayer)]))
            #expect(maxRelativeRowError(state, reference) <= Tolerance.relative, "\(tower) hidden state \(layer)")
        }
        #expect(maxRelativeRowError(last, try Fixtures.tensor("tiny-siglip", "\(tower)_last_hidden_state")) <= Tolerance.relative)
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
        #expect(maxRelativeRowError(raw, try Fixtures.tensor("tiny-siglip", "image_embeds_raw_48x40")) <= Tolerance.relative)
    }

    @Test("a batch gives each item the embedding it gets alone")
    func batchIndependence() throws {
        let model = try SiglipModel(directory: Fixtures.model("tiny-unequal"))
        let pixels = try Fixtures.tensor("tiny-unequal", "pixel_values")
        let batch = try model.imageEmbeddings(pixelValues: pixels)
        let per = pixels.count / pixels.shape[0]
        for i in 0..<pixels.shape[0] {
            let one = Tensor(shape: [1] + pixels.shape.dropFirst(), values: Array(pixels.scalars[(i * per)..<((i + 1) * per)]))
            let alone = try model.imageEmbeddings(pixelValues: one)
            #expect(maxAbsoluteError(alone, batch.rows(i..<(i + 1))) <= 1e-6)
        }
    }
}
