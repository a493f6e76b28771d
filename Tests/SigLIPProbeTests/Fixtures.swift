import Foundation
import SafeTensors
import SigLIPProbe

/// The probe fixtures (scripts/fixtures/probe.py, on the digits of scripts/fixtures/datasets.py) and the models they were made with.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let digits = root.appendingPathComponent("datasets/digits")
    static func model(_ name: String) -> URL { root.appendingPathComponent("models/\(name)") }

    /// One case of digits-tiny-siglip.safetensors: scikit-learn's fit on the reference's embeddings.
    struct Case {
        let C: Double
        let classWeight: [Int: Double]?
        let standardized: Bool
        let features: [Double]
        let labels: [Int]
        let classes: Int
        let coef: [Double]
        let intercept: [Double]
        let proba: [Double]
        let mean: [Double]?
        let scale: [Double]?
    }

    static let dimension = 64

    /// The reference's normalised image embeddings of every digit image (class folders in name order) and their labels.
    static func referenceEmbeddings() throws -> (embeddings: [Double], labels: [Int]) {
        let file = try SafeTensorsFile(url: root.appendingPathComponent("probe/digits-tiny-siglip.safetensors"))
        return (try file.tensor(named: "embeddings").scalars.map(Double.init), try file.tensor(named: "labels").scalars.map { Int($0) })
    }

    /// The case `name`, its rows' labels renumbered 0..<classes in ascending order as scikit-learn's classes_ are.
    static func sklearnCase(_ name: String) throws -> Case {
        let file = try SafeTensorsFile(url: root.appendingPathComponent("probe/digits-tiny-siglip.safetensors"))
        func values(_ tensor: String) throws -> [Double] { try file.tensor(named: tensor).scalars.map(Double.init) }
        let cases = try JSONSerialization.jsonObject(with: Data((file.metadata["cases"] ?? "").utf8)) as? [String: [String: Any]]
        guard let settings = cases?[name], let C = settings["C"] as? Double else { throw ProbeError("no case \(name) in the fixture") }
        let embeddings = try values("embeddings"), allLabels = try values("labels").map { Int($0) }
        let rows = try values("\(name).rows").map { Int($0) }
        let present = Array(Set(rows.map { allLabels[$0] })).sorted()
        let features = rows.flatMap { embeddings[($0 * dimension)..<(($0 + 1) * dimension)] }
        let weights = (settings["class_weight"] as? [String: Double]).map { dict in
            Dictionary(uniqueKeysWithValues: dict.map { (Int($0.key) ?? -1, $0.value) })
        }
        let standardized = settings["standardize"] as? Bool ?? false
        return Case(C: C, classWeight: weights, standardized: standardized, features: features,
                    labels: rows.map { present.firstIndex(of: allLabels[$0]) ?? -1 }, classes: present.count,
                    coef: try values("\(name).coef"), intercept: try values("\(name).intercept"), proba: try values("\(name).proba"),
                    mean: standardized ? try values("\(name).mean") : nil, scale: standardized ? try values("\(name).scale") : nil)
    }
}

/// The largest |a − b|, or infinity when the lengths differ or are zero (so a missing result never passes).
func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Softmax in float64, for probabilities from fitted logits.
func softmax(_ z: [Double]) -> [Double] {
    let top = z.max() ?? 0
    let e = z.map { exp($0 - top) }
    let total = e.reduce(0, +)
    return e.map { $0 / total }
}
