import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIP
import SigLIPProbe
import SigLIPServer
import Testing

/// `serve --probe`: the route answers with the library's probe scores, and only for the model it was trained on.
@Suite("POST /v1/probe")
struct ProbeRouteTests {
    /// A three-label probe over tiny-siglip's 64-wide embeddings, with fixed weights, saved to a scratch directory.
    static func saveProbe(identity: ModelIdentity) throws -> (URL, LinearProbe) {
        let record = TrainingRecord(C: 1, classWeight: "none", validationSplit: 0, seed: 0, trainCounts: [1, 1, 1], validationCounts: [0, 0, 0],
                                    iterations: 1, converged: true, gradientNorm: 0, loss: 0, trainAccuracy: 1, validationAccuracy: nil)
        let manifest = ProbeManifest(labels: ["cat", "rocket", "camera"], dimension: 64, standardized: false, model: identity, training: record)
        let weight: [Double] = (0..<192).map { (i: Int) -> Double in
            let step: Int = (i * 37) % 23
            return Double(step) / 11.0 - 1.0
        }
        let probe = try LinearProbe(manifest: manifest, weight: weight, bias: [0.3, -0.1, -0.2], standardizer: nil)
        let directory = Fixtures.scratch("probe")
        try probe.save(to: directory)
        return (directory, probe)
    }

    @Test func scoresMatchTheLibrary() async throws {
        let (directory, probe) = try Self.saveProbe(identity: try ModelIdentity(checkpoint: Fixtures.model))
        defer { try? FileManager.default.removeItem(at: directory) }
        let embedding = try SiglipPipeline(directory: Fixtures.model).imageEmbeddings(for: [Fixtures.photos[1]])[0].get()
        let expected = try probe.scores(embedding)
        let photo = try Fixtures.photo(1)
        try await withServer(testConfiguration(index: false) { $0.probe = directory }) { client, _ in
            for (status, body) in [try await client.post("/v1/probe", json: ["image": photo.base64EncodedString()]),
                                   try await client.post("/v1/probe", form: [("image", "r.jpg", photo)])] {
                #expect(status == .ok)
                #expect(body["label"] as? String == expected[0].label)
                let scores = body["scores"] as? [[String: Any]] ?? []
                #expect(scores.count == 3)
                for (got, want) in zip(scores, expected) {
                    #expect(got["label"] as? String == want.label)
                    #expect(abs(((got["probability"] as? NSNumber)?.floatValue ?? -1) - want.probability) < 1e-5)
                }
                // A softmax: the probabilities sum to 1.
                #expect(abs(scores.reduce(0) { $0 + (($1["probability"] as? NSNumber)?.doubleValue ?? 0) } - 1) < 1e-5)
            }
            let (topStatus, top) = try await client.post("/v1/probe", json: ["image": photo.base64EncodedString(), "top": 1])
            #expect(topStatus == .ok && (top["scores"] as? [Any])?.count == 1)
            let (badStatus, bad) = try await client.post("/v1/probe", json: ["image": photo.base64EncodedString(), "labels": ["x"]])
            #expect(badStatus == .badRequest && message(bad).contains("unknown field"))
        }
    }

    @Test func withoutAProbeTheRouteSaysHowToAddOne() async throws {
        let photo = try Fixtures.photo(1)
        try await withServer(testConfiguration(index: false)) { client, _ in
            let (status, body) = try await client.post("/v1/probe", json: ["image": photo.base64EncodedString()])
            #expect(status == .notFound && message(body) == "this server has no probe (start it with --probe)")
        }
    }

    @Test func refusesAProbeOfAnotherModel() throws {
        let json = #"{"path": "/models/other", "family": "siglip", "config_sha256": "aa", "weights_sha256": "bb"}"#
        let other = try JSONDecoder().decode(ModelIdentity.self, from: Data(json.utf8))
        let (directory, _) = try Self.saveProbe(identity: other)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: ProbeError.self) { try SiglipServer(configuration: testConfiguration(index: false) { $0.probe = directory }) }
        #expect(error?.description.hasPrefix("\(directory.path): trained on the siglip model at /models/other;") == true)
    }
}
