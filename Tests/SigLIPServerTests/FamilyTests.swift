import Foundation
import HummingbirdTesting
import NPY
import SigLIPServer
import Testing

/// The reference outputs (transformers 5.24) committed with a tiny checkpoint: rows of `expected/<name>.npy`.
enum Reference {
    static func rows(_ model: String, _ name: String, normalized: Bool = false) throws -> [[Float]] {
        let array = try NPYArray(contentsOf: Fixtures.root.appendingPathComponent("models/\(model)/expected/\(name).npy"))
        let width = array.shape[1], values = array.floats
        return stride(from: 0, to: values.count, by: width).map { start in
            let row = Array(values[start..<(start + width)])
            let norm = normalized ? row.reduce(0) { $0 + $1 * $1 }.squareRoot() : 1
            return row.map { $0 / norm }
        }
    }

    static func strings(_ model: String, _ name: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: Fixtures.root.appendingPathComponent("models/\(model)/expected/\(name)")))
    }

    /// The worst row error relative to each reference row's largest element.
    static func worst(_ ours: [[Float]], _ reference: [[Float]]) -> Float {
        guard ours.count == reference.count else { return .infinity }
        return zip(ours, reference).map { v, ref in
            guard v.count == ref.count else { return Float.infinity }
            return (zip(v, ref).map { abs($0 - $1) }.max() ?? .infinity) / (ref.map(abs).max() ?? 1)
        }.max() ?? .infinity
    }
}

/// `siglip serve` with a CLIP checkpoint (softmax zero-shot, no bias) and a SigLIP 2 NaFlex checkpoint (images
/// batched at their own aspect ratios with padding masks), against the transformers fixtures. Tolerances are the
/// library's parity bounds for each family: CLIP 1e-4 of a row's largest element (1e-3 on logits of scale
/// exp(t)); NaFlex 8e-6 for embeddings, 1.2e-5 for logits.
@Suite("The HTTP API serves CLIP and SigLIP 2 NaFlex checkpoints")
struct FamilyTests {
    static let clip = Fixtures.root.appendingPathComponent("models/tiny-clip")
    static let naflex = Fixtures.root.appendingPathComponent("models/tiny-naflex")

    static func configuration(_ model: URL, _ change: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
        var c = ServerConfiguration(model: model)
        c.port = 0
        change(&c)
        return c
    }

    /// The first six CLIP fixture files (the ones under images/files) as uploads.
    static func clipImages() throws -> [Data] {
        try Reference.strings("tiny-clip", "image_files.json").prefix(6).map { try Data(contentsOf: Fixtures.images.appendingPathComponent($0)) }
    }

    static func naflexImages() throws -> [Data] {
        try Reference.strings("tiny-naflex", "image_files.json").map { try Data(contentsOf: naflex.appendingPathComponent($0).standardizedFileURL) }
    }

    @Test func clipEmbeddingsAndModelInfo() async throws {
        let images = try Self.clipImages(), allStrings = try Reference.strings("tiny-clip", "texts.json")
        let textIndices = allStrings.indices.filter { !allStrings[$0].isEmpty }, texts = textIndices.map { allStrings[$0] }
        let expectedImages = Array(try Reference.rows("tiny-clip", "image_files_embeds_raw", normalized: true).prefix(6))
        let allTexts = try Reference.rows("tiny-clip", "texts_embeds_raw", normalized: true)
        try await withServer(Self.configuration(Self.clip)) { client, _ in
            let (status, body) = try await client.post("/v1/embeddings", json: ["texts": texts, "images": images.map { $0.base64EncodedString() }])
            #expect(status == .ok, "\(body)")
            let gotImages = (body["images"] as? [Any] ?? []).map(floats), gotTexts = (body["texts"] as? [Any] ?? []).map(floats)
            let imageError = Reference.worst(gotImages, expectedImages), textError = Reference.worst(gotTexts, textIndices.map { allTexts[$0] })
            print("serve clip embeddings: images \(imageError), texts \(textError)")
            #expect(imageError <= 1e-4 && textError <= 1e-4)
            let (_, models) = try await client.send("/v1/models", method: .get)
            let model = try #require((models["data"] as? [[String: Any]])?.first)
            #expect(model["family"] as? String == "clip" && model["activation"] as? String == "softmax")
            #expect(model["dimension"] as? Int == 24 && model["image_size"] as? [Int] == [32, 32] && model["max_text_tokens"] as? Int == 77)
            #expect(model["max_num_patches"] == nil)
        }
    }

