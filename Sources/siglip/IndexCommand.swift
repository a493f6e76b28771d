import ArgumentParser
import Foundation
import SigLIP
import SigLIPIndex
import Tensor

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build and maintain a persistent image–text index (one directory, SQLite inside).",
        subcommands: [AddImages.self, AddTexts.self, Remove.self, Info.self, Verify.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .long, help: "The index directory.") var index: String
        var url: URL { URL(fileURLWithPath: index) }
    }

    struct Storage: ParsableArguments {
        // Not --precision: that names the model's arithmetic (ModelOptions), which is independent of storage.
        @Option(name: .customLong("vector-precision"), help: "How a new index stores vectors: fp32, fp16 (half the size) or int8 (a quarter); an existing index refuses another.")
        var precision: String?
        func chosen() throws -> VectorPrecision? {
            guard let precision else { return nil }
            guard let chosen = VectorPrecision(name: precision) else { throw ValidationError("--vector-precision must be fp32, fp16 or int8, not '\(precision)'") }
            return chosen
        }
    }

    struct AddImages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add image files and folders (recursive); files already indexed (same bytes) are skipped.",
            discussion: "Each batch is committed in one transaction: an interrupted run loses at most the batch in flight, and running it again adds the rest."
        )
        @OptionGroup var location: Location
        @OptionGroup var options: ModelOptions
        @OptionGroup var storage: Storage
        @Option(name: .customLong("batch-size"), help: "Images per model call and per transaction.") var batchSize = 16
        @Option(name: .long, help: "Also keep an approximate FAISS index: a factory string (e.g. IVF4096,Flat, IVF4096,SQ8, HNSW32), 'auto' (exact below 100,000 items, then IVF with ~4·√N lists), or 'none'.") var ann: String?
        @Argument(help: "Image files and folders.") var paths: [String]

        func run() throws {
            let pipeline = try options.load()
            let index = try SiglipIndex(directory: location.url, creatingFor: pipeline, precision: try storage.chosen())
            if let ann { try index.setApproximateType(ann == "none" ? nil : ann) }
            var bar: ProgressBar?
            let report = index.addImages(paths.map { URL(fileURLWithPath: $0) }, using: pipeline, batchSize: batchSize) { done, total in
                if bar == nil { bar = ProgressBar("indexing", total: total) }
                bar?.update(done)
            }
            try finish(report, index)
        }
    }

    struct AddTexts: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-texts", abstract: "Add texts, one per line of each file, for image → text search.")
        @OptionGroup var location: Location
        @OptionGroup var options: ModelOptions
        @OptionGroup var storage: Storage
        @Argument(help: "UTF-8 text files, one text per line.") var files: [String]

        func run() throws {
            let pipeline = try options.load()
            let index = try SiglipIndex(directory: location.url, creatingFor: pipeline, precision: try storage.chosen())
            var texts: [String] = []
            for file in files {
                guard let content = try? String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8) else {
                    throw ValidationError("\(file): cannot read as UTF-8 text")
                }
                texts += content.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            }
            try finish(index.addTexts(texts, using: pipeline), index)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove items by path (or by text, for texts).")
        @OptionGroup var location: Location
        @Argument(help: "Paths as they were added.") var paths: [String]

        func run() throws {
            let index = try SiglipIndex(directory: location.url)
            let absolute = paths.map { FileManager.default.fileExists(atPath: $0) ? URL(fileURLWithPath: $0).standardizedFileURL.path : $0 }
            print("removed \(try index.remove(paths: absolute)) item(s)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "The model, dimension, counts and size of an index.")
        @OptionGroup var location: Location

        func run() throws {
            let info = try SiglipIndex(directory: location.url).info()
            let index = try SiglipIndex(directory: location.url)
            print("""
                approximate: \(index.approximateType ?? "none (exact search)")
                model:     \(info.modelID) (\(info.modelPath))
                dimension: \(info.dimension) (\(info.precision))
                images:    \(info.images)
                texts:     \(info.texts)
                size:      \(ByteCountFormatter.string(fromByteCount: Int64(info.bytes), countStyle: .file))
                """)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the index's consistency.")
        @OptionGroup var location: Location

        func run() throws {
            let problems = try SiglipIndex(directory: location.url).verify()
            if problems.isEmpty { print("ok") } else {
                problems.forEach { printError($0) }
                throw ExitCode(1)
            }
        }
    }
}

/// Prints an add report; failures are listed at the end and make the exit status 1.
private func finish(_ report: AddReport, _ index: SiglipIndex) throws {
    try index.checkpoint()
    print("added \(report.added), already indexed \(report.alreadyIndexed), failed \(report.failures.count)")
    for failure in report.failures { printError("\(failure.path): \(failure.reason)") }
    if !report.failures.isEmpty { throw ExitCode(1) }
}
