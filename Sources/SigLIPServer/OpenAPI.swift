import Foundation

/// The OpenAPI 3.0 description of the routes in `Routes.all` (a test checks the two name the same routes).
enum OpenAPI {
    /// The document as JSON bytes, with the configured limits filled in.
    static func document(_ c: ServerConfiguration) -> Data {
        let object: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": "siglip serve", "version": "1.0.0",
                     "description": "SigLIP embeddings, zero-shot classification and index search. Errors are JSON: {\"error\": {\"status\", \"message\"}}."],
            "components": components(c),
            "security": c.apiKey == nil ? [] : [["bearer": [String]()]],
            "paths": paths(c),
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    private static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
    private static func array(_ items: [String: Any], max: Int? = nil) -> [String: Any] {
        var a: [String: Any] = ["type": "array", "items": items]
        if let max { a["maxItems"] = max }
        return a
    }
    private static var number: [String: Any] { ["type": "number"] }
    private static var integer: [String: Any] { ["type": "integer"] }
    private static var string: [String: Any] { ["type": "string"] }
    private static var base64: [String: Any] { ["type": "string", "format": "byte", "description": "Base64 image bytes (JPEG, PNG, WebP or GIF); a data: URL is accepted"] }
    private static var file: [String: Any] { ["type": "string", "format": "binary"] }

    private static func object(_ properties: [String: Any], required: [String] = []) -> [String: Any] {
        var o: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
        if !required.isEmpty { o["required"] = required }
        return o
    }

