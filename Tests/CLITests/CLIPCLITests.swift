import Foundation
import Testing
import NPY

/// A CLIP checkpoint (model_type "clip") through the commands that take any image–text model, against the
/// transformers 5.24 outputs committed with the tiny-clip fixture.
@Suite("CLIP through the siglip command line")
struct CLIPCLITests {
    static let model = CLI.model("tiny-clip")

    func json<T: Decodable>(_ file: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: Self.model).appendingPathComponent("expected/\(file)")))
    }

    func rows(_ file: String) throws -> [[Float]] {
        let array = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-clip", file)))
        let width = array.shape[1], values = array.floats
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
    }

    func image(_ name: String) -> String { CLI.fixtures.appendingPathComponent("images/files/\(name)").path }

    /// Softmax zero-shot: the reference's logits (`exp(t)·cos`, no bias) and probabilities that sum to 1.
    @Test func classifyIsASoftmaxOverTheLabels() throws {
        let labels = try json("texts.json", as: [String].self), files = try json("image_files.json", as: [String].self)
        let logits = try rows("zero_shot_logits")
        let out = try CLI.run(["classify", "--model", Self.model, "--template", "{}"] + labels.flatMap { ["--label", $0] }
                              + [image(files[0]), image(files[1])])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.count == 2)
        for (i, line) in out.lines.enumerated() {
            let scores = line["scores"] as? [[String: Any]] ?? []
            #expect(scores.count == labels.count)
            let probabilities = scores.compactMap { ($0["probability"] as? NSNumber)?.floatValue }
            #expect(probabilities == probabilities.sorted(by: >))
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
            let top = logits[i].max() ?? 0, total = logits[i].map { Foundation.exp($0 - top) }.reduce(0, +)
            for score in scores {
                let label = score["label"] as? String ?? "", j = try #require(labels.firstIndex(of: label))
                let logit = (score["logit"] as? NSNumber)?.floatValue ?? .nan, p = (score["probability"] as? NSNumber)?.floatValue ?? .nan
                #expect(abs(logit - logits[i][j]) <= 1e-3, "logit of \(label)")
                #expect(abs(p - Foundation.exp(logits[i][j] - top) / total) <= 1e-4, "probability of \(label)")
            }
        }
    }

    /// Raw text and image-file embeddings as the reference's CLIPModel gives them.
    @Test func embedMatchesTheReference() throws {
        let texts = try json("texts.json", as: [String].self), files = try json("image_files.json", as: [String].self)
        let out = try CLI.run(["embed", "--model", Self.model, "--raw", "--batch-size", "2"]
                              + files.prefix(3).flatMap { ["--image", image($0)] } + texts.flatMap { ["--text", $0] })
        #expect(out.status == 0, "\(out.stderr)")
        let expected = Array(try rows("image_files_embeds_raw").prefix(3)) + (try rows("texts_embeds_raw"))
        #expect(out.lines.count == expected.count)
        for (line, reference) in zip(out.lines, expected) {
            let v = floats(line["embedding"]), scale = reference.map(abs).max() ?? 1
            let worst = zip(v, reference).map { abs($0 - $1) }.max() ?? .infinity
            #expect(v.count == reference.count && worst <= 1e-4 * scale, "\(line["input"] ?? "")")
        }
    }

    /// The ids of CLIP's BPE: start and end tokens, padded with the end token to 77.
    @Test func tokenizePrintsTheReferenceIds() throws {
        let texts = try json("texts.json", as: [String].self)
        let out = try CLI.run(["tokenize", "--model", Self.model] + texts)
        #expect(out.status == 0, "\(out.stderr)")
        let ids = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-clip", "texts_input_ids"))).integers ?? []
        #expect(out.lines.flatMap { ($0["ids"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int64Value } } == ids)
    }

    /// Index and search: a text query ranks the images by cosine, and CLIP's probabilities are a softmax over them.
    @Test func indexAndSearch() throws {
        let files = try json("image_files.json", as: [String].self)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clip-index-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let added = try CLI.run(["index", "add", "--index", dir.path, "--model", Self.model] + files.prefix(4).map(image))
        #expect(added.status == 0, "\(added.stderr)")
        let out = try CLI.run(["search", "--index", dir.path, "--text", "a photo of a cat", "-k", "3", "--json"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.lines.count == 3)
        let scores = out.lines.compactMap { ($0["score"] as? NSNumber)?.floatValue }
        let probabilities = out.lines.compactMap { ($0["probability"] as? NSNumber)?.floatValue }
        #expect(scores == scores.sorted(by: >) && probabilities == probabilities.sorted(by: >))
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
    }

    /// `siglip train` fine-tunes SigLIP only: a CLIP checkpoint is refused before any data is read.
    @Test func trainRefusesCLIP() throws {
        let out = try CLI.run(["train", "--model", Self.model, "--data", "/nonexistent", "--steps", "1", "--output",
                               FileManager.default.temporaryDirectory.appendingPathComponent("clip-train-\(UUID().uuidString)").path])
        #expect(out.status == 1)
        #expect(out.stderr.contains("CLIP checkpoint") && out.stderr.contains("SigLIP"), "\(out.stderr)")
    }
}
