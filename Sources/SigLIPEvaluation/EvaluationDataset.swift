import Foundation
import SigLIPTraining

/// Labelled images for zero-shot classification: one folder per class, the class name being the folder name
/// with underscores read as spaces.
public struct ClassificationDataset: Sendable {
    /// The class names, in folder-name order.
    public let classes: [String]
    /// Every image file.
    public let images: [URL]
    /// For each image, the index of its class in `classes`.
    public let labels: [Int]

    /// A dataset from explicit lists.
    public init(classes: [String], images: [URL], labels: [Int]) {
        precondition(images.count == labels.count, "one label per image")
        self.classes = classes
        self.images = images
        self.labels = labels
    }

    /// Reads `root/<class>/<image>` (the layout `siglip train --classes` reads); hidden files are skipped.
    public init(classFolders root: URL) throws {
        // TrainingData's reader already defines the layout and its order; the caption is the bare class name.
        let examples = try TrainingData.classFolders(at: root, template: "{}")
        var classes: [String] = [], index: [String: Int] = [:]
        for e in examples where index[e.caption] == nil {
            index[e.caption] = classes.count
            classes.append(e.caption)
        }
        self.init(classes: classes, images: examples.map(\.image), labels: examples.compactMap { index[$0.caption] })
    }
}

/// Image–text pairs for retrieval: JSON Lines of `{"image": PATH, "text": CAPTION}` (the training format). The
/// same image on several lines has several captions; identical caption strings are one text, relevant to every
/// image it describes.
public struct PairDataset: Sendable {
    /// The distinct images, in first-seen order.
    public let images: [URL]
    /// The distinct captions, in first-seen order.
    public let texts: [String]
    /// For each image, the indices of its captions in `texts`.
    public let captionsOfImage: [Set<Int>]

    /// A dataset from explicit lists.
    public init(images: [URL], texts: [String], captionsOfImage: [Set<Int>]) {
        precondition(images.count == captionsOfImage.count, "one caption set per image")
        self.images = images
        self.texts = texts
        self.captionsOfImage = captionsOfImage
    }

    /// Reads a JSON Lines file with `TrainingData.jsonLines` (paths relative to the file's folder).
    public init(jsonLines url: URL) throws {
        let examples = try TrainingData.jsonLines(at: url)
        guard !examples.isEmpty else { throw EvaluationError("\(url.path): no image-text pairs") }
        var images: [URL] = [], imageIndex: [URL: Int] = [:], texts: [String] = [], textIndex: [String: Int] = [:]
        var captions: [Set<Int>] = []
        for e in examples {
            let i = imageIndex[e.image] ?? images.count
            if i == images.count { imageIndex[e.image] = i; images.append(e.image); captions.append([]) }
            let t = textIndex[e.caption] ?? texts.count
            if t == texts.count { textIndex[e.caption] = t; texts.append(e.caption) }
            captions[i].insert(t)
        }
        self.init(images: images, texts: texts, captionsOfImage: captions)
    }

    /// For each text, the indices of the images it describes.
    public var imagesOfText: [Set<Int>] {
        var result = [Set<Int>](repeating: [], count: texts.count)
        for (i, set) in captionsOfImage.enumerated() { for t in set { result[t].insert(i) } }
        return result
    }

    /// The same images as a classification dataset whose classes are the distinct captions (the zero-shot view
    /// of a captioned test set such as `siglip datasets shapes`); images with several captions take their first.
    public var asClassification: ClassificationDataset {
        ClassificationDataset(classes: texts, images: images, labels: captionsOfImage.map { $0.min() ?? 0 })
    }
}
