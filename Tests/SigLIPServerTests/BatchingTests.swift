import Foundation
import Hummingbird
import HummingbirdTesting
import SigLIPServer
import Testing

@Suite("Dynamic batching and the bounded queue")
struct BatchingTests {
    /// The value of an unlabelled metric line `name value`.
    static func metric(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test func concurrentRequestsShareOneModelBatch() async throws {
        // A long wait so all eight requests are queued before the batch closes; max-batch 8 closes it at once.
        // Max-wait is far longer than the requests need even when the whole suite shares two cores (a full
        // parallel run once took 5 s here, against 0.13 s alone), so only waiting it out can reach it.
        let maxWait = 30
        let config = testConfiguration(index: false) { $0.maxBatch = 8; $0.maxWaitMilliseconds = maxWait * 1000 }
        let photo = try Fixtures.photo(0).base64EncodedString()
        try await withServer(config) { client, _ in
            let start = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 { group.addTask { try await client.post("/v1/embeddings", json: ["images": [photo]]).0 } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: HTTPResponse.Status.ok, count: 8))
            // A full batch does not wait out max-wait.
            #expect(start.duration(to: .now) < .seconds(maxWait))
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(Self.metric(text, "siglip_batch_size_count") == 1)
                #expect(Self.metric(text, "siglip_batch_size_sum") == 8)
            }
        }
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        // The first batch waits up to 2 s for 8 inputs, but the queue holds only 2: the rest must be refused.
        let config = testConfiguration(index: false) { $0.maxBatch = 8; $0.maxQueue = 2; $0.maxWaitMilliseconds = 2000 }
        let photo = try Fixtures.photo(0).base64EncodedString()
        try await withServer(config) { client, _ in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        try await client.execute(uri: "/v1/embeddings", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(bytes: Data(#"{"images": ["\#(photo)"]}"#.utf8))) { ($0.status, $0.headers[.retryAfter]) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count == 24)
            let refused = statuses.filter { $0.0 == .serviceUnavailable }
            #expect(refused.count >= 20, "24 concurrent requests into a queue of 2 must overflow")
            #expect(refused.allSatisfy { $0.1 == "1" })
            #expect(statuses.allSatisfy { $0.0 == .ok || $0.0 == .serviceUnavailable })
            #expect(statuses.contains { $0.0 == .ok })
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(Self.metric(String(buffer: response.body), "siglip_rejected_total") == Double(refused.count))
            }
        }
    }
}