    private static func components(_ c: ServerConfiguration) -> [String: Any] {
        let text: [String: Any] = ["type": "string", "maxLength": c.maxTextLength]
        let schemas: [String: Any] = [
            "Error": object(["error": object(["status": integer, "message": string], required: ["status", "message"])], required: ["error"]),
            "Status": object(["status": string], required: ["status"]),
            "EmbeddingsRequest": object(["texts": array(text, max: c.maxInputs), "images": array(base64, max: c.maxInputs)]),
            "EmbeddingsForm": object(["texts": array(text), "images": array(file)]),
            "EmbeddingsResponse": object(["model": string, "dimension": integer, "texts": array(array(number)), "images": array(array(number))],
                                         required: ["model", "dimension", "texts", "images"]),
            "ClassifyRequest": object(["image": base64, "labels": array(text, max: c.maxLabels),
                                       "template": ["type": "string", "description": "Prompt with {} where the label goes; default \"This is a photo of {}.\""]],
                                      required: ["image", "labels"]),
            "ClassifyForm": object(["image": file, "labels": array(text), "template": string], required: ["image", "labels"]),
            "ClassifyResponse": object(["model": string, "activation": string,
                                        "scores": array(object(["label": string, "logit": number, "probability": number],
                                                               required: ["label", "logit", "probability"]))], required: ["model", "activation", "scores"]),
            "ProbeRequest": object(["image": base64, "top": ["type": "integer", "minimum": 1, "description": "Labels to list; default all"]], required: ["image"]),
            "ProbeForm": object(["image": file, "top": integer], required: ["image"]),
            "ProbeResponse": object(["model": string, "label": string,
                                     "scores": array(object(["label": string, "logit": number, "probability": number],
                                                            required: ["label", "logit", "probability"]))], required: ["model", "label", "scores"]),
            "SearchRequest": object(["text": text, "image": base64, "vector": array(number),
                                     "k": ["type": "integer", "minimum": 1, "maximum": c.maxK, "default": 10],
                                     "kind": ["type": "string", "enum": ["image", "text", "any"],
                                              "description": "What to return; default image for text and image queries, any for vectors"]]),
            "SearchForm": object(["text": string, "image": file, "k": integer, "kind": string]),
            "SearchResponse": object(["model": string, "results": array(object(["rank": integer, "id": integer, "kind": string, "path": string,
                                                                                "score": number, "probability": number],
                                                                               required: ["rank", "id", "kind", "path", "score", "probability"]))],
                                     required: ["model", "results"]),
            "IndexAddRequest": object(["images": array(base64, max: c.maxInputs),
                                       "paths": array(["type": "string", "description": "File or folder relative to the server's --root"], max: c.maxInputs),
                                       "texts": array(text, max: c.maxInputs)]),
            "IndexAddForm": object(["images": array(file), "paths": array(string), "texts": array(string)]),
            "IndexAddResponse": object(["added": integer, "already_indexed": integer,
                                        "items": array(object(["id": integer, "kind": string, "path": string], required: ["id", "kind", "path"])),
                                        "failures": array(object(["input": string, "reason": string], required: ["input", "reason"]))],
                                       required: ["added", "already_indexed", "items", "failures"]),
            "IndexInfo": object(["model": string, "dimension": integer, "count": integer, "images": integer, "texts": integer],
                                required: ["model", "dimension", "count", "images", "texts"]),
            "Models": object(["data": array(object(["id": string, "family": string, "activation": string, "dimension": integer,
                                                    "image_size": array(integer), "max_num_patches": integer, "max_text_tokens": integer],
                                                   required: ["id", "family", "activation", "dimension", "image_size", "max_text_tokens"]))],
                             required: ["data"]),
        ]
        return ["schemas": schemas, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]]
    }

    private static func json(_ schema: String) -> [String: Any] { ["application/json": ["schema": ref(schema)]] }

    private static func body(_ name: String) -> [String: Any] {
        ["required": true, "content": ["application/json": ["schema": ref("\(name)Request")],
                                       "multipart/form-data": ["schema": ref("\(name)Form")]]]
    }

    private static func errors(_ statuses: [Int]) -> [String: Any] {
        let names = [400: "Bad request", 401: "Missing or wrong API key", 404: "Not found", 413: "Body or image too large",
                     415: "Unsupported content type", 503: "Queue full or shutting down; see Retry-After"]
        return Dictionary(uniqueKeysWithValues: statuses.map { ("\($0)", ["description": names[$0] ?? "Error", "content": json("Error")] as [String: Any]) })
    }

    private static func operation(_ summary: String, ok: [String: Any], body: String? = nil, errors codes: [Int] = [], parameters: [[String: Any]] = []) -> [String: Any] {
        var responses = errors(codes)
        responses["200"] = ok
        var op: [String: Any] = ["summary": summary, "responses": responses]
        if let body { op["requestBody"] = self.body(body) }
        if !parameters.isEmpty { op["parameters"] = parameters }
        return op
    }

    private static func ok(_ schema: String, _ description: String = "OK") -> [String: Any] { ["description": description, "content": json(schema)] }

    private static func paths(_ c: ServerConfiguration) -> [String: Any] {
        let model = [400, 401, 413, 415, 503]
        let id: [[String: Any]] = [["name": "id", "in": "path", "required": true, "schema": ["type": "integer", "format": "int64"]]]
        let open = [[String: Any]]()   // security override: no key needed
        var health = operation("Liveness", ok: ok("Status"))
        health["security"] = open
        var page = operation("The web page", ok: ["description": "HTML", "content": ["text/html": ["schema": string]]])
        page["security"] = open
        return [
            "/": ["get": page],
            "/healthz": ["get": health],
            "/readyz": ["get": operation("Readiness: 503 while shutting down", ok: ok("Status"), errors: [401, 503])],
            "/metrics": ["get": operation("Prometheus metrics", ok: ["description": "Prometheus text format", "content": ["text/plain": ["schema": string]]], errors: [401])],
            "/openapi.json": ["get": operation("This document", ok: ["description": "OpenAPI 3 document", "content": ["application/json": ["schema": ["type": "object"]]]], errors: [401])],
            "/v1/models": ["get": operation("The model served", ok: ok("Models"), errors: [401])],
            "/v1/embeddings": ["post": operation("Normalised embeddings of texts and images", ok: ok("EmbeddingsResponse"), body: "Embeddings", errors: model)],
            "/v1/classify": ["post": operation("Zero-shot: each label's probability for one image (SigLIP: a sigmoid each; CLIP: a softmax over the labels)", ok: ok("ClassifyResponse"), body: "Classify", errors: model)],
            "/v1/probe": ["post": operation("The --probe linear classifier: softmax probability of each of its labels for one image",
                                            ok: ok("ProbeResponse"), body: "Probe", errors: model + [404])],
            "/v1/search": ["post": operation("Top-k index items for a text, an image or a vector", ok: ok("SearchResponse"), body: "Search", errors: model + [404])],
            "/v1/index": [
                "get": operation("Index counts, model and dimension", ok: ok("IndexInfo"), errors: [401, 404]),
                "post": operation("Add uploaded images, files under --root, or texts", ok: ok("IndexAddResponse"), body: "IndexAdd", errors: model + [404]),
            ],
            "/v1/index/{id}": ["delete": operation("Remove one item", ok: ok("Status"), errors: [400, 401, 404], parameters: id)],
            "/v1/items/{id}/thumbnail": ["get": operation("PNG thumbnail of an image item", ok: ["description": "PNG", "content": ["image/png": ["schema": file]]],
                                                          errors: [400, 401, 404], parameters: id)],
        ]
    }
}
