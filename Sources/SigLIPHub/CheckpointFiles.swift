import Foundation

/// Which files of a repository make a checkpoint this package can load, and whether a folder has them all.
enum CheckpointFiles {
    static let config = "config.json"
    static let weights = "model.safetensors"
    static let index = "model.safetensors.index.json"
    /// Tokenizer and preprocessing files, fetched when the repository has them.
    static let optional = ["spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                           "vocab.json", "merges.txt", "preprocessor_config.json"]

    /// The files to fetch first from a repository listing `siblings`: the config, the single weights file or the
    /// shard index (its shards come once it is read), and whichever tokenizer files exist.
    static func wanted(in siblings: Set<String>, repo: RepoReference) throws -> [String] {
        guard siblings.contains(config) else { throw HubError("\(repo): the repository has no config.json") }
        let weightsFile: String
        if siblings.contains(weights) { weightsFile = weights }
        else if siblings.contains(index) { weightsFile = index }
        else { throw HubError("\(repo): the repository has no model.safetensors or model.safetensors.index.json (other weight formats are not read)") }
        return [config, weightsFile] + optional.filter(siblings.contains)
    }

    /// The shard files a `model.safetensors.index.json` names, each a plain relative path inside the repository.
    static func shards(index file: URL) throws -> [String] {
        guard let data = try? Data(contentsOf: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw HubError("\(file.lastPathComponent): not a safetensors index (no weight_map object)")
        }
        var names = Set<String>()
        for case let name as String in map.values {
            guard isSafeRelativePath(name) else { throw HubError("\(file.lastPathComponent): shard name '\(name)' is not a plain path inside the repository") }
            names.insert(name)
        }
        guard !names.isEmpty else { throw HubError("\(file.lastPathComponent): weight_map names no shard") }
        return names.sorted()
    }

    /// The files a loadable checkpoint needs that `folder` lacks: config.json, and the weights (one file, or the
    /// index and every shard it names).
    static func missing(in folder: URL) -> [String] {
        func has(_ name: String) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) }
        var missing = has(config) ? [] : [config]
        if has(weights) { return missing }
        guard has(index) else { return missing + [weights] }
        guard let shards = try? shards(index: folder.appendingPathComponent(index)) else { return missing + [index + " (unreadable)"] }
        missing += shards.filter { !has($0) }
        return missing
    }
}

/// A repository path that stays inside the snapshot folder: relative, no `.` or `..` segments, no empty ones.
func isSafeRelativePath(_ path: String) -> Bool {
    guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
    return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
}
