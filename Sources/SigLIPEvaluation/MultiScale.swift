import Foundation
import SigLIP

/// How embeddings of one image at several scales become one embedding.
public enum ScaleCombination: String, Sendable, Codable, CaseIterable {
    /// The mean of the normalised embeddings, normalised again (same width as one embedding).
    case mean
    /// The normalised embeddings side by side, scaled by 1/√n (unit norm, n times as wide); texts are repeated n
    /// times to match, so a cosine is the mean of the per-scale cosines.
    case concat
}

/// The image sides to embed at, and how to combine them; one scale of nil is the model as loaded.
public struct ImageScales: Sendable, Equatable, Codable {
    /// The square sides, or `[nil]` for the checkpoint's own size.
    public let sides: [Int?]
    /// How several scales are combined (unused for one).
    public let combine: ScaleCombination

    /// Scales as given; an empty list means the checkpoint's own size.
    public init(sides: [Int?] = [nil], combine: ScaleCombination = .mean) {
        self.sides = sides.isEmpty ? [nil] : sides
        self.combine = combine
    }

    /// Parses "224,384" (positive integers, no repeats).
    public init(parsing list: String, combine: ScaleCombination) throws {
        let parts = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var sides: [Int] = []
        for part in parts {
            guard let side = Int(part), side > 0 else { throw EvaluationError("--scales: \"\(part)\" is not a positive image side") }
            guard !sides.contains(side) else { throw EvaluationError("--scales: \(side) is given twice") }
            sides.append(side)
        }
        self.init(sides: sides, combine: combine)
    }

    /// How many scales there are.
    public var count: Int { sides.count }

    /// A short label such as "native", "224" or "224+384 (mean)".
    public var label: String {
        let names = sides.map { $0.map(String.init) ?? "native" }
        return sides.count == 1 ? names[0] : names.joined(separator: "+") + " (\(combine.rawValue))"
    }

    /// One image's per-scale embeddings (in `sides` order) combined into one unit-norm embedding.
    public func combined(_ perScale: [[Float]]) -> [Float] {
        precondition(perScale.count == sides.count, "one embedding per scale")
        if perScale.count == 1 { return Vectors.normalized(perScale[0]) }
        switch combine {
        case .mean: return Vectors.ensemble(perScale)
        case .concat:
            let scale = 1 / Float(perScale.count).squareRoot()
            return perScale.flatMap { Vectors.normalized($0).map { $0 * scale } }
        }
    }

    /// A text embedding widened to match `combined` (normalised; repeated and scaled for concat).
    public func matchingText(_ text: [Float]) -> [Float] {
        let unit = Vectors.normalized(text)
        guard combine == .concat, sides.count > 1 else { return unit }
        let scale = 1 / Float(sides.count).squareRoot()
        return Array(repeating: unit.map { $0 * scale }, count: sides.count).flatMap { $0 }
    }

    /// Embeds images at every scale and combines them. `progress` receives the number of (image, scale) runs
    /// finished so far, out of `urls.count × count`. An image failing at any scale fails with that scale's error
    /// (prefixed with the side when there are several).
    public func imageEmbeddings(model: any ImageTextModel, urls: [URL], batchSize: Int,
                                progress: (Int) -> Void = { _ in }) -> [Result<[Float], Error>] {
        var perScale: [[Result<[Float], Error>]] = []
        let chunk = max(batchSize, 1) * 4
        for (s, side) in sides.enumerated() {
            var results: [Result<[Float], Error>] = []
            for start in stride(from: 0, to: urls.count, by: chunk) {
                let part = Array(urls[start..<min(start + chunk, urls.count)])
                results += model.imageEmbeddings(for: part, batchSize: batchSize, side: side, normalized: true)
                progress(s * urls.count + results.count)
            }
            perScale.append(results)
        }
        return urls.indices.map { i in
            var rows: [[Float]] = []
            for (s, side) in sides.enumerated() {
                switch perScale[s][i] {
                case .success(let row): rows.append(row)
                case .failure(let error):
                    guard sides.count > 1 else { return .failure(error) }
                    return .failure(EvaluationError("at side \(side.map(String.init) ?? "native"): \(EvaluationError.describe(error))"))
                }
            }
            return .success(combined(rows))
        }
    }
}
