import Foundation
import Tensor

/// The weights of a Hugging Face checkpoint directory: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json`, looked up by tensor name.
public final class Checkpoint: @unchecked Sendable {
    /// The checkpoint directory.
    public let directory: URL
    private var fileOfTensor: [String: SafeTensorsFile] = [:]

    /// The single-file weights name.
    public static let singleFileName = "model.safetensors"
    /// The sharded-weights index name.
    public static let indexFileName = "model.safetensors.index.json"

    /// Opens and validates every weights file of the checkpoint in `directory`.
    public init(directory: URL) throws {
        self.directory = directory
        let index = directory.appendingPathComponent(Self.indexFileName)
        let single = directory.appendingPathComponent(Self.singleFileName)
        if FileManager.default.fileExists(atPath: index.path) {
            try openShards(index: index)
        } else if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafeTensorsFile(url: single)
            for name in file.entries.keys { fileOfTensor[name] = file }
        } else {
            throw SafeTensorsError(file: directory, reason: "no \(Self.singleFileName) or \(Self.indexFileName) in this directory")
        }
    }

    /// Every tensor name in the checkpoint.
    public var tensorNames: Set<String> { Set(fileOfTensor.keys) }

    /// The on-disk description of `name`, if present.
    public func entry(named name: String) -> SafeTensorsFile.Entry? { fileOfTensor[name]?.entries[name] }

    /// The tensor `name` as Float32, checked against `shape` when one is given.
    public func tensor(named name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let file = fileOfTensor[name] else {
            throw SafeTensorsError(file: weightsLocation, tensor: name, reason: "missing from the checkpoint")
        }
        if let shape, let entry = file.entries[name], entry.shape != shape {
            throw SafeTensorsError(file: file.url, tensor: name, reason: "has shape \(entry.shape) but the config implies \(shape)")
        }
        return try file.tensor(named: name)
    }

    private var weightsLocation: URL {
        let index = directory.appendingPathComponent(Self.indexFileName)
        return FileManager.default.fileExists(atPath: index.path) ? index : directory.appendingPathComponent(Self.singleFileName)
    }

    private struct Index: Decodable {
        let weight_map: [String: String]
    }

    private func openShards(index: URL) throws {
        let map: [String: String]
        do {
            map = try JSONDecoder().decode(Index.self, from: Data(contentsOf: index)).weight_map
        } catch {
            throw SafeTensorsError(file: index, reason: "not a valid index: it needs a \"weight_map\" object of tensor name to file name")
        }
        var shards: [String: SafeTensorsFile] = [:]
        for (tensor, fileName) in map.sorted(by: { $0.key < $1.key }) {
            guard !fileName.contains("/"), !fileName.hasPrefix(".") else {
                throw SafeTensorsError(file: index, tensor: tensor, reason: "shard name '\(fileName)' is not a plain file name")
            }
            let shard: SafeTensorsFile
            if let open = shards[fileName] {
                shard = open
            } else {
                shard = try SafeTensorsFile(url: directory.appendingPathComponent(fileName))
                shards[fileName] = shard
            }
            guard shard.entries[tensor] != nil else {
                throw SafeTensorsError(file: shard.url, tensor: tensor, reason: "listed in \(Self.indexFileName) but not in this shard")
            }
            fileOfTensor[tensor] = shard
        }
    }
}
