import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIP
import SigLIPIndex
import SigLIPServer
import Testing

@Suite("The HTTP API answers with the library's results")
struct APITests {
    let pipeline: SiglipPipeline
    init() throws { pipeline = try SiglipPipeline(directory: Fixtures.model) }

    @Test func embeddingsMatchThePipeline() async throws {
        let expectedText = try pipeline.textEmbeddings(for: ["a photo of a cat"])[0].get()
        let expectedImage = try pipeline.imageEmbeddings(for: [Fixtures.photos[0]])[0].get()
        let photo = try Fixtures.photo(0)
        try await withServer(testConfiguration(index: false)) { client, _ in
            let (status, body) = try await client.post("/v1/embeddings", json: ["texts": ["a photo of a cat"], "images": [photo.base64EncodedString()]])
            #expect(status == .ok)
            #expect(body["dimension"] as? Int == 64)
            let text = floats((body["texts"] as? [Any])?.first), image = floats((body["images"] as? [Any])?.first)
            #expect(text.count == 64 && image.count == 64 && expectedText.count == 64 && expectedImage.count == 64)
            #expect(zip(text, expectedText).allSatisfy { abs($0 - $1) < 1e-5 })
            #expect(zip(image, expectedImage).allSatisfy { abs($0 - $1) < 1e-5 })
            // The same image as a multipart upload gives the same vector.
            let (formStatus, form) = try await client.post("/v1/embeddings", form: [("images", "p.jpg", photo)])
            #expect(formStatus == .ok)
            let formImage = floats((form["images"] as? [Any])?.first)
            #expect(formImage.count == 64)
            #expect(zip(formImage, expectedImage).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }

    @Test func classifyMatchesThePipeline() async throws {
        let labels = ["cat", "rocket", "camera"]
        let expected = try pipeline.classify(images: [Fixtures.photos[1]], labels: labels)[0].get()
        try #require(expected.count == 3)
        let photo = try Fixtures.photo(1)
        try await withServer(testConfiguration(index: false)) { client, _ in
            for (status, body) in [try await client.post("/v1/classify", json: ["image": photo.base64EncodedString(), "labels": labels]),
                                   try await client.post("/v1/classify", form: [("image", "r.jpg", photo)] + labels.map { ("labels", nil, Data($0.utf8)) })] {
                #expect(status == .ok)
                let scores = body["scores"] as? [[String: Any]] ?? []
                #expect(scores.count == 3)
                for (got, want) in zip(scores, expected) {
                    #expect(got["label"] as? String == want.label)
                    #expect(abs(((got["probability"] as? NSNumber)?.floatValue ?? -1) - want.probability) < 1e-5)
                    let logit = (got["logit"] as? NSNumber)?.floatValue ?? 0
                    #expect(abs(((got["probability"] as? NSNumber)?.floatValue ?? -1) - 1 / (1 + exp(-logit))) < 1e-6)
                }
            }
        }
    }

    @Test func indexAddSearchThumbnailRemove() async throws {
        let photos = try (0..<3).map(Fixtures.photo)
        try await withServer(testConfiguration()) { client, _ in
            let (status, added) = try await client.post("/v1/index", json: ["images": photos.map { $0.base64EncodedString() },
                                                                             "paths": ["jpeg_444.jpg"], "texts": ["a rocket"]])
            #expect(status == .ok)
            #expect(added["added"] as? Int == 5)
            let items = added["items"] as? [[String: Any]] ?? []
            #expect(items.count == 5)
            #expect(items.contains { $0["path"] as? String == "jpeg_444.jpg" })
            // Adding the same bytes again stores nothing new.
            let (_, again) = try await client.post("/v1/index", form: [("images", "a.jpg", photos[0])])
            #expect(again["added"] as? Int == 0 && again["already_indexed"] as? Int == 1)

            let (_, info) = try await client.send("/v1/index", method: .get)
            #expect(info["count"] as? Int == 5 && info["images"] as? Int == 4 && info["texts"] as? Int == 1 && info["dimension"] as? Int == 64)

            // Searching with an item's own embedding finds it first with cosine 1.
            let vector = try pipeline.imageEmbeddings(for: [Fixtures.photos[2]])[0].get()
            let (searchStatus, found) = try await client.post("/v1/search", json: ["vector": vector, "k": 2])
            #expect(searchStatus == .ok)
            let results = found["results"] as? [[String: Any]] ?? []
            #expect(results.count == 2)
            let top = try #require(results.first)
            #expect(abs(((top["score"] as? NSNumber)?.floatValue ?? 0) - 1) < 1e-4)
            let id = try #require(top["id"] as? Int)
            #expect((top["path"] as? String)?.hasPrefix("uploads/") == true)

            let (_, byText) = try await client.post("/v1/search", json: ["text": "a rocket", "kind": "text", "k": 1])
            #expect((byText["results"] as? [[String: Any]])?.first?["path"] as? String == "a rocket")
            let (_, byImage) = try await client.post("/v1/search", form: [("image", "q.jpg", photos[2]), ("k", nil, Data("1".utf8))])
            #expect((byImage["results"] as? [[String: Any]])?.first?["id"] as? Int == id)

            try await client.execute(uri: "/v1/items/\(id)/thumbnail", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
            }
            #expect(try await client.send("/v1/index/\(id)", method: .delete).0 == .ok)
            #expect(try await client.send("/v1/index/\(id)", method: .delete).0 == .notFound)
            #expect(try await client.send("/v1/items/\(id)/thumbnail", method: .get).0 == .notFound)
            let (_, after) = try await client.send("/v1/index", method: .get)
            #expect(after["count"] as? Int == 4)
        }
    }

    @Test func modelsHealthReadyMetrics() async throws {
        try await withServer(testConfiguration(index: false)) { client, _ in
            let (_, models) = try await client.send("/v1/models", method: .get)
            let model = try #require((models["data"] as? [[String: Any]])?.first)
            #expect((model["id"] as? String)?.hasPrefix("tiny-siglip@") == true)
            #expect(model["dimension"] as? Int == 64)
            #expect(try await client.send("/healthz", method: .get).0 == .ok)
            #expect(try await client.send("/readyz", method: .get).0 == .ok)
            _ = try await client.post("/v1/embeddings", json: ["texts": ["x", "y"]])
            _ = try await client.post("/v1/embeddings", json: ["texts": 1])
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"siglip_http_requests_total{route="/v1/embeddings",method="POST",status="400"} 1"#))
                #expect(text.contains(#"siglip_http_requests_total{route="/v1/embeddings",method="POST",status="200"} 1"#))
                #expect(text.contains("siglip_batch_size_count"))
                #expect(text.contains("siglip_queue_depth"))
                #expect(text.contains(#"siglip_model_duration_seconds_count{kind="text"}"#))
            }
            // Searching needs an index: a JSON 404, not a crash.
            let (status, body) = try await client.post("/v1/search", json: ["text": "x"])
            #expect(status == .notFound && message(body).contains("no index"))
        }
    }

    @Test func thePageIsServedSelfContained() async throws {
        try await withServer(testConfiguration(index: false)) { client, _ in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("<html"))
                // Nothing is fetched from elsewhere: no absolute http(s) URLs in src/href.
                #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("@import"))
            }
        }
    }
}
