import Foundation
import SigLIPHub

/// The help every `--model` option shows, so all commands describe the same resolution.
let modelHelp = "A checkpoint directory in the Hugging Face layout (config.json, model.safetensors, ...), or a Hub repository org/name[@revision], fetched into the Hugging Face cache."

/// The checkpoint folder for a `--model` argument: a local directory as given, `org/name[@revision]` from the
/// Hugging Face cache, downloading what it lacks with a progress bar on a terminal (silent otherwise or when `quiet`).
func modelDirectory(_ model: String, quiet: Bool = false) throws -> URL {
    try ModelLocator.directory(for: model, progress: downloadProgress(quiet: quiet), notice: { printError($0) })
}

/// Byte progress bars on a terminal; nil (silence) when standard error is not one or when `quiet`.
func downloadProgress(quiet: Bool) -> HubProgress? {
    guard !quiet, isatty(STDERR_FILENO) == 1 else { return nil }
    let bars = DownloadBars()
    return { bars.update($0, $1, $2) }
}

/// One byte-counting bar per file being downloaded.
private final class DownloadBars: @unchecked Sendable {
    private let lock = NSLock()
    private var file = ""
    private var bar: ProgressBar?

    func update(_ name: String, _ bytes: Int64, _ total: Int64?) {
        lock.lock()
        if name != file || bar == nil {
            file = name
            bar = ProgressBar(name, total: Int(total ?? max(bytes, 1)), bytes: true)
        }
        let current = bar
        lock.unlock()
        current?.update(Int(bytes))
    }
}
