import Foundation
import SigLIP

/// Runs one model over a dataset and computes its metrics. Only `ImageTextModel` is used, so every model family
/// is evaluated the same way.
public struct Evaluator: Sendable {
    /// The image scales and their combination.
    public var scales: ImageScales
    /// The prompt templates for class names.
    public var templates: PromptTemplates
    /// Inputs per model call.
    public var batchSize: Int
    /// How many example rows the results keep.
    public var exampleCount: Int

    /// An evaluator.
    public init(scales: ImageScales = ImageScales(), templates: PromptTemplates = .photo, batchSize: Int = 32, exampleCount: Int = 8) {
        self.scales = scales
        self.templates = templates
        self.batchSize = batchSize
        self.exampleCount = exampleCount
    }

    /// Zero-shot classification of a class-folder dataset. `progress(done, total)` follows the image embedding.
    public func evaluate(_ model: any ImageTextModel, classes dataset: ClassificationDataset,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> ModelResult {
        let start = Date()
        let images = try embedImages(model, dataset.images, progress: progress)
        let classEmbeddings = try classEmbeddings(model, classes: dataset.classes, templates: templates)
        let zeroShot = zeroShotResult(images: images, dataset: dataset, classEmbeddings: classEmbeddings)
        return result(model, images: images, zeroShot: zeroShot, retrieval: nil, since: start)
    }

    /// Retrieval over an image–text pair dataset, plus zero-shot classification over its distinct captions (used
    /// as they are, without templates).
    public func evaluate(_ model: any ImageTextModel, pairs dataset: PairDataset,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> ModelResult {
        let start = Date()
        let images = try embedImages(model, dataset.images, progress: progress)
        let bare = try PromptTemplates(name: "bare", templates: ["{}"])
        let texts = try classEmbeddings(model, classes: dataset.texts, templates: bare)
        let zeroShot = zeroShotResult(images: images, dataset: dataset.asClassification, classEmbeddings: texts)
        let kept = images.kept
        let scores = Vectors.similarities(kept.map(\.1), texts)
        let captions = kept.map { dataset.captionsOfImage[$0.0] }
        // Text→image relevance in the kept images' numbering.
        var imagesOfText = [Set<Int>](repeating: [], count: dataset.texts.count)
        for (row, set) in captions.enumerated() { for t in set { imagesOfText[t].insert(row) } }
        let transposed = Vectors.transposed(scores)
        func recall(_ s: [[Float]], _ rel: [Set<Int>]) -> RecallAtK {
            RecallAtK(r1: Metrics.recallAtK(scores: s, relevant: rel, k: 1), r5: Metrics.recallAtK(scores: s, relevant: rel, k: 5),
                      r10: Metrics.recallAtK(scores: s, relevant: rel, k: 10))
        }
        let examples = exampleRows(kept.count).map { row in
            RetrievalExample(image: dataset.images[kept[row].0].path, captions: captions[row].sorted().map { dataset.texts[$0] },
                             retrieved: Metrics.topK(scores[row], k: 3).map { dataset.texts[$0] })
        }
        let retrieval = RetrievalResult(images: kept.count, texts: dataset.texts.count, imageToText: recall(scores, captions),
                                        textToImage: transposed.isEmpty ? RecallAtK(r1: 0, r5: 0, r10: 0) : recall(transposed, imagesOfText),
                                        examples: examples)
        return result(model, images: images, zeroShot: zeroShot, retrieval: retrieval, since: start)
    }

    /// Class embeddings: each class's prompts embedded, normalised, averaged and renormalised, widened to
    /// match the image embeddings' scale combination. A text the model cannot embed is an error naming it.
    public func classEmbeddings(_ model: any ImageTextModel, classes: [String], templates: PromptTemplates) throws -> [[Float]] {
        let prompts = classes.flatMap { templates.prompts(for: $0) }
        let results = model.textEmbeddings(for: prompts, batchSize: batchSize, normalized: true)
        var rows: [[Float]] = []
        for (prompt, result) in zip(prompts, results) {
            do { rows.append(try result.get()) } catch {
                throw EvaluationError("text \"\(prompt)\": \(EvaluationError.describe(error))")
            }
        }
        let n = templates.templates.count
        return classes.indices.map { c in scales.matchingText(Vectors.ensemble(Array(rows[c * n..<(c + 1) * n]))) }
    }

    /// Embedded images: the kept ones with their dataset index, and the unreadable ones.
    struct EmbeddedImages {
        var kept: [(Int, [Float])] = []
        var unreadable: [UnreadableFile] = []
    }

    private func embedImages(_ model: any ImageTextModel, _ urls: [URL], progress: (Int, Int) -> Void) throws -> EmbeddedImages {
        let total = urls.count * scales.count
        let results = scales.imageEmbeddings(model: model, urls: urls, batchSize: batchSize) { progress($0, total) }
        var embedded = EmbeddedImages()
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let row): embedded.kept.append((i, row))
            case .failure(let error): embedded.unreadable.append(UnreadableFile(path: urls[i].path, error: EvaluationError.describe(error)))
            }
        }
        if embedded.kept.isEmpty, let first = embedded.unreadable.first {
            throw EvaluationError("\(model.directory.path): no image could be embedded (\(first.path): \(first.error))")
        }
        return embedded
    }

    private func zeroShotResult(images: EmbeddedImages, dataset: ClassificationDataset, classEmbeddings: [[Float]]) -> ZeroShotResult {
        let scores = Vectors.similarities(images.kept.map(\.1), classEmbeddings)
        let labels = images.kept.map { dataset.labels[$0.0] }
        let predicted = scores.map(Metrics.argmax)
        let confusion = Metrics.confusion(predicted: predicted, labels: labels, classes: dataset.classes.count)
        let perClass = zip(dataset.classes, zip(confusion, Metrics.perClassAccuracy(confusion: confusion))).map {
            ClassAccuracy(name: $0, images: $1.0.reduce(0, +), top1: $1.1)
        }
        let examples = exampleRows(images.kept.count).map { row in
            ZeroShotExample(image: dataset.images[images.kept[row].0].path, truth: dataset.classes[labels[row]],
                            predicted: Metrics.topK(scores[row], k: 3).map { dataset.classes[$0] })
        }
        return ZeroShotResult(classes: dataset.classes.count, top1: Metrics.topKAccuracy(scores: scores, labels: labels, k: 1),
                              top5: Metrics.topKAccuracy(scores: scores, labels: labels, k: 5), perClass: perClass,
                              confusion: confusion, examples: examples)
    }

    /// Evenly spread rows, so the examples cover several classes of a folder-ordered dataset.
    private func exampleRows(_ count: Int) -> [Int] {
        let n = min(exampleCount, count)
        return n > 0 ? (0..<n).map { $0 * count / n } : []
    }

    private func result(_ model: any ImageTextModel, images: EmbeddedImages, zeroShot: ZeroShotResult?, retrieval: RetrievalResult?,
                        since start: Date) -> ModelResult {
        ModelResult(model: model.directory.path, modelType: (try? modelType(ofCheckpoint: model.directory)) ?? nil,
                    embeddingSize: images.kept.first?.1.count ?? 0, scales: scales.label, imagesEvaluated: images.kept.count,
                    unreadable: images.unreadable, zeroShot: zeroShot, retrieval: retrieval, seconds: Date().timeIntervalSince(start))
    }
}
