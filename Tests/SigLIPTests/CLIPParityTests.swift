import Foundation
import Testing
import NPY
import SafeTensors
import Tensor
import SigLIP

/// CLIP's parity tolerances, each a few times the worst error achieved on the tiny-clip fixtures (fp32, release,
/// measured 2026-12-03). `CLIPParitySensitivityTests` shows they catch a missing causal mask, the wrong activation
/// and the wrong pooling position.
enum CLIPTolerance {
    /// Raw (pooled or projected) vectors: max |Δ| relative to the row's largest magnitude.
    static let relative: Float = 8e-6
    /// Per-layer hidden states, same measure.
    static let hiddenStates: Float = 1.6e-5
    /// Normalised embeddings: 1 − cosine.
    static let cosineDistance: Double = 2.4e-11
    /// Logits: absolute.
    static let logits: Float = 1.2e-5
}

/// Reference outputs of one CLIP fixture model, and our errors against them.
struct CLIPErrors: CustomStringConvertible {
    var imagePooled: Float = 0, textPooled: Float = 0, imageCosine: Double = 0, textCosine: Double = 0, logits: Float = 0

    var textWithin: Bool { textPooled <= CLIPTolerance.relative && textCosine <= CLIPTolerance.cosineDistance }
    var imageWithin: Bool { imagePooled <= CLIPTolerance.relative && imageCosine <= CLIPTolerance.cosineDistance }

    var description: String {
        "image pooled \(imagePooled), text pooled \(textPooled), image 1−cos \(imageCosine), text 1−cos \(textCosine), logits \(logits)"
    }

    init(_ model: CLIPModel, expected name: String) throws {
        let pixels = try Fixtures.tensor(name, "pixel_values"), ids = try Fixtures.ids(name)
        imagePooled = maxRelativeRowError(try model.vision(pixels).pooled, try Fixtures.tensor(name, "vision_pooled"))
        textPooled = maxRelativeRowError(try model.text(ids).pooled, try Fixtures.tensor(name, "text_pooled"))
        let image = try model.imageEmbeddings(pixelValues: pixels), text = try model.textEmbeddings(inputIDs: ids)
        imageCosine = maxRowCosineDistance(image, try Fixtures.tensor(name, "image_embeds"))
        textCosine = maxRowCosineDistance(text, try Fixtures.tensor(name, "text_embeds"))
        logits = maxAbsoluteError(model.logits(imageEmbeddings: image, textEmbeddings: text), try Fixtures.tensor(name, "logits_per_image"))
    }
}

@Suite("Parity with transformers.CLIPModel")
struct CLIPParityTests {
    /// tiny-clip pools at the largest id (eos_token_id 2), quick_gelu; tiny-clip-eos at the first EOS, with added
    /// ids above EOS in its rows, and a gelu vision tower.
    static let models = ["tiny-clip", "tiny-clip-eos"]

    @Test(arguments: models)
    func embeddingsAndLogits(name: String) throws {
        let model = try CLIPModel(directory: Fixtures.model(name))
        let errors = try CLIPErrors(model, expected: name)
        print("clip parity \(name): \(errors)")
        #expect(errors.imageWithin && errors.textWithin)
        #expect(errors.logits <= CLIPTolerance.logits)
    }

    /// Every layer's output of both towers, and the text tower's final LayerNorm states.
    @Test func hiddenStates() throws {
        let model = try CLIPModel(directory: Fixtures.model("tiny-clip"))
        let vision = try model.vision(try Fixtures.tensor("tiny-clip", "pixel_values"), outputHiddenStates: true)
        let text = try model.text(try Fixtures.ids("tiny-clip"), outputHiddenStates: true)
        var worst: Float = 0
        for (states, file) in [(vision.hiddenStates, "vision_hidden_states"), (text.hiddenStates, "text_hidden_states")] {
            let expected = try Fixtures.tensor("tiny-clip", file)
            #expect(states.count == 3 && expected.shape[0] == 3)
            let per = expected.count / 3
            for (i, state) in states.enumerated() {
                let layer = Tensor(shape: [per / state.columns, state.columns], values: Array(expected.scalars[(i * per)..<((i + 1) * per)]))
                worst = max(worst, maxRelativeRowError(state, layer))
            }
        }
        let last = try Fixtures.tensor("tiny-clip", "text_last_hidden_state")
        worst = max(worst, maxRelativeRowError(text.lastHiddenState, last))
        print("clip hidden states worst \(worst)")
        #expect(worst <= CLIPTolerance.hiddenStates)
    }

