import Foundation

/// An input file that could not be used, and why.
public struct UnreadableFile: Sendable, Codable, Equatable {
    /// The file's path.
    public let path: String
    /// The reason.
    public let error: String
}

/// One class's top-1 accuracy.
public struct ClassAccuracy: Sendable, Codable, Equatable {
    /// The class name.
    public let name: String
    /// How many evaluated images belong to it.
    public let images: Int
    /// Its top-1 accuracy, nil when it has no evaluated images.
    public let top1: Double?
}

/// One image's zero-shot result, for the report's example rows.
public struct ZeroShotExample: Sendable, Codable, Equatable {
    /// The image file.
    public let image: String
    /// Its true class.
    public let truth: String
    /// The three best classes, best first.
    public let predicted: [String]
}

/// Zero-shot classification results.
public struct ZeroShotResult: Sendable, Codable, Equatable {
    /// How many classes competed.
    public let classes: Int
    /// The top-1 accuracy.
    public let top1: Double
    /// The top-5 accuracy (1 when there are five classes or fewer).
    public let top5: Double
    /// Accuracy per class, in class order.
    public let perClass: [ClassAccuracy]
    /// `confusion[truth][predicted]` counts, in class order.
    public let confusion: [[Int]]
    /// A few images with their predictions.
    public let examples: [ZeroShotExample]
}

/// Recall at 1, 5 and 10.
public struct RecallAtK: Sendable, Codable, Equatable {
    /// Recall@1.
    public let r1: Double
    /// Recall@5.
    public let r5: Double
    /// Recall@10.
    public let r10: Double
}

/// One image query's retrieved texts, for the report's example rows.
public struct RetrievalExample: Sendable, Codable, Equatable {
    /// The image file.
    public let image: String
    /// Its captions.
    public let captions: [String]
    /// The three best texts, best first.
    public let retrieved: [String]
}

/// Image–text retrieval results.
public struct RetrievalResult: Sendable, Codable, Equatable {
    /// Images evaluated (queries for image→text).
    public let images: Int
    /// Distinct texts (queries for text→image).
    public let texts: Int
    /// Image→text: an image is a hit when any of its captions is within the top k.
    public let imageToText: RecallAtK
    /// Text→image: a text is a hit when any image it describes is within the top k.
    public let textToImage: RecallAtK
    /// A few image queries with what they retrieved.
    public let examples: [RetrievalExample]
}

/// Everything measured for one model on one dataset.
public struct ModelResult: Sendable, Codable, Equatable {
    /// The checkpoint directory.
    public let model: String
    /// Its config's `model_type`, when it has one.
    public let modelType: String?
    /// The width of one combined image embedding.
    public let embeddingSize: Int
    /// The image scales, e.g. "native" or "224+384 (mean)".
    public let scales: String
    /// Images embedded successfully (the metrics count only these).
    public let imagesEvaluated: Int
    /// Images that could not be embedded, with the reason (skipped, not fatal).
    public let unreadable: [UnreadableFile]
    /// Zero-shot classification, for a class-folder dataset (and, over the distinct captions, a pair dataset).
    public let zeroShot: ZeroShotResult?
    /// Retrieval, for a pair dataset.
    public let retrieval: RetrievalResult?
    /// Wall-clock seconds spent embedding and scoring.
    public let seconds: Double
}

/// A model that could not be evaluated (it did not load, or none of its images could be embedded), and why.
public struct ModelFailure: Sendable, Codable, Equatable {
    /// The checkpoint directory as given.
    public let model: String
    /// The reason.
    public let error: String

    /// A failure.
    public init(model: String, error: String) { (self.model, self.error) = (model, error) }
}

/// The dataset an evaluation ran on.
public struct DatasetSummary: Sendable, Codable, Equatable {
    /// "classes" (folder per class) or "pairs" (JSON Lines).
    public let kind: String
    /// The folder or file.
    public let path: String
    /// Image files found.
    public let images: Int
    /// Classes (folder datasets) or distinct captions (pair datasets).
    public let classes: Int
    /// Distinct texts (pair datasets; 0 otherwise).
    public let texts: Int

    /// A summary.
    public init(kind: String, path: String, images: Int, classes: Int, texts: Int) {
        (self.kind, self.path, self.images, self.classes, self.texts) = (kind, path, images, classes, texts)
    }
}

/// A whole evaluation: the dataset, the settings and every model's results.
public struct EvaluationReport: Sendable, Codable, Equatable {
    /// The `siglip` version that wrote it.
    public let version: String
    /// The dataset.
    public let dataset: DatasetSummary
    /// The prompt templates (folder datasets).
    public let templates: PromptTemplates?
    /// The image scales and how they were combined.
    public let scales: ImageScales
    /// One result per model evaluated, in the order given.
    public let models: [ModelResult]
    /// The models that could not be evaluated, in the order given (the others still are).
    public let failures: [ModelFailure]

    /// A report.
    public init(version: String, dataset: DatasetSummary, templates: PromptTemplates?, scales: ImageScales, models: [ModelResult],
                failures: [ModelFailure] = []) {
        (self.version, self.dataset, self.templates, self.scales, self.models) = (version, dataset, templates, scales, models)
        self.failures = failures
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
