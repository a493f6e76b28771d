import Foundation
import Hummingbird
import ImageIO
import SigLIP
import SigLIPIndex

extension SiglipServer {
    /// The index, or a 404 when the server was started without `--index`.
    func requireIndex() throws -> IndexService {
        guard let index else { throw APIError(.notFound, "this server has no index (start it with --index)") }
        return index
    }

    func search(_ request: Request) async throws -> Response {
        let index = try requireIndex()
        let payload = try await Payload.read(request, configuration: configuration, allowed: ["text", "image", "vector", "k", "kind"])
        let text = try payload.string("text"), images = try payload.images("image"), vector = try payload.numbers("vector")
        guard [text != nil, !images.isEmpty, vector != nil].filter({ $0 }).count == 1, images.count <= 1 else {
            throw APIError.badRequest("give exactly one of 'text', 'image' or 'vector'")
        }
        let k = try payload.integer("k") ?? 10
        guard (1...configuration.maxK).contains(k) else { throw APIError.badRequest("'k' must be between 1 and \(configuration.maxK)") }
        let kind: ItemKind?
        switch try payload.string("kind") ?? (text != nil || !images.isEmpty ? "image" : "any") {
        case "image": kind = .image
        case "text": kind = .text
        case "any": kind = nil
        default: throw APIError.badRequest("'kind' must be image, text or any")
        }
        let query: [Float]
        if let text {
            try check(texts: [text], field: "text")
            query = try await engine.submit(.texts([text]))[0]
        } else if let vector {
            guard vector.count == dimension else { throw APIError.badRequest("'vector' has \(vector.count) numbers; the model's dimension is \(dimension)") }
            let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0, norm.isFinite else { throw APIError.badRequest("'vector' must have a finite, non-zero length") }
            query = vector.map { $0 / norm }
        } else {
            query = try await engine.submit(.images(images))[0]
        }
        let hits = try index.locked { try $0.search(vector: query, k: k, kind: kind) }
        return try .json(SearchResponse(model: modelID, results: hits.map {
            SearchHit(rank: $0.rank, id: $0.item.id, kind: $0.item.kind.rawValue, path: index.display($0.item), score: $0.score, probability: $0.probability)
        }))
    }

    func indexInfo() throws -> Response {
        let index = try requireIndex()
        let info = try index.locked { try $0.info() }
        return try .json(IndexInfoResponse(model: info.modelID, dimension: info.dimension, count: info.images + info.texts,
                                           images: info.images, texts: info.texts))
    }

    /// Adds uploaded images, files under the root and texts, all on the model thread, each batch committed
    /// before the answer: whatever the answer lists as added survives a crash or SIGTERM after it.
    func addToIndex(_ request: Request) async throws -> Response {
        let index = try requireIndex()
        let payload = try await Payload.read(request, configuration: configuration, allowed: ["images", "paths", "texts"])
        let images = try payload.images("images"), paths = try payload.strings("paths"), texts = try payload.strings("texts")
        guard !images.isEmpty || !paths.isEmpty || !texts.isEmpty else { throw APIError.badRequest("give 'images', 'paths' or 'texts'") }
        try check(inputs: images.count + paths.count + texts.count)
        try check(texts: texts, field: "texts")
        var files: [URL] = []
        if !paths.isEmpty {
            guard let root = index.root else { throw APIError.badRequest("this server accepts no server-side paths (start it with --root)") }
            let resolved = try paths.map { URL(fileURLWithPath: try root.resolve($0)) }
            // A folder may hold links that lead out of the root: keep only files that resolve inside it.
            files = SiglipIndex.imageFiles(under: resolved).files.filter { ConfinedPaths.realPath($0.path).map(root.contains) ?? false }
        }
        let decoder = ImageDecoder(maxPixels: configuration.maxPixels)
        let batch = configuration.maxBatch
        let (report, uploaded, textReport) = try await engine.exclusive { [model, files] () throws -> (AddReport, [URL], AddReport) in
            var uploaded: [URL] = []
            for (i, data) in images.enumerated() {
                do { try decoder.decode(data, name: "images[\(i)]").recycle() } catch let error as ImageIOError {
                    if case .tooLarge = error { throw APIError.tooLarge(error.description) }
                    throw APIError.badRequest(error.description)
                }
                let url = index.uploadURL(for: data)
                if !FileManager.default.fileExists(atPath: url.path) { try data.write(to: url, options: .atomic) }
                uploaded.append(url)
            }
            return index.locked { idx in
                (idx.addImages(uploaded + files, using: model, batchSize: batch), uploaded,
                 texts.isEmpty ? AddReport() : idx.addTexts(texts, using: model, batchSize: batch))
            }
        }
        let items: [IndexedItem] = try index.locked { idx in
            try (uploaded + files).flatMap { try idx.items(path: $0.standardizedFileURL.path) } + texts.flatMap { try idx.items(path: $0) }
        }
        let failures = (report.failures + textReport.failures).map { IndexFailure(input: index.scrub($0.path), reason: index.scrub($0.reason)) }
        return try .json(IndexAddResponse(added: report.added + textReport.added, alreadyIndexed: report.alreadyIndexed + textReport.alreadyIndexed,
                                          items: items.map { IndexItemResponse(id: $0.id, kind: $0.kind.rawValue, path: index.display($0)) },
                                          failures: failures))
    }

    func removeFromIndex(_ id: String) async throws -> Response {
        let index = try requireIndex()
        guard let id = Int64(id) else { throw APIError.badRequest("the item id must be an integer") }
        let removed: IndexedItem? = try index.locked { idx in
            guard let item = try idx.item(id: id), try idx.remove(id: id) else { return nil }
            return item
        }
        guard let removed else { throw APIError(.notFound, "no item \(id)") }
        // An upload belongs to exactly one item (uploads are named by content), so its file goes with it.
        if removed.path.hasPrefix(index.uploads.path + "/") { try? FileManager.default.removeItem(atPath: removed.path) }
        return try .json(StatusResponse(status: "removed"))
    }

    func thumbnail(_ id: String) throws -> Response {
        let index = try requireIndex()
        guard let id = Int64(id) else { throw APIError.badRequest("the item id must be an integer") }
        guard let item = try index.locked({ try $0.item(id: id) }), item.kind == .image else { throw APIError(.notFound, "no image item \(id)") }
        guard let png = Gallery.thumbnail(of: URL(fileURLWithPath: item.path)) else { throw APIError(.notFound, "item \(id)'s image can no longer be read") }
        var response = Response.bytes(png, contentType: "image/png")
        response.headers[.cacheControl] = "private, max-age=3600"
        return response
    }
}