    /// CLIP zero-shot through the server: the reference's logits, and a softmax over the labels given.
    @Test func clipClassifyIsASoftmax() async throws {
        let labels = try Reference.strings("tiny-clip", "texts.json"), logits = try Reference.rows("tiny-clip", "zero_shot_logits")
        let kept = labels.indices.filter { !labels[$0].isEmpty }
        let photo = try Self.clipImages()[1]
        try await withServer(Self.configuration(Self.clip)) { client, _ in
            let (status, body) = try await client.post("/v1/classify", json: ["image": photo.base64EncodedString(), "labels": kept.map { labels[$0] },
                                                                             "template": "{}"])
            #expect(status == .ok, "\(body)")
            #expect(body["activation"] as? String == "softmax")
            let scores = body["scores"] as? [[String: Any]] ?? []
            #expect(scores.count == kept.count)
            let reference = kept.map { logits[1][$0] }, top = reference.max() ?? 0
            let total = reference.map { Foundation.exp($0 - top) }.reduce(0, +)
            let probabilities = scores.compactMap { ($0["probability"] as? NSNumber)?.floatValue }
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4 && probabilities == probabilities.sorted(by: >))
            for score in scores {
                let label = score["label"] as? String ?? "", j = try #require(kept.firstIndex { labels[$0] == label })
                let logit = (score["logit"] as? NSNumber)?.floatValue ?? .nan, p = (score["probability"] as? NSNumber)?.floatValue ?? .nan
                #expect(abs(logit - reference[j]) <= 1e-3, "logit of \(label)")
                #expect(abs(p - Foundation.exp(reference[j] - top) / total) <= 1e-4, "probability of \(label)")
            }
        }
    }

    /// Six images of different aspect ratios in one request, and in concurrent requests that the engine joins into
    /// one batch: each is fitted into max_num_patches at its own shape (never squared), as the reference does.
    @Test(arguments: [16, 64])
    func naflexEmbeddingsBatchAtTheirOwnShapes(patches: Int) async throws {
        let images = try Self.naflexImages(), expected = try Reference.rows("tiny-naflex", "image_embeds_\(patches)", normalized: true)
        let configuration = Self.configuration(Self.naflex) { c in
            c.maxNumPatches = patches == 64 ? nil : patches  // 64 is the checkpoint's own max_num_patches
            c.maxWaitMilliseconds = 200
        }
        try await withServer(configuration) { client, _ in
            let (status, body) = try await client.post("/v1/embeddings", json: ["images": images.map { $0.base64EncodedString() }])
            #expect(status == .ok, "\(body)")
            let together = (body["images"] as? [Any] ?? []).map(floats)
            let single = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
                for (i, image) in images.enumerated() {
                    group.addTask {
                        let (_, one) = try await client.post("/v1/embeddings", json: ["images": [image.base64EncodedString()]])
                        return (i, floats((one["images"] as? [Any])?.first))
                    }
                }
                var rows = [[Float]](repeating: [], count: images.count)
                for try await (i, row) in group { rows[i] = row }
                return rows
            }
            let error = max(Reference.worst(together, expected), Reference.worst(single, expected))
            print("serve naflex embeddings at \(patches) patches: \(error)")
            #expect(error <= 8e-6)
            let (_, models) = try await client.send("/v1/models", method: .get)
            let model = try #require((models["data"] as? [[String: Any]])?.first)
            #expect(model["family"] as? String == "siglip2-naflex" && model["activation"] as? String == "sigmoid")
            #expect(model["image_size"] as? [Int] == [] && model["max_num_patches"] as? Int == patches)
        }
    }

    /// NaFlex zero-shot: the reference's logits (`exp(t)·cos + b`) and an independent sigmoid per label.
    @Test func naflexClassifyIsASigmoidPerLabel() async throws {
        let labels = try Reference.strings("tiny-naflex", "texts.json"), logits = try Reference.rows("tiny-naflex", "logits_per_image_64")
        let kept = labels.indices.filter { !labels[$0].isEmpty }
        let images = try Self.naflexImages()
        try await withServer(Self.configuration(Self.naflex)) { client, _ in
            for i in [0, 4] {
                let (status, body) = try await client.post("/v1/classify", json: ["image": images[i].base64EncodedString(),
                                                                                 "labels": kept.map { labels[$0] }, "template": "{}"])
                #expect(status == .ok, "\(body)")
                #expect(body["activation"] as? String == "sigmoid")
                let scores = body["scores"] as? [[String: Any]] ?? []
                #expect(scores.count == kept.count)
                for score in scores {
                    let label = score["label"] as? String ?? "", j = try #require(kept.first { labels[$0] == label })
                    let logit = (score["logit"] as? NSNumber)?.floatValue ?? .nan, p = (score["probability"] as? NSNumber)?.floatValue ?? .nan
                    #expect(abs(logit - logits[i][j]) <= 1.2e-5, "logit of \(label) for image \(i)")
                    #expect(abs(p - 1 / (1 + Foundation.exp(-logits[i][j]))) <= 1e-5)
                }
            }
        }
    }

    /// A NaFlex index behind the server: a text query finds the image the reference ranks first.
    @Test func naflexIndexSearch() async throws {
        let images = try Self.naflexImages(), texts = try Reference.strings("tiny-naflex", "texts.json")
        let imageRows = try Reference.rows("tiny-naflex", "image_embeds_64"), textRows = try Reference.rows("tiny-naflex", "text_embeds")
        let configuration = Self.configuration(Self.naflex) { $0.index = Fixtures.scratch("naflex-index") }
        try await withServer(configuration) { client, _ in
            let (status, added) = try await client.post("/v1/index", json: ["images": images.map { $0.base64EncodedString() }])
            #expect(status == .ok, "\(added)")
            for t in [0, 2] {
                let cosines = imageRows.map { zip($0, textRows[t]).reduce(0) { $0 + $1.0 * $1.1 } }
                let best = try #require(cosines.indices.max { cosines[$0] < cosines[$1] })
                let (_, found) = try await client.post("/v1/search", json: ["text": texts[t], "k": 1])
                let hit = try #require((found["results"] as? [[String: Any]])?.first)
                // Uploads are stored by content hash: the best hit is the same bytes as the reference's best image.
                let (_, query) = try await client.post("/v1/search", json: ["image": images[best].base64EncodedString(), "k": 1])
                #expect(hit["id"] as? Int == (query["results"] as? [[String: Any]])?.first?["id"] as? Int)
                #expect(abs(((hit["score"] as? NSNumber)?.floatValue ?? .nan) - cosines[best]) <= 1e-4)
            }
        }
    }

    @Test func maxNumPatchesIsRefusedForFixedResolutionCheckpoints() throws {
        for model in [Self.clip, Fixtures.model] {
            #expect(throws: (any Error).self) { try SiglipServer(configuration: Self.configuration(model) { $0.maxNumPatches = 64 }) }
        }
    }
}
