import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SigLIP
import SigLIPIndex
import SigLIPProbe

/// The `siglip serve` service: the model behind a batching engine, an optional index, and the HTTP routes.
public final class SiglipServer: Sendable {
    /// What the server was started with.
    public let configuration: ServerConfiguration
    /// The model, of any family `loadImageTextModel` loads.
    let model: any ImageTextModel
    let engine: InferenceEngine
    let index: IndexService?
    let probe: LinearProbe?
    let metrics = ServerMetrics()
    let labels = EmbeddingCache(capacity: 4096)
    let modelID: String
    let logger: Logger

    /// Loads the model (and opens or creates the index) for `configuration`.
    public init(configuration: ServerConfiguration, logger: Logger = Logger(label: "siglip.serve")) throws {
        self.configuration = configuration
        self.logger = logger
        if let patches = configuration.maxNumPatches, try modelType(ofCheckpoint: configuration.model) != "siglip2" {
            throw SiglipError("max_num_patches \(patches) is for SigLIP 2 NaFlex checkpoints (model_type siglip2); \(configuration.model.path) is fixed-resolution")
        }
        let model = try loadImageTextModel(directory: configuration.model, maxNumPatches: configuration.maxNumPatches)
        self.model = model
        modelID = try SiglipIndex.modelID(configuration.model)
        engine = InferenceEngine(model: model, configuration: configuration, metrics: metrics)
        index = try configuration.index.map { try IndexService(directory: $0, model: model, root: configuration.root) }
        probe = try configuration.probe.map { try Self.loadProbe($0, model: configuration.model, dimension: model.embeddingSize) }
    }

    /// The embedding width.
    var dimension: Int { model.embeddingSize }

    /// The router with every route of `Routes.all` behind the error, metrics and (optional) key middlewares.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        // Metrics outermost, so requests that end in an error are counted with the status they were answered with.
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: BearerAuthMiddleware(key: key, open: Routes.open)) }
        for route in Routes.all {
            let handler = route.handler
            router.on(RouterPath(route.path), method: route.method) { request, context in
                try await handler(self, request, context)
            }
            // HEAD answers as GET would, headers only: monitors and caches probe with it.
            if route.method == .get {
                router.on(RouterPath(route.path), method: .head) { request, context in
                    let full: Response
                    do { full = try await handler(self, request, context) } catch {
                        full = ErrorMiddleware<BasicRequestContext>.response(for: error, logger: context.logger)
                    }
                    var headers = full.headers
                    headers[.contentLength] = nil
                    return Response(status: full.status, headers: headers)
                }
            }
        }
        return router
    }

    /// The Hummingbird application; `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "siglip"),
            services: [EngineService(server: self)],
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, finishes the requests in flight and the queued
    /// model work (so every acknowledged index write is committed), and returns.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = application(onRunning: onRunning)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Runs the model thread for the application's lifetime. The service group stops services in reverse order,
/// so the HTTP server has drained its requests before this drains the model queue.
struct EngineService: Service {
    let server: SiglipServer

    func run() async throws {
        server.engine.start()
        try? await gracefulShutdown()
        await server.engine.drain()
        server.logger.info("model queue drained; index writes committed")
    }
}

/// Text embeddings by prompt, so classifying many images against the same labels embeds them once.
final class EmbeddingCache: @unchecked Sendable {
    private var entries: [String: [Float]] = [:]
    private let lock = NSLock()
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func get(_ key: String) -> [Float]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func set(_ key: String, _ value: [Float]) {
        lock.lock()
        defer { lock.unlock() }
        // Wholesale eviction keeps memory bounded without bookkeeping per hit.
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
    }
}
