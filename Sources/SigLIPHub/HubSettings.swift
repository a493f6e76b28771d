import Foundation

/// Where the Hub is, who we are and where its files are kept, read from the environment variables
/// huggingface_hub reads, so both share one cache and one token.
public struct HubSettings: Sendable {
    /// The Hub's base URL (`HF_ENDPOINT`), without a trailing slash.
    public var endpoint: String
    /// A bearer token (`HF_TOKEN`, else the token file under `HF_HOME`), for gated and private repositories.
    public var token: String?
    /// The cache root (`HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`).
    public var cache: URL
    /// `HF_HUB_OFFLINE`: use the cache only and never touch the network.
    public var offline: Bool

    /// Settings from `environment` (the process environment by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let home = value("HOME") ?? NSHomeDirectory()
        func expand(_ path: String) -> String { path.hasPrefix("~/") || path == "~" ? home + path.dropFirst() : path }
        let hfHome = value("HF_HOME").map(expand) ?? (value("XDG_CACHE_HOME").map(expand) ?? home + "/.cache") + "/huggingface"
        let cache = value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") ?? hfHome + "/hub"
        self.cache = URL(fileURLWithPath: expand(cache), isDirectory: true)
        var endpoint = value("HF_ENDPOINT") ?? "https://huggingface.co"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        let tokenFile = value("HF_TOKEN_PATH").map(expand) ?? hfHome + "/token"
        let stored = (try? String(contentsOfFile: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN") ?? (stored?.isEmpty == false ? stored : nil)
        self.offline = ["1", "on", "yes", "true"].contains((value("HF_HUB_OFFLINE") ?? value("TRANSFORMERS_OFFLINE") ?? "").lowercased())
    }
}
