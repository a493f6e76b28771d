import Foundation
import Hummingbird
import SigLIPProbe

/// `POST /v1/probe` answer: the probe's labels for one image, most probable first.
struct ProbeResponse: Encodable {
    let model: String
    let label: String
    let scores: [LabelScore]
}

extension SiglipServer {
    /// Loads the probe at `directory` and refuses it unless it was trained on the served checkpoint.
    static func loadProbe(_ directory: URL, model: URL, dimension: Int) throws -> LinearProbe {
        let probe = try LinearProbe(directory: directory)
        try probe.manifest.model.check(offered: try ModelIdentity(checkpoint: model), probe: directory)
        guard probe.dimension == dimension else {
            throw ProbeError("\(directory.path): reads embeddings of \(probe.dimension) numbers; \(model.path) makes \(dimension)")
        }
        return probe
    }

    /// Classifies one image with the `--probe` head: softmax over its labels.
    func classifyWithProbe(_ request: Request) async throws -> Response {
        guard let probe else { throw APIError(.notFound, "this server has no probe (start it with --probe)") }
        let payload = try await Payload.read(request, configuration: configuration, allowed: ["image", "top"])
        let images = try payload.images("image")
        guard images.count == 1 else { throw APIError.badRequest("give exactly one 'image'") }
        let top = try payload.integer("top") ?? probe.labels.count
        guard top >= 1 else { throw APIError.badRequest("'top' must be at least 1, not \(top)") }
        guard let embedding = try await engine.submit(.images(images)).first else { throw APIError(.internalServerError, "internal error") }
        let scores: [ProbeScore]
        do { scores = try probe.scores(embedding, top: top) } catch {
            throw APIError(.internalServerError, "the probe does not fit the model's embeddings")
        }
        return try .json(ProbeResponse(model: modelID, label: scores.first?.label ?? "",
                                       scores: scores.map { LabelScore(label: $0.label, logit: $0.logit, probability: $0.probability) }))
    }
}
