import Foundation
import SigLIP

/// How `ProbeTrainer` fits a probe.
public struct ProbeTrainingOptions: Sendable {
    /// Inverse regularisation strength (scikit-learn's C).
    public var C = 1.0
    /// Weigh each class by n / (classes · its count), as scikit-learn's `class_weight="balanced"`.
    public var balanced = false
    /// Standardise features with the training rows' mean and standard deviation before the head.
    public var standardize = false
    /// The fraction of each class held out for validation.
    public var validationSplit = 0.2
    /// The seed of the split.
    public var seed: UInt64 = 0
    /// Images per model call.
    public var batchSize = 16
    /// The optimiser's stopping rule.
    public var optimizer = LBFGS()

    /// The defaults: C 1, no class weights or standardisation, 20% validation, seed 0.
    public init() {}
}

/// What `ProbeTrainer.train` made: the probe, its scores, and the images it had to skip.
public struct ProbeTrainingResult {
    /// The fitted probe.
    public let probe: LinearProbe
    /// Scores on the training images.
    public let train: ProbeEvaluation
    /// Scores on the held-out images, nil when none were held out.
    public let validation: ProbeEvaluation?
    /// Images that could not be embedded, with why; they were left out.
    public let failures: [(file: URL, error: any Error)]
}

/// Embeds a folder-per-class image set with any image–text model and fits a logistic-regression probe on it.
public enum ProbeTrainer {
    /// Image embeddings (normalised) of `files`, `batchSize` at a time; `progress` hears how many are done.
    public static func embed(_ files: [URL], model: any ImageTextModel, batchSize: Int,
                             progress: (Int) -> Void = { _ in }) -> [Result<[Float], Error>] {
        var results: [Result<[Float], Error>] = []
        for start in stride(from: 0, to: files.count, by: max(batchSize, 1)) {
            let chunk = Array(files[start..<min(start + max(batchSize, 1), files.count)])
            results += model.imageEmbeddings(for: chunk, batchSize: batchSize, side: nil, normalized: true)
            progress(results.count)
        }
        return results
    }

    /// Splits `data`, embeds it with `model` (whose identity is `identity`), fits the probe on the training part and
    /// scores both parts. Images that fail to embed are skipped and returned; a class left with no training image fails.
    public static func train(data: ClassFolders, model: any ImageTextModel, identity: ModelIdentity, options: ProbeTrainingOptions,
                             progress: (Int) -> Void = { _ in }) throws -> ProbeTrainingResult {
        guard data.labels.count >= 2 else { throw ProbeError("\(data.directory.path): a probe needs at least two class folders, not \(data.labels.count)") }
        guard (0..<1).contains(options.validationSplit) else { throw ProbeError("the validation split must be in [0, 1), not \(options.validationSplit)") }
        let split = data.split(validationFraction: options.validationSplit, seed: options.seed)
        let embeddings = embed(data.files, model: model, batchSize: options.batchSize, progress: progress)
        var failures: [(file: URL, error: any Error)] = []
        var vectors: [Int: [Float]] = [:]
        for (i, result) in embeddings.enumerated() {
            switch result {
            case .success(let v): vectors[i] = v
            case .failure(let error): failures.append((data.files[i], error))
            }
        }
        let train = split.train.filter { vectors[$0] != nil }, validation = split.validation.filter { vectors[$0] != nil }
        let d = model.embeddingSize
        let k = data.labels.count
        let trainCounts = data.labels.indices.map { label in train.filter { data.classes[$0] == label }.count }
        if let empty = trainCounts.firstIndex(of: 0) {
            throw ProbeError("\(data.directory.appendingPathComponent(data.labels[empty]).path): no image of this class could be embedded for training")
        }
        var features = train.flatMap { vectors[$0].map { $0.map(Double.init) } ?? [] }
        guard features.count == train.count * d else {
            throw ProbeError("the model made embeddings of another width than its \(d)")
        }
        let labels = train.map { data.classes[$0] }
        let standardizer = options.standardize ? Standardizer(fitting: features, dimension: d) : nil
        if let standardizer { features = standardizer.apply(features) }
        var regression = LogisticRegression(C: options.C, classWeights: options.balanced ? LogisticRegression.balancedWeights(labels: labels, classes: k) : nil)
        regression.optimizer = options.optimizer
        let fit = try regression.fit(features: features, dimension: d, labels: labels, classes: k)
        let record = TrainingRecord(
            C: options.C, classWeight: options.balanced ? "balanced" : "none", validationSplit: options.validationSplit, seed: options.seed,
            trainCounts: trainCounts, validationCounts: data.labels.indices.map { label in validation.filter { data.classes[$0] == label }.count },
            iterations: fit.iterations, converged: fit.converged, gradientNorm: fit.gradientNorm, loss: fit.loss, trainAccuracy: 0, validationAccuracy: nil)
        var manifest = ProbeManifest(labels: data.labels, dimension: d, standardized: options.standardize, model: identity, training: record)
        let provisional = try LinearProbe(manifest: manifest, weight: fit.weight, bias: fit.bias, standardizer: standardizer)
        func evaluate(_ rows: [Int]) throws -> ProbeEvaluation {
            ProbeEvaluation(labels: data.labels, truth: rows.map { data.classes[$0] },
                            predicted: try rows.map { try provisional.predict(vectors[$0] ?? []) })
        }
        let trainScores = try evaluate(train)
        let validationScores = validation.isEmpty ? nil : try evaluate(validation)
        manifest.training.trainAccuracy = trainScores.accuracy ?? 0
        manifest.training.validationAccuracy = validationScores?.accuracy
        let probe = try LinearProbe(manifest: manifest, weight: fit.weight, bias: fit.bias, standardizer: standardizer)
        return ProbeTrainingResult(probe: probe, train: trainScores, validation: validationScores, failures: failures)
    }
}
