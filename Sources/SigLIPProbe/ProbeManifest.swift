/// `probe.json`: what a probe classifies, which model's embeddings it reads, and how it was trained.
public struct ProbeManifest: Codable, Sendable, Equatable {
    /// Marks the file as a probe manifest.
    public var format = ProbeManifest.formatName
    /// The manifest layout's version.
    public var version = 1
    /// Class labels, in the order of the weight rows.
    public var labels: [String]
    /// The embedding width the weights read.
    public var dimension: Int
    /// Whether the embeddings were L2-normalised before the head (they are: `siglip embed`'s default).
    public var normalized = true
    /// Whether the features are standardised first (the `mean` and `scale` tensors of probe.safetensors).
    public var standardized: Bool
    /// The checkpoint the embeddings came from.
    public var model: ModelIdentity
    /// How the head was fitted and how well it did.
    public var training: TrainingRecord

    /// The value of `format`.
    public static let formatName = "siglip-linear-probe"

    /// A manifest for a probe of `labels` over `dimension`-wide embeddings of `model`.
    public init(labels: [String], dimension: Int, standardized: Bool, model: ModelIdentity, training: TrainingRecord) {
        self.labels = labels
        self.dimension = dimension
        self.standardized = standardized
        self.model = model
        self.training = training
    }
}

/// The training settings and results recorded in `probe.json`.
public struct TrainingRecord: Codable, Sendable, Equatable {
    /// Inverse regularisation strength (scikit-learn's C).
    public var C: Double
    /// "none" or "balanced".
    public var classWeight: String
    /// The fraction of each class held out for validation.
    public var validationSplit: Double
    /// The seed of the split's shuffle.
    public var seed: UInt64
    /// Training examples per label, in label order.
    public var trainCounts: [Int]
    /// Validation examples per label, in label order.
    public var validationCounts: [Int]
    /// L-BFGS iterations.
    public var iterations: Int
    /// Whether the optimiser met its gradient tolerance.
    public var converged: Bool
    /// The largest gradient component at the end.
    public var gradientNorm: Double
    /// The objective at the end, divided by C·Σsᵢ (mean weighted cross-entropy plus the penalty).
    public var loss: Double
    /// Accuracy on the training examples.
    public var trainAccuracy: Double
    /// Accuracy on the validation examples, or nil without any.
    public var validationAccuracy: Double?

    /// A record of the given settings and results.
    public init(C: Double, classWeight: String, validationSplit: Double, seed: UInt64, trainCounts: [Int], validationCounts: [Int],
                iterations: Int, converged: Bool, gradientNorm: Double, loss: Double, trainAccuracy: Double, validationAccuracy: Double?) {
        self.C = C
        self.classWeight = classWeight
        self.validationSplit = validationSplit
        self.seed = seed
        self.trainCounts = trainCounts
        self.validationCounts = validationCounts
        self.iterations = iterations
        self.converged = converged
        self.gradientNorm = gradientNorm
        self.loss = loss
        self.trainAccuracy = trainAccuracy
        self.validationAccuracy = validationAccuracy
    }

    enum CodingKeys: String, CodingKey {
        case C, seed, iterations, converged, loss
        case classWeight = "class_weight"
        case validationSplit = "validation_split"
        case trainCounts = "train_counts"
        case validationCounts = "validation_counts"
        case gradientNorm = "gradient_norm"
        case trainAccuracy = "train_accuracy"
        case validationAccuracy = "validation_accuracy"
    }
}
