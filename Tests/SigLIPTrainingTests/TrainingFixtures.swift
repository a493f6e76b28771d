import Foundation
import NPY
import SafeTensors
import SigLIPTraining
import Tensor

/// The tolerances of the gradient parity contract (issue 6); never loosened to make a test pass.
enum Tolerance {
    /// The loss: |Δ| over |reference|.
    static let loss: Float = 1e-5
    /// Each gradient or updated parameter tensor: max |Δ| over the reference's max |value|.
    static let tensor: Float = 1e-4
}

/// One batch recorded by scripts/fixtures/training.py with PyTorch autograd.
struct TrainingFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    /// The name under which the reference stores only the used rows of the token table.
    static let tokenTable = "text_model.embeddings.token_embedding.weight"

    let name: String
    var modelDirectory: URL { Self.root.appendingPathComponent("models/\(name)") }
    var directory: URL { Self.root.appendingPathComponent("training/\(name)") }

    func model() throws -> TrainableSiglip { try TrainableSiglip(directory: modelDirectory) }

    /// The seven fixture images as the reference's image processor prepared them.
    func pixelValues() throws -> Tensor {
        let a = try NPYArray(contentsOf: modelDirectory.appendingPathComponent("expected/image_files_pixel_values.npy"))
        return Tensor(shape: a.shape, values: a.floats)
    }

    func inputIDs() throws -> [[Int]] {
        let a = try NPYArray(contentsOf: directory.appendingPathComponent("input_ids.npy"))
        let flat = (a.integers ?? []).map { Int($0) }
        return stride(from: 0, to: flat.count, by: a.shape[1]).map { Array(flat[$0..<($0 + a.shape[1])]) }
    }

    func scalar(_ file: String) throws -> Float {
        try NPYArray(contentsOf: directory.appendingPathComponent("\(file).npy")).floats[0]
    }

    func tensors(_ file: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(url: directory.appendingPathComponent("\(file).safetensors"))
    }
}

/// Max |a − b| over max |b| for whole tensors (or over `scale` when one is given).
func relativeError(_ actual: Tensor, _ expected: Tensor, scale: Float? = nil) -> Float {
    precondition(actual.count == expected.count, "sizes differ: \(actual.shape) vs \(expected.shape)")
    var diff: Float = 0
    for i in 0..<expected.count { diff = max(diff, abs(actual.data[i] - expected.data[i])) }
    return diff / max(scale ?? maxMagnitude(expected), Float.leastNormalMagnitude)
}

func maxMagnitude(_ t: Tensor) -> Float { t.scalars.reduce(0) { max($0, abs($1)) } }

/// The gradient of a key bias is zero in exact arithmetic (adding `q·b_k` to a whole row of scores leaves its
/// softmax unchanged), so the reference holds only rounding noise (~1e-8 against ~0.1–1 for the other
/// projections) and "relative to its own largest value" would compare noise with noise. It is measured against
/// the largest gradient of the same layer's q/k/v projection instead, with the same tolerance; the reference
/// must itself be noise at that scale, or this rule could hide a real gradient.
func keyBiasScale(_ name: String, _ reference: SafeTensorsFile) throws -> Float? {
    guard name.hasSuffix("self_attn.k_proj.bias") else { return nil }
    let layer = name.dropLast("k_proj.bias".count)
    let siblings = try ["q_proj.weight", "q_proj.bias", "k_proj.weight", "v_proj.weight", "v_proj.bias"]
        .map { try maxMagnitude(reference.tensor(named: layer + $0)) }
    let scale = siblings.max()!
    return try maxMagnitude(reference.tensor(named: name)) <= 1e-6 * scale ? scale : nil
}

/// Compares our tensors (Hugging Face names and shapes) with a reference file, tensor by tensor.
/// The token table is compared on the rows the batch uses (the file's rows, in ascending id order); `otherRows`
/// says what every other row must equal exactly (zero for a gradient, the checkpoint for updated weights).
/// Returns the worst relative error per name; a missing or extra name is reported as infinity.
func compare(_ ours: [(name: String, tensor: Tensor)], with reference: SafeTensorsFile, usedIDs: [Int],
             otherRows: (Int) -> [Float]) throws -> [String: Float] {
    var errors: [String: Float] = [:]
    for name in Set(reference.entries.keys).subtracting(ours.map(\.name)) { errors[name] = .infinity }
    for (name, tensor) in ours {
        guard reference.entries[name] != nil else { errors[name] = .infinity; continue }
        let expected = try reference.tensor(named: name)
        if name == TrainingFixture.tokenTable {
            let used = gatherRows(tensor, usedIDs)
            var error = relativeError(used, expected)
            let usedSet = Set(usedIDs)
            for row in 0..<tensor.rows where !usedSet.contains(row) {
                if Array(tensor.scalars[row * tensor.columns..<(row + 1) * tensor.columns]) != otherRows(row) { error = .infinity }
            }
            errors[name] = error
        } else {
            errors[name] = expected.shape == tensor.shape ? relativeError(tensor, expected, scale: try keyBiasScale(name, reference)) : .infinity
        }
    }
    return errors
}
