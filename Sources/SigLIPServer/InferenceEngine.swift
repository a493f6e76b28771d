import Foundation
import ImageIO
import SigLIP
import Tensor

/// Runs the model on its own thread and coalesces concurrent requests into batches: the first waiting job
/// opens a batch, others of the same kind join it until `maxBatch` inputs or `maxWait` has passed. The queue
/// is bounded by inputs; past it `submit` fails at once (503) instead of letting memory grow.
final class InferenceEngine: @unchecked Sendable {
    /// What a job asks of the model thread.
    enum Work {
        case images([Data])
        case texts([String])
        /// Runs alone on the model thread (index additions, which embed through the pipeline themselves).
        case exclusive(@Sendable () -> Void)

        var count: Int {
            switch self {
            case .images(let d): d.count
            case .texts(let t): t.count
            case .exclusive: 1
            }
        }
        var batchKey: Int {
            switch self {
            case .images: 0
            case .texts: 1
            case .exclusive: 2
            }
        }
    }

    private struct Job {
        let work: Work
        let done: @Sendable (Result<[[Float]], APIError>) -> Void
    }

    /// The model, of any family.
    let model: any ImageTextModel
    private let decoder: ImageDecoder
    private let maxBatch: Int
    private let maxWait: TimeInterval
    private let maxQueue: Int
    private let metrics: ServerMetrics
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var queued = 0
    private var stopping = false
    private var finished = false
    private var thread: Thread?

    init(model: any ImageTextModel, configuration: ServerConfiguration, metrics: ServerMetrics) {
        self.model = model
        decoder = ImageDecoder(maxPixels: configuration.maxPixels)
        maxBatch = max(1, configuration.maxBatch)
        maxWait = Double(max(0, configuration.maxWaitMilliseconds)) / 1000
        maxQueue = max(1, configuration.maxQueue)
        self.metrics = metrics
    }

    /// Starts the model thread.
    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "siglip-model"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Refuses new work, finishes everything queued, and returns once the model thread has ended.
    func drain() async {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        while !isFinished { try? await Task.sleep(for: .milliseconds(10)) }
    }

    private var isFinished: Bool { condition.withLock { finished } }

    /// Whether new work is accepted.
    var accepting: Bool { condition.withLock { !stopping && thread != nil } }

    /// Embeddings for the inputs of `work`, one per input in order.
    func submit(_ work: Work) async throws -> [[Float]] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[[Float]], Error>) in
            let refusal: APIError? = {
                condition.lock()
                defer { condition.unlock() }
                if stopping { return .overloaded("the server is shutting down") }
                if queued + work.count > maxQueue && queued > 0 { return .overloaded("the model queue is full; retry shortly") }
                queue.append(Job(work: work, done: { continuation.resume(with: $0.mapError { $0 }) }))
                queued += work.count
                metrics.queueDepth.set(Int64(queued))
                condition.signal()
                return nil
            }()
            if let refusal {
                metrics.rejected.increment()
                continuation.resume(throwing: refusal)
            }
        }
    }

    /// Runs `body` alone on the model thread.
    func exclusive<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let box = ResultBox<T>()
        _ = try await submit(.exclusive { box.result = Result { try body() } })
        guard let result = box.result else { throw APIError(.internalServerError, "internal error") }
        return try result.get()
    }

    private func loop() {
        while let batch = nextBatch() {
            run(batch)
        }
        condition.lock()
        finished = true
        condition.unlock()
    }

    /// Waits for work, then for company, and takes up to `maxBatch` inputs of the first job's kind.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !stopping { condition.wait() }
        guard let first = queue.first else { return nil }
        let key = first.work.batchKey
        if key != 2 {
            let deadline = Date(timeIntervalSinceNow: maxWait)
            while !stopping && pending(key) < maxBatch {
                if !condition.wait(until: deadline) { break }
            }
        }
        var taken: [Job] = [], inputs = 0, kept: [Job] = []
        for job in queue {
            let fits = taken.isEmpty || (key != 2 && job.work.batchKey == key && inputs + job.work.count <= maxBatch)
            if fits { taken.append(job); inputs += job.work.count } else { kept.append(job) }
        }
        queue = kept
        queued -= inputs
        metrics.queueDepth.set(Int64(queued))
        return taken
    }

    private func pending(_ key: Int) -> Int {
        queue.reduce(0) { $0 + ($1.work.batchKey == key ? $1.work.count : 0) }
    }

    private func run(_ jobs: [Job]) {
        let start = ContinuousClock.now
        switch jobs[0].work {
        case .exclusive(let body):
            body()
            jobs[0].done(.success([]))
            metrics.modelSeconds(kind: "exclusive", start.duration(to: .now))
            return
        case .images:
            runImages(jobs)
            metrics.modelSeconds(kind: "image", start.duration(to: .now))
        case .texts:
            runTexts(jobs)
            metrics.modelSeconds(kind: "text", start.duration(to: .now))
        }
        metrics.batchSize.record(Double(jobs.reduce(0) { $0 + $1.work.count }))
    }

    private func runTexts(_ jobs: [Job]) {
        let texts = jobs.flatMap { job -> [String] in if case .texts(let t) = job.work { t } else { [] } }
        let out = model.textEmbeddings(for: texts, batchSize: texts.count, normalized: true)
        var row = 0
        for job in jobs {
            let results = out[row..<(row + job.work.count)]
            row += job.work.count
            do { job.done(.success(try results.map { try $0.get() })) } catch {
                job.done(.failure(APIError(.internalServerError, "the text model failed (is the tokenizer usable?)")))
            }
        }
    }

    private func runImages(_ jobs: [Job]) {
        // Flatten to (job, input) pairs, decode and prepare all in parallel, then drop the jobs with a bad input.
        let inputs = jobs.enumerated().flatMap { j, job -> [(job: Int, index: Int, data: Data)] in
            guard case .images(let images) = job.work else { return [] }
            return images.enumerated().map { (j, $0, $1) }
        }
        let (decoder, model) = (self.decoder, self.model)
        let prepared: [Result<PreparedImage, APIError>] = Compute.map(inputs.count) { i in
            let input = inputs[i]
            do {
                let image = try decoder.decode(input.data, name: "images[\(input.index)]")
                defer { image.recycle() }
                return .success(try model.prepare(image: image))
            } catch let error as ImageIOError {
                if case .tooLarge = error { return .failure(.tooLarge(error.description)) }
                return .failure(.badRequest(error.description))
            } catch {
                return .failure(.badRequest("images[\(input.index)]: cannot be preprocessed"))
            }
        }
        var failed: [Int: APIError] = [:]
        for (input, result) in zip(inputs, prepared) {
            if case .failure(let error) = result, failed[input.job] == nil { failed[input.job] = error }
        }
        // The model batches as its family allows: fixed-size pixels by shape, NaFlex patches padded and masked.
        let good = inputs.indices.filter { failed[inputs[$0].job] == nil }
        var embeddings: [Int: [Float]] = [:]
        do {
            let out = try model.imageEmbeddings(prepared: good.compactMap { try? prepared[$0].get() }, normalized: true)
            for (i, vector) in zip(good, out) { embeddings[i] = vector }
        } catch {
            for i in good { failed[inputs[i].job] = APIError(.internalServerError, "the image model failed") }
        }
        for (j, job) in jobs.enumerated() {
            if let error = failed[j] { job.done(.failure(error)); continue }
            job.done(.success(inputs.indices.filter { inputs[$0].job == j }.compactMap { embeddings[$0] }))
        }
    }
}

/// Carries an exclusive job's result back from the model thread (written there before the job completes).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
