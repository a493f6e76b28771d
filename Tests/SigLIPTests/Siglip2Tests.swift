import Foundation
import Testing
import Tensor
import SigLIP

/// SigLIP 2 NaFlex (`model_type` "siglip2") against transformers 5.24's `Siglip2ImageProcessorPil` and
/// `Siglip2Model` on tiny-naflex (patch 4, a 4×4 position table): six image files from a 1:16 strip to a 12:1 one,
/// each at `max_num_patches` 16, 64 and 256, so the position table is both shrunk and grown.
@Suite("Parity with transformers.Siglip2Model (NaFlex)")
struct Siglip2Tests {
    static let name = "tiny-naflex"
    static let sizes = [16, 64, 256]
    /// The sizes whose per-position outputs (resized positions, last hidden state) the fixture stores.
    static let perPosition = [16, 64]

    static func files() throws -> [URL] {
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model(name).appendingPathComponent("expected/image_files.json")))
        return names.map { Fixtures.model(name).appendingPathComponent($0).standardizedFileURL }
    }

    static func shapes(_ m: Int) throws -> [SpatialShape] {
        let a = try Fixtures.array(name, "spatial_shapes_\(m)")
        let flat = try #require(a.integers).map(Int.init)
        return stride(from: 0, to: flat.count, by: 2).map { SpatialShape(height: flat[$0], width: flat[$0 + 1]) }
    }

    static func ids() throws -> [[Int]] {
        let a = try Fixtures.array(name, "texts_input_ids")
        let flat = try #require(a.integers).map(Int.init)
        return stride(from: 0, to: flat.count, by: a.shape[1]).map { Array(flat[$0..<($0 + a.shape[1])]) }
    }

    @Test func configIsNaFlex() throws {
        let config = try SiglipConfig(directory: Fixtures.model(Self.name))
        #expect(config.vision.numPatches == 16 && config.vision.gridSize == 4 && config.vision.isNaFlex)
        let defaults = try SiglipConfig(json: Data(#"{"model_type": "siglip2"}"#.utf8))
        #expect(defaults.vision.numPatches == 256 && defaults.vision.gridSize == 16)
        let fixed = try SiglipConfig(json: Data(#"{"model_type": "siglip", "vision_config": {"num_patches": 16}}"#.utf8))
        #expect(!fixed.vision.isNaFlex)
        #expect(throws: SiglipError.self) { try SiglipModel(directory: Fixtures.model(Self.name)) }
        #expect(throws: SiglipError.self) { try Siglip2Model(directory: Fixtures.model("tiny-siglip")) }
        #expect(try loadImageTextModel(directory: Fixtures.model(Self.name)) is Siglip2Pipeline)
    }

    @Test("patches, masks and grids are the reference's exactly", arguments: sizes)
    func patches(m: Int) throws {
        let processor = try Siglip2ImageProcessor(directory: Fixtures.model(Self.name))
        #expect(processor.patchSize == 4 && processor.maxNumPatches == 64 && processor.config.resample == .bilinear)
        let ours = try Self.files().map { try processor.patches(contentsOf: $0, maxNumPatches: m) }
        let expected = try Fixtures.tensor(Self.name, "pixel_values_\(m)")
        try #require(ours.count == 6 && expected.shape == [6, m, 48])
        #expect(ours.map(\.spatialShape) == (try Self.shapes(m)))
        #expect(ours.flatMap { $0.attentionMask.map(Int64.init) } == (try Fixtures.array(Self.name, "pixel_attention_mask_\(m)").integers))
        #expect(maxAbsoluteError(Tensor(shape: expected.shape, values: ours.flatMap(\.values)), expected) == 0)
    }

    @Test func targetSizeFollowsTheBinarySearch() {
        // What get_image_size_for_max_num_patches returns for a 640×427 (w×h) photo at patch 16: 13×19 = 247 patches.
        #expect(Siglip2ImageProcessor.targetSize(height: 427, width: 640, patchSize: 16, maxNumPatches: 256) == (208, 304))
        // One patch at least along each side, however thin the image.
        #expect(Siglip2ImageProcessor.targetSize(height: 1, width: 1000, patchSize: 16, maxNumPatches: 256) == (16, 4096))
    }

    @Test("position tables resized per image", arguments: perPosition)
    func positions(m: Int) throws {
        let model = try Siglip2Model(directory: Fixtures.model(Self.name))
        let ours = model.vision.embeddings.paddedPositions(try Self.shapes(m), length: m)
        // Achieved 1.2e-7 (float32 sums in another order).
        let error = maxRelativeRowError(ours, try Fixtures.tensor(Self.name, "positions_\(m)"))
        print("naflex positions \(m): \(error)")
        #expect(error <= 5e-7)
    }

    @Test("last hidden state, padding rows included", arguments: perPosition)
    func lastHiddenState(m: Int) throws {
        let model = try Siglip2Model(directory: Fixtures.model(Self.name))
        let out = try model.vision(try Fixtures.tensor(Self.name, "pixel_values_\(m)"), spatialShapes: try Self.shapes(m))
        let error = maxRelativeRowError(out.lastHiddenState, try Fixtures.tensor(Self.name, "vision_last_hidden_state_\(m)"))
        print("naflex last hidden state \(m): \(error)")
        #expect(error <= Tolerance.hiddenStates)
    }

    /// The worst errors of `vision` (the model's tower unless replaced) at `max_num_patches` `m`.
    static func errors(_ model: Siglip2Model, m: Int, vision: Siglip2VisionTransformer? = nil) throws -> ParityErrors {
        let pixels = try Fixtures.tensor(name, "pixel_values_\(m)")
        let raw = try (vision ?? model.vision)(pixels, spatialShapes: try shapes(m)).pooled
        let ids = try ids()
        var e = ParityErrors()
        e.imageRaw = maxRelativeRowError(raw, try Fixtures.tensor(name, "image_embeds_raw_\(m)"))
        e.textRaw = maxRelativeRowError(try model.textEmbeddings(inputIDs: ids, normalized: false), try Fixtures.tensor(name, "texts_embeds_raw"))
        let image = l2Normalized(raw), text = try model.textEmbeddings(inputIDs: ids)
        e.imageCosineDistance = maxRowCosineDistance(image, try Fixtures.tensor(name, "image_embeds_\(m)"))
        e.textCosineDistance = maxRowCosineDistance(text, try Fixtures.tensor(name, "text_embeds"))
        e.logits = maxAbsoluteError(model.logits(imageEmbeddings: image, textEmbeddings: text), try Fixtures.tensor(name, "logits_per_image_\(m)"))
        return e
    }

    @Test("raw and normalised embeddings and logits", arguments: sizes)
    func embeddingsAndLogits(m: Int) throws {
        let errors = try Self.errors(try Siglip2Model(directory: Fixtures.model(Self.name)), m: m)
        print("naflex parity \(m): \(errors)")
        #expect(errors.imageWithin && errors.textWithin && errors.logitsWithin)
    }

    @Test("from files and strings, mixed aspect ratios in one batch", arguments: sizes)
    func endToEnd(m: Int) throws {
        let pipeline = try Siglip2Pipeline(directory: Fixtures.model(Self.name), maxNumPatches: m)
        let texts = try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.model(Self.name).appendingPathComponent("expected/texts.json")))
        let ids = try texts.map { try pipeline.tokenizer().encode($0).map(Int.init) }
        #expect(ids == (try Self.ids()))
        let expected = try Fixtures.tensor(Self.name, "image_embeds_raw_\(m)")
        for batchSize in [1, 4, 16] {
            let rows = try pipeline.imageEmbeddings(for: try Self.files(), batchSize: batchSize, normalized: false).map { try $0.get() }
            try #require(rows.count == expected.shape[0])
            let error = maxRelativeRowError(Tensor(shape: expected.shape, values: rows.flatMap { $0 }), expected)
            print("naflex files \(m) batch \(batchSize): \(error)")
            #expect(error <= Tolerance.relative)
        }
        let model: any ImageTextModel = pipeline
        let images = try model.imageEmbeddings(for: try Self.files(), batchSize: 16, side: nil, normalized: true).map { try $0.get() }
        let labels = try model.textEmbeddings(for: texts, batchSize: 64, normalized: true).map { try $0.get() }
        let logits = try Fixtures.tensor(Self.name, "logits_per_image_\(m)")
        try #require(images.count * labels.count == logits.count)
        var worst: Float = 0
        for (i, image) in images.enumerated() {
            for score in model.zeroShotScores(image: image, labels: texts.indices.map(String.init), labelEmbeddings: labels) {
                worst = max(worst, abs(score.logit - logits[i * labels.count + Int(score.label)!]))
            }
        }
        print("naflex zero-shot logits \(m): \(worst)")
        #expect(worst <= Tolerance.logits)
    }

    @Test func badInputsFailAlone() throws {
        let pipeline = try Siglip2Pipeline(directory: Fixtures.model(Self.name))
        let missing = Fixtures.model(Self.name).appendingPathComponent("no-such.png")
        let results = pipeline.imageEmbeddings(for: [missing] + (try Self.files()))
        #expect(results.count == 7)
        #expect((try? results[0].get()) == nil)
        #expect(results.dropFirst().allSatisfy { (try? $0.get())?.count == 32 })
        #expect(pipeline.imageEmbeddings(for: try Self.files(), side: 224).allSatisfy { (try? $0.get()) == nil })
        #expect(throws: SiglipError.self) { try Siglip2Pipeline(directory: Fixtures.model(Self.name), maxNumPatches: 0) }
    }

    @Test("fixed-resolution SigLIP 2 text: lowercased, <eos> then <pad> up to 64")
    func fixedResolutionPadding() throws {
        let pipeline = try SiglipPipeline(directory: Fixtures.model("tiny-siglip2"))
        let tokenizer = try pipeline.tokenizer()
        let ids = tokenizer.encode("A Dog")
        #expect(ids.count == 64 && ids == tokenizer.encode("a dog"))
        let eos = try #require(ids.firstIndex(of: 1))
        #expect(eos > 0 && ids[(eos + 1)...].allSatisfy { $0 == 0 })
    }
}

/// The NaFlex comparisons are tight enough to catch the bugs specific to it.
@Suite("The NaFlex parity tolerances catch plausible bugs")
struct Siglip2SensitivityTests {
    /// Pooling over the padding too changes every padded image's embedding (all but the square one at 16 and 64).
    @Test("no mask in the pooling head", arguments: [16, 64])
    func unmaskedPooling(m: Int) throws {
        let model = try Siglip2Model(directory: Fixtures.model(Siglip2Tests.name))
        var vision = model.vision
        vision.maskPooling = false
        let errors = try Siglip2Tests.errors(model, m: m, vision: vision)
        print("naflex \(m) unmasked pooling: \(errors)")
        #expect(errors.imageRaw > Tolerance.relative && errors.imageCosineDistance > Tolerance.cosineDistance)
        #expect(errors.logits > Tolerance.logits && errors.textWithin)
    }

    /// Without antialiasing, a grid narrower than the table (4) samples only two of its columns.
    @Test("position table resized without antialiasing", arguments: [16, 64])
    func plainBilinear(m: Int) throws {
        let model = try Siglip2Model(directory: Fixtures.model(Siglip2Tests.name))
        var vision = model.vision
        vision.embeddings.antialias = false
        let positions = vision.embeddings.paddedPositions(try Siglip2Tests.shapes(m), length: m)
        let positionError = maxRelativeRowError(positions, try Fixtures.tensor(Siglip2Tests.name, "positions_\(m)"))
        let errors = try Siglip2Tests.errors(model, m: m, vision: vision)
        print("naflex \(m) plain bilinear: positions \(positionError), \(errors)")
        #expect(positionError > 1e-2)
        #expect(errors.imageRaw > Tolerance.relative && errors.logits > Tolerance.logits && errors.textWithin)
    }
}

/// Every encoder layer must mask the padding: the tower run by hand with the mask in only some layers misses the
/// reference's pooled embedding at every size where an image is padded, while masking all of them reproduces it.
@Suite("NaFlex masks padding keys in every encoder layer")
struct Siglip2LayerMaskTests {
    /// The pooled output when layer `i` masks padding keys only if `masked(i)`; the pooling head always masks.
    static func pooled(_ vision: Siglip2VisionTransformer, m: Int, masked: (Int) -> Bool) throws -> Tensor {
        let pixels = try Fixtures.tensor(Siglip2Tests.name, "pixel_values_\(m)")
        let shapes = try Siglip2Tests.shapes(m), batch = pixels.shape[0], valid = shapes.map(\.patches)
        let x = vision.embeddings(pixels.reshaped([batch * m, pixels.shape[2]]), shapes: shapes, length: m)
        for (i, layer) in vision.encoder.layers.enumerated() {
            layer(x, batch: batch, length: m, keyLengths: masked(i) ? valid : nil)
        }
        return vision.head(vision.postLayernorm(x), batch: batch, length: m, keyLengths: valid)
    }

    @Test("mask in all, none, only the first or only the last layer", arguments: Siglip2Tests.sizes)
    func layerMasks(m: Int) throws {
        let vision = try Siglip2Model(directory: Fixtures.model(Siglip2Tests.name)).vision
        try #require(vision.encoder.layers.count == 2)
        let expected = try Fixtures.tensor(Siglip2Tests.name, "image_embeds_raw_\(m)")
        let all = maxRelativeRowError(try Self.pooled(vision, m: m) { _ in true }, expected)
        let none = maxRelativeRowError(try Self.pooled(vision, m: m) { _ in false }, expected)
        let first = maxRelativeRowError(try Self.pooled(vision, m: m) { $0 == 0 }, expected)
        let last = maxRelativeRowError(try Self.pooled(vision, m: m) { $0 == 1 }, expected)
        print("naflex \(m) layer masks: all \(all), none \(none), first only \(first), last only \(last)")
        #expect(all <= Tolerance.relative)
        #expect(none > 1e-3 && first > 1e-3 && last > 1e-3)
    }
}

extension ParityErrors {
    /// No errors yet, for comparisons assembled field by field.
    init() {}
}
