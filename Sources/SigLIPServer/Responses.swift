import Foundation
import Hummingbird

/// `POST /v1/embeddings` answer.
struct EmbeddingsResponse: Encodable {
    let model: String
    let dimension: Int
    let texts: [[Float]]
    let images: [[Float]]
}

/// One label's score in a `POST /v1/classify` answer.
struct LabelScore: Encodable {
    let label: String
    let logit: Float
    let probability: Float
}

/// `POST /v1/classify` answer.
struct ClassifyResponse: Encodable {
    let model: String
    /// "sigmoid" (SigLIP: each label alone) or "softmax" (CLIP: over the labels given).
    let activation: String
    let scores: [LabelScore]
}

/// One hit in a `POST /v1/search` answer.
struct SearchHit: Encodable {
    let rank: Int
    let id: Int64
    let kind: String
    let path: String
    let score: Float
    let probability: Float
}

/// `POST /v1/search` answer.
struct SearchResponse: Encodable {
    let model: String
    let results: [SearchHit]
}

/// An item named in a `POST /v1/index` answer.
struct IndexItemResponse: Encodable {
    let id: Int64
    let kind: String
    let path: String
}

/// An input `POST /v1/index` could not add.
struct IndexFailure: Encodable {
    let input: String
    let reason: String
}

/// `POST /v1/index` answer.
struct IndexAddResponse: Encodable {
    let added: Int
    let alreadyIndexed: Int
    let items: [IndexItemResponse]
    let failures: [IndexFailure]

    enum CodingKeys: String, CodingKey {
        case added, items, failures
        case alreadyIndexed = "already_indexed"
    }
}

/// `GET /v1/index` answer.
struct IndexInfoResponse: Encodable {
    let model: String
    let dimension: Int
    let count: Int
    let images: Int
    let texts: Int
}

/// One model in a `GET /v1/models` answer.
struct ModelDescription: Encodable {
    let id: String
    /// "siglip", "siglip2-naflex" or "clip".
    let family: String
    /// The zero-shot activation of `/v1/classify`: "sigmoid" or "softmax".
    let activation: String
    let dimension: Int
    /// `[height, width]`, or empty for NaFlex, which sizes each image by `max_num_patches`.
    let imageSize: [Int]
    /// NaFlex only: the most patches an image is fitted into.
    let maxNumPatches: Int?
    let maxTextTokens: Int

    enum CodingKeys: String, CodingKey {
        case id, family, activation, dimension
        case imageSize = "image_size"
        case maxNumPatches = "max_num_patches"
        case maxTextTokens = "max_text_tokens"
    }
}

/// `GET /v1/models` answer.
struct ModelsResponse: Encodable {
    let data: [ModelDescription]
}

/// `{"status": "..."}` for health, readiness and deletion.
struct StatusResponse: Encodable {
    let status: String
}

extension Response {
    /// A JSON response for an encodable value.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response with bytes of a given content type.
    static func bytes(_ data: some Sequence<UInt8>, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
