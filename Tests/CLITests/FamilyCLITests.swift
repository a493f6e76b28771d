import Foundation
import NPY
import Testing

/// `preprocess`, `eval-zero-shot`, `index add` / `search` and `--store` with CLIP and SigLIP 2 NaFlex checkpoints,
/// against the transformers 5.24 fixtures committed with tiny-clip and tiny-naflex. Pixels must match exactly
/// (the library's processor parity is exact); cosines within 1e-4 (embeddings agree to 1e-4 of a row's largest
/// element for CLIP, 8e-6 for NaFlex).
@Suite("preprocess, eval-zero-shot, index and search with CLIP and NaFlex checkpoints")
struct FamilyCLITests {
    static let clip = CLI.model("tiny-clip"), naflex = CLI.model("tiny-naflex")

    static func strings(_ model: String, _ file: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: CLI.fixtures.appendingPathComponent("models/\(model)/expected/\(file)").path)))
    }

    /// Rows of `expected/<name>.npy`, optionally scaled to unit length.
    static func rows(_ model: String, _ name: String, normalized: Bool = true) throws -> [[Float]] {
        let array = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected(model, name)))
        let width = array.shape[1], values = array.floats
        return stride(from: 0, to: values.count, by: width).map { start in
            let row = Array(values[start..<(start + width)]), norm = normalized ? row.reduce(0) { $0 + $1 * $1 }.squareRoot() : 1
            return row.map { $0 / norm }
        }
    }

    /// The CLIP fixture's image files: the shared ones under images/files, the generated shapes beside the expected outputs.
    static func clipImages() throws -> [String] {
        try strings("tiny-clip", "image_files.json").map { name in
            let shared = CLI.fixtures.appendingPathComponent("images/files/\(name)").path
            return FileManager.default.fileExists(atPath: shared) ? shared : clip + "/expected/" + name
        }
    }

    static func naflexImages() throws -> [String] { try NaFlexCLITests.images() }

    static func scratch(_ name: String) -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)") }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    // MARK: preprocess

    @Test func preprocessWritesCLIPsCroppedPixels() throws {
        let output = Self.scratch("clip-pixels").appendingPathExtension("npy")
        defer { try? FileManager.default.removeItem(at: output) }
        let out = try CLI.run(["preprocess", "--model", Self.clip, "--output", output.path] + (try Self.clipImages()))
        #expect(out.status == 0, "\(out.stderr)")
        let ours = try NPYArray(contentsOf: output)
        let reference = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-clip", "image_files_pixel_values")))
        #expect(ours.shape == reference.shape && ours.shape == [13, 3, 32, 32])
        #expect(ours.floats == reference.floats)
    }

    /// NaFlex writes what Siglip2ImageProcessor returns: padded patches, the mask and the grid, in three files.
    @Test(arguments: [16, 64, 256])
    func preprocessWritesNaFlexPatches(patches: Int) throws {
        let dir = Self.scratch("naflex-pixels")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("batch.npy")
        let out = try CLI.run(["preprocess", "--model", Self.naflex, "--max-num-patches", "\(patches)", "--output", output.path]
                              + (try Self.naflexImages()))
        #expect(out.status == 0, "\(out.stderr)")
        for (file, name) in [("batch.npy", "pixel_values"), ("batch_pixel_attention_mask.npy", "pixel_attention_mask"),
                             ("batch_spatial_shapes.npy", "spatial_shapes")] {
            let ours = try NPYArray(contentsOf: dir.appendingPathComponent(file))
            let reference = try NPYArray(contentsOf: URL(fileURLWithPath: CLI.expected("tiny-naflex", "\(name)_\(patches)")))
            #expect(ours.shape == reference.shape, "\(file)")
            if let integers = reference.integers { #expect(ours.integers == integers, "\(file)") } else { #expect(ours.floats == reference.floats, "\(file)") }
        }
    }

    @Test func preprocessRefusesFlagsOfTheOtherFamily() throws {
        let output = Self.scratch("refused").appendingPathExtension("npy")
        let image = try Self.naflexImages()[0]
        for (arguments, flag) in [(["--model", Self.naflex, "--image-size", "64"], "--image-size"),
                                  (["--model", Self.clip, "--max-num-patches", "64"], "--max-num-patches")] {
            let out = try CLI.run(["preprocess"] + arguments + [image, "--output", output.path])
            #expect(out.status == 64, "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains(flag), "\(out.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }

    // MARK: eval-zero-shot

    /// Even images get the reference's first choice as their caption, odd ones its second, so accuracy is 1 in
    /// group "first" and 0 in "second" exactly when our ranking is the reference's.
    @Test(arguments: [("tiny-clip", "image_files_embeds_raw", [String]()), ("tiny-naflex", "image_embeds_raw_64", []),
                      ("tiny-naflex", "image_embeds_raw_16", ["--max-num-patches", "16"])])
    func evalZeroShotFollowsTheReferenceRanking(model: String, imageFile: String, flags: [String]) throws {
        let images = model == "tiny-clip" ? try Self.clipImages() : try Self.naflexImages()
        let allTexts = try Self.strings(model, "texts.json"), textRows = try Self.rows(model, "texts_embeds_raw")
        // --labels is one label per line, trimmed: keep the texts that survive that unchanged.
        let kept = allTexts.indices.filter { !allTexts[$0].isEmpty && allTexts[$0] == allTexts[$0].trimmingCharacters(in: .whitespaces) }
        let labels = kept.map { allTexts[$0] }
        var rows: [String] = []
        for (k, image) in try Self.rows(model, imageFile).enumerated() {
            let scores = kept.map { Self.cosine(image, textRows[$0]) }
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
            #expect(scores[ranked[0]] - scores[ranked[1]] > 1e-4 && scores[ranked[1]] - scores[ranked[2]] > 1e-4, "the fixture's top three must not tie")
            let object: [String: Any] = ["image": images[k], "text": labels[ranked[k % 2]], "group": k % 2 == 0 ? "first" : "second"]
            rows.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        let dir = Self.scratch("zero-shot")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try rows.joined(separator: "\n").write(to: dir.appendingPathComponent("test.jsonl"), atomically: true, encoding: .utf8)
        try labels.joined(separator: "\n").write(to: dir.appendingPathComponent("labels.txt"), atomically: true, encoding: .utf8)
        let out = try CLI.run(["eval-zero-shot", "--model", CLI.model(model), "--data", dir.appendingPathComponent("test.jsonl").path,
                               "--labels", dir.appendingPathComponent("labels.txt").path] + flags)
        #expect(out.status == 0, "\(out.stderr)")
        let result = try #require(out.lines.first)
        #expect((result["first"] as? NSNumber)?.doubleValue == 1 && (result["second"] as? NSNumber)?.doubleValue == 0, "\(result)")
        // Printed with four decimals.
        #expect(abs(((result["all"] as? NSNumber)?.doubleValue ?? .nan) - Double((rows.count + 1) / 2) / Double(rows.count)) <= 5e-5)
        #expect(result["images"] as? Int == rows.count)
    }

    // MARK: index and search

    /// An index built with a NaFlex checkpoint at --max-num-patches 16: text → image finds the reference's best
    /// image with the reference's cosine, image → image finds the image itself and then its reference neighbour.
    @Test func naflexIndexSearchesAsTheReferenceRanks() throws {
        let images = try Self.naflexImages(), texts = try Self.strings("tiny-naflex", "texts.json")
        let imageRows = try Self.rows("tiny-naflex", "image_embeds_raw_16"), textRows = try Self.rows("tiny-naflex", "texts_embeds_raw")
        let dir = Self.scratch("naflex-index")
        defer { try? FileManager.default.removeItem(at: dir) }
        let added = try CLI.run(["index", "add", "--index", dir.path, "--model", Self.naflex, "--max-num-patches", "16"] + images)
        #expect(added.status == 0, "\(added.stderr)")
        for t in [0, 1, 2] {
            let cosines = imageRows.map { Self.cosine($0, textRows[t]) }
            let ranked = cosines.indices.sorted { cosines[$0] > cosines[$1] }
            #expect(cosines[ranked[0]] - cosines[ranked[1]] > 1e-3)
            let out = try CLI.run(["search", "--index", dir.path, "--text", texts[t], "-k", "2", "--json"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.lines.compactMap { $0["path"] as? String } == ranked.prefix(2).map { images[$0] }, "text \(t)")
            #expect(abs(((out.lines.first?["score"] as? NSNumber)?.floatValue ?? .nan) - cosines[ranked[0]]) <= 1e-4)
        }
        for i in [0, 1] {
            let cosines = imageRows.map { Self.cosine($0, imageRows[i]) }
            let ranked = cosines.indices.sorted { cosines[$0] > cosines[$1] }
            let out = try CLI.run(["search", "--index", dir.path, "--image", images[i], "--max-num-patches", "16", "-k", "2", "--json"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.lines.compactMap { $0["path"] as? String } == ranked.prefix(2).map { images[$0] }, "image \(i)")
            #expect(abs(((out.lines.last?["score"] as? NSNumber)?.floatValue ?? .nan) - cosines[ranked[1]]) <= 1e-4)
        }
        // The flag is refused where it cannot apply: an index of a fixed-resolution checkpoint.
        let clipIndex = Self.scratch("clip-index")
        defer { try? FileManager.default.removeItem(at: clipIndex) }
        let clipAdd = try CLI.run(["index", "add", "--index", clipIndex.path, "--model", Self.clip, "--max-num-patches", "16", images[0]])
        #expect(clipAdd.status == 64 && clipAdd.stderr.contains("--max-num-patches"), "\(clipAdd.stderr)")
    }

    /// `--store postgres://` loads any family before it connects: with no server listening, CLIP and NaFlex
    /// checkpoints get as far as the connection (not a config error), and --max-num-patches is checked first.
    @Test func postgresStoreLoadsEveryFamily() throws {
        let store = "postgres://nobody@/nothing?host=\(Self.scratch("no-socket").path)"
        let image = try Self.naflexImages()[0]
        for arguments in [["--model", Self.clip], ["--model", Self.naflex, "--max-num-patches", "16"]] {
            let out = try CLI.run(["index", "add", "--store", store] + arguments + [image])
            #expect(out.status == 1, "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains("cannot connect to PostgreSQL"), "\(arguments): \(out.stderr)")
        }
        let refused = try CLI.run(["index", "add", "--store", store, "--model", Self.clip, "--max-num-patches", "16", image])
        #expect(refused.status == 64 && refused.stderr.contains("--max-num-patches"), "\(refused.stderr)")
    }
}
