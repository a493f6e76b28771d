import Foundation
import Testing
import NPY

/// SigLIP 2 NaFlex checkpoints (tiny-naflex) through `siglip embed` and `siglip classify`, with `--max-num-patches`,
/// against the transformers fixtures. Numbers are printed in their shortest round-trip form, so the library's parity
/// tolerances apply unchanged: 8e-6 of a row's largest element for embeddings, 1.2e-5 for logits.
@Suite("siglip with a SigLIP 2 NaFlex checkpoint")
struct NaFlexCLITests {
    static let model = CLI.model("tiny-naflex")

    static func images() throws -> [String] {
        let names = try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: model + "/expected/image_files.json")))
        return names.map { URL(fileURLWithPath: model).appendingPathComponent($0).standardizedFileURL.path }
    }

    static func texts() throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: model + "/expected/texts.json")))
    }

    /// The expected rows of a `[N, D]` fixture.
    static func rows(_ file: String) throws -> [[Float]] {
        let a = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-naflex", file)))
        let values = a.floats, width = a.shape[1]
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
    }

    /// The worst row error of printed embeddings against expected rows, relative to each row's largest element.
    static func worst(_ lines: [[String: Any]], _ expected: [[Float]]) -> Float {
        guard lines.count == expected.count else { return .infinity }
        return zip(lines, expected).map { line, ref in
            let v = floats(line["embedding"])
            guard v.count == ref.count else { return Float.infinity }
            return (zip(v, ref).map { abs($0 - $1) }.max() ?? .infinity) / (ref.map(abs).max() ?? 1)
        }.max() ?? .infinity
    }

    @Test("embed --max-num-patches gives the reference's pooled outputs", arguments: [16, 64, 256])
    func embedRaw(m: Int) throws {
        let images = try Self.images()
        let out = try CLI.run(["embed", "--model", Self.model, "--raw", "--max-num-patches", "\(m)", "--batch-size", "4"]
                              + images.flatMap { ["--image", $0] })
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.map { $0["input"] as? String } == images)
        let error = Self.worst(out.lines, try Self.rows("image_embeds_raw_\(m)"))
        print("naflex CLI embed raw \(m): \(error)")
        #expect(error <= 8e-6)
    }

    /// Without the flag the preprocessor's max_num_patches (64) applies; texts come after images.
    @Test func embedDefaultsToTheCheckpointsPatchBudget() throws {
        let images = try Self.images(), texts = try Self.texts()
        let out = try CLI.run(["embed", "--model", Self.model] + images.flatMap { ["--image", $0] } + texts.flatMap { ["--text", $0] })
        #expect(out.status == 0, "\(out.stderr)")
        try #require(out.lines.count == images.count + texts.count)
        let imageError = Self.worst(Array(out.lines.prefix(images.count)), try Self.rows("image_embeds_64"))
        let textError = Self.worst(Array(out.lines.suffix(texts.count)), try Self.rows("text_embeds"))
        print("naflex CLI embed default: images \(imageError), texts \(textError)")
        #expect(imageError <= 8e-6 && textError <= 8e-6)
        // Another budget gives other embeddings: the flag reaches the model.
        let other = try CLI.run(["embed", "--model", Self.model, "--max-num-patches", "16"] + images.flatMap { ["--image", $0] })
        #expect(Self.worst(other.lines, try Self.rows("image_embeds_64")) > 1e-3)
    }

    @Test func classifyGivesTheReferenceLogits() throws {
        let images = try Self.images(), texts = try Self.texts()
        let out = try CLI.run(["classify", "--model", Self.model, "--max-num-patches", "256", "--template", "{}"]
                              + texts.flatMap { ["--label", $0] } + images + ["/nonexistent.png"])
        #expect(out.status == 1, "one image is missing")
        try #require(out.lines.count == images.count + 1)
        #expect(out.lines.last?["input"] as? String == "/nonexistent.png" && out.lines.last?["error"] != nil)
        let logits = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-naflex", "logits_per_image_256"))).floats
        try #require(logits.count == images.count * texts.count)
        var worst: Float = 0
        for (i, line) in out.lines.prefix(images.count).enumerated() {
            #expect(line["input"] as? String == images[i])
            let scores = line["scores"] as? [[String: Any]] ?? []
            #expect(scores.count == texts.count)
            let probabilities = scores.compactMap { ($0["probability"] as? NSNumber)?.floatValue }
            #expect(probabilities == probabilities.sorted(by: >))
            for score in scores {
                let j = try #require(texts.firstIndex(of: score["label"] as? String ?? ""))
                worst = max(worst, abs(((score["logit"] as? NSNumber)?.floatValue ?? .nan) - logits[i * texts.count + j]))
            }
        }
        print("naflex CLI classify logits: \(worst)")
        #expect(worst <= 1.2e-5)
    }

    /// The Gemma tokenizer of a NaFlex checkpoint: lowercased, `<eos>`, padded with `<pad>` to 64, the reference's ids.
    @Test func tokenizeGivesTheReferenceIds() throws {
        let texts = try Self.texts()
        let out = try CLI.run(["tokenize", "--model", Self.model] + texts)
        #expect(out.status == 0, "\(out.stderr)")
        let ids = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-naflex", "texts_input_ids")))
        let expected = try #require(ids.integers)
        let printed = out.lines.flatMap { ($0["ids"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int64Value } }
        #expect(out.lines.count == texts.count && printed == expected)
    }

    @Test func flagsThatDoNotApplyAreRefused() throws {
        let image = try Self.images()[0]
        let cases: [[String]] = [
            ["embed", "--model", Self.model, "--max-num-patches", "0", "--image", image],
            ["embed", "--model", Self.model, "--max-num-patches", "4097", "--image", image],
            ["embed", "--model", CLI.model("tiny-siglip"), "--max-num-patches", "64", "--image", image],
            ["embed", "--model", Self.model, "--image-size", "64", "--image", image],
            ["embed", "--model", Self.model, "--pixel-values", CLI.expected("tiny-naflex", "pixel_values_16")],
            ["classify", "--model", Self.model, "--image-size", "64", "--label", "cat", image],
            ["classify", "--model", CLI.model("tiny-siglip"), "--max-num-patches", "64", "--label", "cat", image],
        ]
        for arguments in cases {
            let out = try CLI.run(arguments)
            #expect(out.status == 64, "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains("--max-num-patches") || out.stderr.contains("NaFlex"), "\(arguments): \(out.stderr)")
            #expect(out.lines.isEmpty, "\(arguments)")
        }
    }
}
