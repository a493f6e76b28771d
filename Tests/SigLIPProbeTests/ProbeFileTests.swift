import Foundation
import SafeTensors
import SigLIPProbe
import Tensor
import Testing

/// Saving and loading `probe.safetensors` + `probe.json`, and refusing files that do not fit together.
@Suite("Probe files")
struct ProbeFileTests {
    static func identity() -> ModelIdentity {
        // A hand-made identity: these tests are about the probe files, not the model.
        let json = #"{"path": "/models/m", "family": "siglip", "config_sha256": "aa", "weights_sha256": "bb"}"#
        return try! JSONDecoder().decode(ModelIdentity.self, from: Data(json.utf8))
    }

    static func probe(standardized: Bool = false) throws -> LinearProbe {
        let record = TrainingRecord(C: 1, classWeight: "none", validationSplit: 0.2, seed: 0, trainCounts: [2, 2, 2], validationCounts: [1, 1, 1],
                                    iterations: 5, converged: true, gradientNorm: 1e-9, loss: 0.5, trainAccuracy: 1, validationAccuracy: 0.5)
        let manifest = ProbeManifest(labels: ["cat", "dog", "fish"], dimension: 2, standardized: standardized, model: identity(), training: record)
        // Values float32 holds exactly: the file stores float32.
        return try LinearProbe(manifest: manifest, weight: [1, 0, 0, 1, -1, -1], bias: [0.5, 0, -0.5],
                               standardizer: standardized ? Standardizer(mean: [0.125, 0.25], scale: [2, 4]) : nil)
    }

    static func temporary() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("probe-test-\(UUID().uuidString)")
    }

    @Test(arguments: [false, true])
    func roundTrips(standardized: Bool) throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        let probe = try Self.probe(standardized: standardized)
        try probe.save(to: dir)
        let loaded = try LinearProbe(directory: dir)
        #expect(loaded.manifest == probe.manifest)
        #expect(loaded.weight == probe.weight && loaded.bias == probe.bias)
        #expect(loaded.standardizer == probe.standardizer)
        let file = try SafeTensorsFile(url: dir.appendingPathComponent("probe.safetensors"))
        #expect(file.entries["weight"]?.shape == [3, 2])
        #expect(file.entries["bias"]?.shape == [3])
        #expect(file.entries["scale"]?.shape == (standardized ? [2] : nil))
    }

    @Test func probabilitiesAreTheSoftmaxOfTheLogits() throws {
        let probe = try Self.probe()
        // Logits of [1, 2]: [1.5, 2, -3.5].
        let p = try probe.probabilities([1, 2])
        let e = [1.5, 2, -3.5].map { exp($0) }, total = e.reduce(0, +)
        #expect(zip(p, e).allSatisfy { abs($0 - $1 / total) < 1e-12 })
        let top = try probe.scores([1, 2], top: 2)
        #expect(top.map(\.label) == ["dog", "cat"])
        #expect(abs(Double(top[0].probability) - e[1] / total) < 1e-6)
    }

    @Test func standardisesBeforeTheHead() throws {
        let probe = try Self.probe(standardized: true)
        // x' = ([1, 2] − [0.125, 0.25]) / [2, 4] = [0.4375, 0.4375]; logits [0.9375, 0.4375, −1.375].
        let z = try probe.logits([1, 2])
        #expect(abs(z[0] - 0.9375) < 1e-12 && abs(z[1] - 0.4375) < 1e-12 && abs(z[2] + 1.375) < 1e-12)
    }

    @Test func refusesAnEmbeddingOfAnotherWidth() throws {
        #expect(throws: ProbeError("an embedding of 3 numbers does not fit this probe's dimension 2")) {
            try Self.probe().logits([1, 2, 3])
        }
    }

    @Test func refusesAWeightOfTheWrongShapeNamingFileAndTensor() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.probe().save(to: dir)
        let weights = dir.appendingPathComponent("probe.safetensors")
        try SafeTensorsWriter.write([("weight", Tensor(shape: [2, 3], values: [Float](repeating: 0, count: 6))),
                                     ("bias", Tensor(shape: [3], values: [0, 0, 0]))], to: weights)
        let error = #expect(throws: ProbeError.self) { try LinearProbe(directory: dir) }
        #expect(error?.description == "\(weights.path): tensor 'weight': shape [2, 3] does not match probe.json's 3 labels and dimension 2 (expected [3, 2])")
    }

    @Test func refusesAMissingScaleOfAStandardisedProbe() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.probe(standardized: true).save(to: dir)
        let weights = dir.appendingPathComponent("probe.safetensors")
        try SafeTensorsWriter.write([("weight", Tensor(shape: [3, 2], values: [Float](repeating: 0, count: 6))),
                                     ("bias", Tensor(shape: [3], values: [0, 0, 0]))], to: weights)
        #expect(throws: ProbeError("\(weights.path): tensor 'scale': missing")) { try LinearProbe(directory: dir) }
    }

    @Test func refusesAManifestWithoutLabelsOrWithDuplicates() throws {
        let dir = Self.temporary()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.probe().save(to: dir)
        let manifest = dir.appendingPathComponent("probe.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any] ?? [:]
        object["labels"] = ["cat", "cat", "fish"]
        try JSONSerialization.data(withJSONObject: object).write(to: manifest)
        #expect(throws: ProbeError("\(manifest.path): 'labels' has a duplicate label")) { try LinearProbe(directory: dir) }
        object["labels"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: manifest)
        #expect(throws: ProbeError("\(manifest.path): not a probe manifest (missing 'labels')")) { try LinearProbe(directory: dir) }
    }

    @Test func refusesAMissingDirectory() {
        let dir = Self.temporary()
        let error = #expect(throws: ProbeError.self) { try LinearProbe(directory: dir) }
        #expect(error?.description.hasPrefix("\(dir.path)/probe.json: cannot read the probe manifest") == true)
    }
}