    /// Files through `CLIPImageProcessor` (resize shortest edge 40, centre crop 32) give the reference's pixel
    /// values over seven aspect ratios and six real image files; embeddings and zero-shot logits follow.
    @Test func imageFilesEndToEnd() throws {
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model("tiny-clip").appendingPathComponent("expected/image_files.json")))
        #expect(names.count == 13)
        // Each checkpoint's fixture was computed on the shape images in its own expected/ folder.
        func urls(_ model: String) -> [URL] {
            names.map { name in
                name.hasPrefix("shape_") ? Fixtures.model(model).appendingPathComponent("expected/\(name)")
                                         : Fixtures.root.appendingPathComponent("images/files/\(name)")
            }
        }
        let pipeline = try CLIPPipeline(directory: Fixtures.model("tiny-clip"))
        let pixels = try pipeline.pixelValues(for: urls("tiny-clip")).map { try $0.get() }
        let expectedPixels = try Fixtures.tensor("tiny-clip", "image_files_pixel_values")
        let ours = Tensor(shape: expectedPixels.shape, values: pixels.flatMap(\.scalars))
        let pixelError = maxAbsoluteError(ours, expectedPixels)
        print("clip pixel values max |Δ| \(pixelError)")
        #expect(pixelError == 0)
        for name in CLIPParityTests.models {
            let model = try CLIPPipeline(directory: Fixtures.model(name))
            let raw = try model.imageEmbeddings(for: urls(name), batchSize: 5, normalized: false).map { try $0.get() }
            let expected = try Fixtures.tensor(name, "image_files_embeds_raw")
            let error = maxRelativeRowError(Tensor(shape: expected.shape, values: raw.flatMap { $0 }), expected)
            print("clip \(name) image files raw \(error)")
            #expect(error <= CLIPTolerance.relative)
        }
    }

    /// CLIPImageProcessor's defaults (shortest edge 224, crop 224, bicubic) give the reference's bytes exactly.
    @Test(arguments: [("photo_chelsea_q90", "images/files/photo_chelsea_q90.jpg"), ("shape_37x200", "models/tiny-clip/expected/shape_37x200.png")])
    func defaultProcessor(name: String, path: String) throws {
        var config = CLIPImageProcessorConfig()
        config.common.doRescale = false
        config.common.doNormalize = false
        let (values, height, width) = try CLIPImageProcessor(config: config).pixelValues(contentsOf: Fixtures.root.appendingPathComponent(path))
        let expected = try Fixtures.array("tiny-clip", "processor_224_\(name)")
        #expect(expected.shape == [3, 224, 224] && (height, width) == (224, 224))
        #expect(values == expected.floats)
    }

    /// Strings through `CLIPTokenizer` give the reference's ids, text embeddings and zero-shot logits.
    @Test(arguments: models)
    func textsEndToEnd(name: String) throws {
        let texts = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model(name).appendingPathComponent("expected/texts.json")))
        #expect(texts.count == 5)
        let pipeline = try CLIPPipeline(directory: Fixtures.model(name))
        let tokenizer = try pipeline.tokenizer()
        let ids = try Fixtures.array(name, "texts_input_ids")
        #expect(texts.flatMap { tokenizer.encode($0).map(Int64.init) } == ids.integers)
        let raw = try pipeline.textEmbeddings(for: texts, batchSize: 2, normalized: false).map { try $0.get() }
        let expected = try Fixtures.tensor(name, "texts_embeds_raw")
        let error = maxRelativeRowError(Tensor(shape: expected.shape, values: raw.flatMap { $0 }), expected)
        print("clip \(name) texts raw \(error)")
        #expect(error <= CLIPTolerance.relative)
    }

    /// `loadImageTextModel` picks CLIP by model_type; zero-shot is a softmax of `exp(t)·cos`, summing to 1 per image.
    @Test func zeroShotThroughTheProtocol() throws {
        let model = try loadImageTextModel(directory: Fixtures.model("tiny-clip"))
        #expect(model is CLIPPipeline && model.zeroShotActivation == .softmax && model.embeddingSize == 24)
        let texts = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model("tiny-clip").appendingPathComponent("expected/texts.json")))
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model("tiny-clip").appendingPathComponent("expected/image_files.json")))
        let url = Fixtures.root.appendingPathComponent("images/files/\(names[0])")
        let image = try #require(try model.imageEmbeddings(for: [url], batchSize: 1, side: nil, normalized: true).first?.get())
        let labels = try model.textEmbeddings(for: texts, batchSize: 8, normalized: true).map { try $0.get() }
        let scores = model.zeroShotScores(image: image, labels: texts, labelEmbeddings: labels)
        let expected = try Fixtures.tensor("tiny-clip", "zero_shot_logits").rows(0..<1).scalars
        #expect(scores.count == 5)
        for score in scores {
            let index = try #require(texts.firstIndex(of: score.label))
            #expect(abs(score.logit - expected[index]) <= CLIPTolerance.logits)
        }
        let top = expected.max() ?? 0
        let total = expected.map { Foundation.exp($0 - top) }.reduce(0, +)
        #expect(abs(scores.map(\.probability).reduce(0, +) - 1) < 1e-5)
        for score in scores {
            let index = try #require(texts.firstIndex(of: score.label))
            #expect(abs(score.probability - Foundation.exp(expected[index] - top) / total) < 1e-5)
        }
    }
}
