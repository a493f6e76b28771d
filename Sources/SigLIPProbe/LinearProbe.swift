import Foundation
import SafeTensors
import Tensor

/// One label's score for one embedding.
public struct ProbeScore: Sendable, Equatable {
    /// The class label.
    public let label: String
    /// The head's logit for the label.
    public let logit: Float
    /// The softmax probability (probabilities over all labels sum to 1).
    public let probability: Float
}

/// A trained classification head on image embeddings: `softmax(W·standardise(x) + b)`, saved as a directory of
/// `probe.safetensors` (`weight` [classes, dim], `bias` [classes], and `mean`/`scale` [dim] when standardised)
/// and `probe.json` (`ProbeManifest`).
public struct LinearProbe: Sendable {
    /// Labels, weights' rows and provenance.
    public let manifest: ProbeManifest
    /// `[classes × dimension]`, row-major.
    public let weight: [Double]
    /// Per class.
    public let bias: [Double]
    /// Applied to embeddings before the head, when the probe was trained standardised.
    public let standardizer: Standardizer?

    /// The tensors' file name in a probe directory.
    public static let weightsFileName = "probe.safetensors"
    /// The manifest's file name in a probe directory.
    public static let manifestFileName = "probe.json"

    /// The class labels.
    public var labels: [String] { manifest.labels }
    /// The embedding width.
    public var dimension: Int { manifest.dimension }

    /// A probe from fitted parameters; shapes must agree with the manifest.
    public init(manifest: ProbeManifest, weight: [Double], bias: [Double], standardizer: Standardizer?) throws {
        let k = manifest.labels.count, d = manifest.dimension
        guard k >= 2, d > 0, weight.count == k * d, bias.count == k, (standardizer == nil) == !manifest.standardized,
              standardizer.map({ $0.mean.count == d && $0.scale.count == d }) ?? true else {
            throw ProbeError("probe parameters do not match \(k) labels of dimension \(d)")
        }
        self.manifest = manifest
        self.weight = weight
        self.bias = bias
        self.standardizer = standardizer
    }

    /// The logits of one embedding, one per label.
    public func logits(_ embedding: [Float]) throws -> [Double] {
        guard embedding.count == dimension else {
            throw ProbeError("an embedding of \(embedding.count) numbers does not fit this probe's dimension \(dimension)")
        }
        var x = embedding.map(Double.init)
        if let standardizer { x = standardizer.apply(x) }
        return (0..<labels.count).map { k in
            var z = bias[k]
            for j in 0..<dimension { z += weight[k * dimension + j] * x[j] }
            return z
        }
    }

    /// Softmax probabilities of one embedding, one per label (in label order).
    public func probabilities(_ embedding: [Float]) throws -> [Double] {
        softmax(try logits(embedding))
    }

    /// The `top` best labels for one embedding, highest probability first.
    public func scores(_ embedding: [Float], top: Int? = nil) throws -> [ProbeScore] {
        let z = try logits(embedding), p = softmax(z)
        let ranked = labels.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
        return ranked.prefix(top ?? labels.count).map { ProbeScore(label: labels[$0], logit: Float(z[$0]), probability: Float(p[$0])) }
    }

    /// The index of the most probable label.
    public func predict(_ embedding: [Float]) throws -> Int {
        let z = try logits(embedding)
        return z.indices.max { z[$0] < z[$1] } ?? 0
    }

    /// Writes `probe.safetensors` and `probe.json` into `directory`, creating it.
    public func save(to directory: URL) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw ProbeError("\(directory.path): cannot create the probe directory (\(error.localizedDescription))")
        }
        let k = labels.count, d = dimension
        var tensors: [(name: String, tensor: Tensor)] = [
            ("weight", Tensor(shape: [k, d], values: weight.map(Float.init))),
            ("bias", Tensor(shape: [k], values: bias.map(Float.init))),
        ]
        if let standardizer {
            tensors.append(("mean", Tensor(shape: [d], values: standardizer.mean.map(Float.init))))
            tensors.append(("scale", Tensor(shape: [d], values: standardizer.scale.map(Float.init))))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let url = directory.appendingPathComponent(Self.manifestFileName)
        do {
            try SafeTensorsWriter.write(tensors, metadata: ["format": ProbeManifest.formatName], to: directory.appendingPathComponent(Self.weightsFileName))
            try encoder.encode(manifest).write(to: url, options: .atomic)
        } catch {
            throw ProbeError("\(directory.path): cannot write the probe (\(error.localizedDescription))")
        }
    }

    /// Loads the probe in `directory`, checking that the manifest and tensors agree.
    public init(directory: URL) throws {
        let manifestURL = directory.appendingPathComponent(Self.manifestFileName)
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw ProbeError("\(manifestURL.path): cannot read the probe manifest (\(error.localizedDescription))")
        }
        let manifest: ProbeManifest
        do { manifest = try JSONDecoder().decode(ProbeManifest.self, from: data) } catch {
            throw ProbeError("\(manifestURL.path): not a probe manifest (\(Self.reason(error)))")
        }
        guard manifest.format == ProbeManifest.formatName, manifest.version == 1 else {
            throw ProbeError("\(manifestURL.path): format \(manifest.format) version \(manifest.version) is not \(ProbeManifest.formatName) version 1")
        }
        let k = manifest.labels.count, d = manifest.dimension
        guard k >= 2 else { throw ProbeError("\(manifestURL.path): 'labels' must name at least two classes, not \(k)") }
        guard Set(manifest.labels).count == k else { throw ProbeError("\(manifestURL.path): 'labels' has a duplicate label") }
        guard d > 0 else { throw ProbeError("\(manifestURL.path): 'dimension' must be positive, not \(d)") }
        let url = directory.appendingPathComponent(Self.weightsFileName)
        let file = try SafeTensorsFile(url: url)
        func read(_ name: String, _ shape: [Int]) throws -> [Double] {
            guard let entry = file.entries[name] else { throw ProbeError("\(url.path): tensor '\(name)': missing") }
            guard entry.shape == shape else {
                throw ProbeError("\(url.path): tensor '\(name)': shape \(entry.shape) does not match \(manifestURL.lastPathComponent)'s "
                    + "\(k) labels and dimension \(d) (expected \(shape))")
            }
            let values = try file.tensor(named: name).scalars.map(Double.init)
            guard values.allSatisfy(\.isFinite) else { throw ProbeError("\(url.path): tensor '\(name)': holds a NaN or infinite value") }
            return values
        }
        let weight = try read("weight", [k, d]), bias = try read("bias", [k])
        var standardizer: Standardizer?
        if manifest.standardized {
            let scale = try read("scale", [d])
            guard scale.allSatisfy({ $0 > 0 }) else { throw ProbeError("\(url.path): tensor 'scale': holds a value that is not positive") }
            standardizer = Standardizer(mean: try read("mean", [d]), scale: scale)
        }
        try self.init(manifest: manifest, weight: weight, bias: bias, standardizer: standardizer)
    }

    private static func reason(_ error: Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "'\(path)': \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}

/// A numerically stable softmax.
func softmax(_ z: [Double]) -> [Double] {
    let top = z.max() ?? 0
    let e = z.map { exp($0 - top) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
}
