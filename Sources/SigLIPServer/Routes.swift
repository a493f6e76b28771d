import Foundation
import Hummingbird
import SigLIP
import SigLIPIndex
import Tensor

/// One route: what `/openapi.json` documents and the router serves come from this one table.
struct Route: Sendable {
    let method: HTTPRequest.Method
    /// The path in OpenAPI template form (`/v1/index/{id}`).
    let path: String
    let handler: @Sendable (SiglipServer, Request, BasicRequestContext) async throws -> Response
}

/// The service's routes.
enum Routes {
    static let all: [Route] = [
        Route(method: .get, path: "/", handler: { s, _, _ in s.page() }),
        Route(method: .get, path: "/healthz", handler: { _, _, _ in try .json(StatusResponse(status: "ok")) }),
        Route(method: .get, path: "/readyz", handler: { s, _, _ in try s.ready() }),
        Route(method: .get, path: "/metrics", handler: { s, _, _ in .bytes(Array(s.metrics.text().utf8), contentType: "text/plain; version=0.0.4; charset=utf-8") }),
        Route(method: .get, path: "/openapi.json", handler: { s, _, _ in .bytes(OpenAPI.document(s.configuration), contentType: "application/json") }),
        Route(method: .get, path: "/v1/models", handler: { s, _, _ in try s.models() }),
        Route(method: .post, path: "/v1/embeddings", handler: { s, r, _ in try await s.embeddings(r) }),
        Route(method: .post, path: "/v1/classify", handler: { s, r, _ in try await s.classify(r) }),
        Route(method: .post, path: "/v1/search", handler: { s, r, _ in try await s.search(r) }),
        Route(method: .post, path: "/v1/probe", handler: { s, r, _ in try await s.classifyWithProbe(r) }),
        Route(method: .get, path: "/v1/index", handler: { s, _, _ in try s.indexInfo() }),
        Route(method: .post, path: "/v1/index", handler: { s, r, _ in try await s.addToIndex(r) }),
        Route(method: .delete, path: "/v1/index/{id}", handler: { s, _, c in try await s.removeFromIndex(c.parameters.get("id") ?? "") }),
        Route(method: .get, path: "/v1/items/{id}/thumbnail", handler: { s, _, c in try s.thumbnail(c.parameters.get("id") ?? "") }),
    ]

    /// Routes served without an API key: liveness, and the page (which holds no data and asks for the key).
    static let open: Set<String> = ["/healthz", "/"]
}

extension SiglipServer {
    func page() -> Response {
        let html = Bundle.module.url(forResource: "index", withExtension: "html").flatMap { try? Data(contentsOf: $0) } ?? Data()
        var response = Response.bytes(html, contentType: "text/html; charset=utf-8")
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
        return response
    }

    func ready() throws -> Response {
        guard engine.accepting else { throw APIError.overloaded("not ready") }
        return try .json(StatusResponse(status: "ready"))
    }

    func models() throws -> Response {
        let size = model.imageSize.map { [$0.height, $0.width] } ?? []
        return try .json(ModelsResponse(data: [ModelDescription(id: modelID, family: model.family.rawValue, activation: model.zeroShotActivation.rawValue,
                                                                dimension: dimension, imageSize: size, maxNumPatches: (model as? Siglip2Pipeline)?.maxNumPatches,
                                                                maxTextTokens: model.maxTextTokens)]))
    }

    /// Refuses too many inputs or too long texts with a 400 naming the limit.
    func check(texts: [String], field: String) throws {
        for (i, text) in texts.enumerated() where text.count > configuration.maxTextLength {
            throw APIError.badRequest("\(field)[\(i)] has \(text.count) characters; the limit is \(configuration.maxTextLength)")
        }
    }

    func check(inputs count: Int) throws {
        guard count <= configuration.maxInputs else {
            throw APIError.badRequest("\(count) inputs in one request; the limit is \(configuration.maxInputs)")
        }
    }

    func embeddings(_ request: Request) async throws -> Response {
        let payload = try await Payload.read(request, configuration: configuration, allowed: ["texts", "images"])
        let texts = try payload.strings("texts"), images = try payload.images("images")
        guard !texts.isEmpty || !images.isEmpty else { throw APIError.badRequest("give 'texts', 'images' or both") }
        try check(inputs: texts.count + images.count)
        try check(texts: texts, field: "texts")
        async let textVectors = texts.isEmpty ? [] : engine.submit(.texts(texts))
        async let imageVectors = images.isEmpty ? [] : engine.submit(.images(images))
        let (t, i) = try await (textVectors, imageVectors)
        return try .json(EmbeddingsResponse(model: modelID, dimension: dimension, texts: t, images: i))
    }

    func classify(_ request: Request) async throws -> Response {
        let payload = try await Payload.read(request, configuration: configuration, allowed: ["image", "labels", "template"])
        let images = try payload.images("image")
        guard images.count == 1 else { throw APIError.badRequest("give exactly one 'image'") }
        let labels = try payload.strings("labels")
        guard !labels.isEmpty else { throw APIError.badRequest("give at least one label in 'labels'") }
        guard labels.count <= configuration.maxLabels else {
            throw APIError.badRequest("\(labels.count) labels; the limit is \(configuration.maxLabels)")
        }
        let template = try payload.string("template") ?? "This is a photo of {}."
        guard template.contains("{}") else { throw APIError.badRequest("'template' must contain {} where the label goes") }
        try check(texts: labels, field: "labels")
        try check(texts: [template], field: "template")
        let prompts = labels.map { template.replacingOccurrences(of: "{}", with: $0) }
        async let imageVector = engine.submit(.images(images))
        let textVectors = try await promptEmbeddings(prompts)
        guard let image = try await imageVector.first else { throw APIError(.internalServerError, "internal error") }
        // The family's activation: independent sigmoids (SigLIP) or a softmax over the labels (CLIP).
        let scores = model.zeroShotScores(image: image, labels: labels, labelEmbeddings: textVectors)
        return try .json(ClassifyResponse(model: modelID, activation: model.zeroShotActivation.rawValue,
                                          scores: scores.map { LabelScore(label: $0.label, logit: $0.logit, probability: $0.probability) }))
    }

    /// Embeddings of prompts, from the cache where possible; the rest go to the model as one job.
    func promptEmbeddings(_ prompts: [String]) async throws -> [[Float]] {
        var found = prompts.map { labels.get($0) }
        let missing = Array(Set(prompts.indices.filter { found[$0] == nil }.map { prompts[$0] }))
        if !missing.isEmpty {
            let vectors = try await engine.submit(.texts(missing))
            var fresh: [String: [Float]] = [:]
            for (prompt, vector) in zip(missing, vectors) { fresh[prompt] = vector; labels.set(prompt, vector) }
            found = prompts.indices.map { found[$0] ?? fresh[prompts[$0]] }
        }
        return found.compactMap { $0 }
    }
}
