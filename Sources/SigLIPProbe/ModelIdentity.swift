import Crypto
import Foundation
import SigLIP

/// Which checkpoint made a probe's embeddings: a probe is a head on one model's embedding space and means nothing
/// on another's, so it records the checkpoint's config and weights digests and refuses any other checkpoint.
public struct ModelIdentity: Codable, Sendable, Equatable {
    /// The checkpoint directory at training time (informative: a copy elsewhere is the same model).
    public var path: String
    /// The config's `model_type` ("siglip", …), or "siglip" when it names none.
    public var family: String
    /// SHA-256 of `config.json`.
    public var configSHA256: String
    /// SHA-256 of the checkpoint's `.safetensors` files, end to end in name order.
    public var weightsSHA256: String

    enum CodingKeys: String, CodingKey {
        case path, family
        case configSHA256 = "config_sha256"
        case weightsSHA256 = "weights_sha256"
    }

    /// The identity of the checkpoint in `directory`, hashing its config and weights.
    public init(checkpoint directory: URL) throws {
        path = directory.standardizedFileURL.path
        family = try modelType(ofCheckpoint: directory) ?? "siglip"
        let config = directory.appendingPathComponent("config.json")
        configSHA256 = try Self.sha256(of: [config])
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw ProbeError("\(directory.path): cannot list the checkpoint (\(error.localizedDescription))")
        }
        let weights = names.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
        guard !weights.isEmpty else { throw ProbeError("\(directory.path): no .safetensors weights in the checkpoint") }
        weightsSHA256 = try Self.sha256(of: weights)
    }

    /// Refuses `other` (the model offered now) unless it is the same checkpoint as this (the probe's).
    public func check(offered other: ModelIdentity, probe: URL) throws {
        guard other.configSHA256 == configSHA256, other.weightsSHA256 == weightsSHA256 else {
            let what = other.configSHA256 != configSHA256 ? "config.json sha256 \(other.configSHA256.prefix(16))… is not \(configSHA256.prefix(16))…"
                : "weights sha256 \(other.weightsSHA256.prefix(16))… are not \(weightsSHA256.prefix(16))…"
            throw ProbeError("\(probe.path): trained on the \(family) model at \(path); \(other.path) is a different model (\(what)), "
                + "so its embeddings mean nothing to this probe")
        }
    }

    /// SHA-256 over the files' bytes end to end, read in 8 MiB blocks.
    static func sha256(of files: [URL]) throws -> String {
        var hasher = SHA256()
        for file in files {
            guard let handle = FileHandle(forReadingAtPath: file.path) else { throw ProbeError("\(file.path): cannot read the model file") }
            defer { try? handle.close() }
            while true {
                let block: Data?
                do { block = try handle.read(upToCount: 8 << 20) } catch {
                    throw ProbeError("\(file.path): reading the model file failed (\(error.localizedDescription))")
                }
                guard let block, !block.isEmpty else { break }
                hasher.update(data: block)
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
