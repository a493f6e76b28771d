import Foundation

/// Turns a `--model` argument into a checkpoint folder: a local directory as it is, `org/name[@revision]`
/// through the Hugging Face cache (downloading what is missing unless offline).
public enum ModelLocator {
    /// The folder to load `model` from. A path that exists, or that is not of the form `org/name`, is local.
    public static func directory(for model: String, settings: HubSettings = HubSettings(),
                                 progress: HubProgress? = nil, notice: (@Sendable (String) -> Void)? = nil) throws -> URL {
        if FileManager.default.fileExists(atPath: model) { return URL(fileURLWithPath: model) }
        guard let repo = RepoReference(model) else { return URL(fileURLWithPath: model) }
        return try snapshot(of: repo, settings: settings, progress: progress, notice: notice)
    }

    /// The snapshot folder of `repo`, from the cache or downloaded into it; blocks until done.
    public static func snapshot(of repo: RepoReference, settings: HubSettings = HubSettings(),
                                progress: HubProgress? = nil, notice: (@Sendable (String) -> Void)? = nil) throws -> URL {
        let downloader = HubDownloader(settings: settings, progress: progress, notice: notice)
        return try waitFor { try await downloader.snapshot(repo) }
    }

    /// Runs `work` to completion from synchronous code (the command-line tool's commands are synchronous).
    /// The work runs on a queue of its own, never on the cooperative pool: a caller that is itself a pool thread
    /// (a test, a library user in async code) would otherwise block a thread the work may need.
    static func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueExecutor()) {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw HubError("the download task ended without a result") }
        return try result.get()
    }
}

/// Carries a task's result to the thread waiting for it; the semaphore orders the write before the read.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// A task executor on a serial dispatch queue, whose threads are not the cooperative pool's.
private final class QueueExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "siglip.hub.download")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
