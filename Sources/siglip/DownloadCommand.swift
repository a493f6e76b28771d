import ArgumentParser
import Foundation
import SigLIPHub

struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Fetch a checkpoint from the Hugging Face Hub into its cache and print the snapshot folder.",
        discussion: """
        The cache is huggingface_hub's (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub), so either \
        tool reads what the other fetched. An interrupted download resumes; HF_TOKEN opens gated repositories; \
        HF_HUB_OFFLINE=1 only checks the cache.
        """
    )

    @Argument(help: "The repository, org/name or org/name@revision.")
    var repo: String

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard RepoReference(repo) != nil else { throw ValidationError("'\(repo)' is not a repository id of the form org/name or org/name@revision") }
    }

    func run() throws {
        guard let reference = RepoReference(repo) else { throw ValidationError("'\(repo)' is not a repository id") }
        let folder = try ModelLocator.snapshot(of: reference, progress: downloadProgress(quiet: quiet), notice: { printError($0) })
        print(folder.path)
    }
}
