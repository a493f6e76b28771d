import Foundation
import Hummingbird
import Prometheus

/// The service's Prometheus metrics, in a registry of its own (so several servers in one process, as in the
/// tests, do not share counters).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Inputs waiting for the model.
    let queueDepth: Gauge
    /// Inputs per model batch.
    let batchSize: ValueHistogram
    /// Requests refused because the queue was full or the server stopping.
    let rejected: Counter
    private static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    init() {
        queueDepth = registry.makeGauge(name: "siglip_queue_depth", help: "Inputs waiting for the model")
        batchSize = registry.makeValueHistogram(name: "siglip_batch_size", buckets: [1, 2, 4, 8, 16, 32, 64],
                                                help: "Inputs per model batch")
        rejected = registry.makeCounter(name: "siglip_rejected_total", help: "Requests refused with 503 because the queue was full or the server stopping")
    }

    /// Counts a finished request and records its latency, by route template (not raw path) and status.
    func request(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "siglip_http_requests_total", labels: [("route", route), ("method", method), ("status", "\(status)")],
                             help: "HTTP requests by route, method and status").increment()
        registry.makeDurationHistogram(name: "siglip_http_request_duration_seconds", labels: [("route", route), ("method", method)],
                                       buckets: Self.latencyBuckets, help: "HTTP request latency by route").recordNanoseconds(duration.nanoseconds)
    }

    /// Records the model thread's time on one batch.
    func modelSeconds(kind: String, _ duration: Duration) {
        registry.makeDurationHistogram(name: "siglip_model_duration_seconds", labels: [("kind", kind)], buckets: Self.latencyBuckets,
                                       help: "Model thread time per batch").recordNanoseconds(duration.nanoseconds)
    }

    /// The Prometheus text exposition.
    func text() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Counts and times every request under its route template ("/v1/index/{id}", not the id itself).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code, duration: start.duration(to: .now))
        return response
    }
}
