import ArgumentParser
import Foundation
import SigLIP
import SigLIPIndex
import SigLIPPostgres
import Tensor

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build and maintain a persistent image–text index (one directory, SQLite inside).",
        subcommands: [AddImages.self, AddTexts.self, Remove.self, Info.self, Verify.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .long, help: "The index directory.") var index: String?
        @Option(name: .long, help: "A PostgreSQL + pgvector database instead of a directory: postgres://user@/db?host=/socket/dir (docs/POSTGRES.md).")
        var store: String?
        var url: URL { URL(fileURLWithPath: index ?? "") }

        func validate() throws {
            guard (index == nil) != (store == nil) else { throw ValidationError("give one of --index DIR and --store postgres://…") }
            if let store, !PostgresLocation.isURL(store) { throw ValidationError("--store takes a postgres:// URL, not '\(store)'") }
        }
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
            abstract: "Add image files and folders (recursive, following links), or bring the index in step with them.",
            discussion: """
            Adding a folder again updates the index: new files are embedded, edited files re-embedded, renamed files \
            keep their embedding under the new path, and rows of files no longer in the folder are removed. Files \
            whose size and mtime are unchanged are not read; a file whose bytes are already indexed is skipped. \
            Each batch is committed in one transaction: an interrupted run loses at most the batch in flight, and \
            running it again adds the rest.
            """
        )
        @OptionGroup var location: Location
        @OptionGroup var options: ModelOptions
        @OptionGroup var naflex: NaFlexOptions
        @OptionGroup var storage: Storage
        @Option(name: .customLong("batch-size"), help: "Images per model call and per transaction.") var batchSize = 16
        @Option(name: .long, help: "Also keep an approximate FAISS index: a factory string (e.g. IVF4096,Flat, IVF4096,SQ8, HNSW32), 'auto' (exact below 100,000 items, then IVF with ~4·√N lists), or 'none'.") var ann: String?
        @Argument(help: "Image files and folders.") var paths: [String]

        func validate() throws { try require(batchSize, in: Limits.batchSize, "--batch-size") }

        func run() throws {
            if let store = location.store {
                guard ann == nil, storage.precision == nil else {
                    throw ValidationError("--ann and --vector-precision are for the embedded index; PostgreSQL keeps an HNSW index of float32 vectors")
                }
                return try PostgresStore.addImages(store, paths: paths, options: options, naflex: naflex, batchSize: batchSize)
            }
            let model = try options.loadAny(naflex)
            let index = try SiglipIndex(directory: location.url, creatingFor: model, precision: try storage.chosen())
            // An IVF type needs vectors to train: one the index cannot train yet is set after adding, if then it can.
            let requested = ann.map { $0 == "none" ? nil : $0 }
            var deferred = false
            if let requested {
                if let factory = requested, let needed = SiglipIndex.vectorsNeeded(for: factory), try index.info().count < needed {
                    deferred = true
                } else {
                    try index.setApproximateType(requested)
                }
            }
            var bar: ProgressBar?
            let report = index.addImages(paths.map { URL(fileURLWithPath: $0) }, using: model, batchSize: batchSize) { done, total in
                if bar == nil { bar = ProgressBar("indexing", total: total) }
                bar?.update(done)
            }
            var failures: [(path: String, reason: String)] = []
            if deferred, let requested {
                do { try index.setApproximateType(requested) } catch { failures.append(("--ann", "\(error)")) }
            }
            try finish(report, index, more: failures)
        }
    }

    struct AddTexts: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-texts", abstract: "Add texts, one per line of each file, for image → text search.")
        @OptionGroup var location: Location
        @OptionGroup var options: ModelOptions
        @OptionGroup var storage: Storage
        @Argument(help: "UTF-8 text files, one text per line.") var files: [String]

        func run() throws {
            var texts: [String] = []
            for file in files {
                guard let content = try? String(contentsOf: URL(fileURLWithPath: file), encoding: .utf8) else {
                    throw ValidationError("\(file): cannot read as UTF-8 text")
                }
                texts += content.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            }
            if let store = location.store { return try PostgresStore.addTexts(store, texts: texts, options: options) }
            let model = try options.loadAny()
            let index = try SiglipIndex(directory: location.url, creatingFor: model, precision: try storage.chosen())
            try finish(index.addTexts(texts, using: model), index)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove items by path (or by text, for texts), quarantined ones too.")
        @OptionGroup var location: Location
        @Argument(help: "Paths as they were added.") var paths: [String]

        func run() throws {
            let absolute = paths.map { FileManager.default.fileExists(atPath: $0) ? URL(fileURLWithPath: $0).standardizedFileURL.path : $0 }
            if let store = location.store { return try PostgresStore.remove(store, paths: absolute) }
            let index = try SiglipIndex(directory: location.url)
            print("removed \(try index.remove(paths: absolute)) item(s)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "The model, dimension, counts and size of an index.")
        @OptionGroup var location: Location

        func run() throws {
            if let store = location.store { return try PostgresStore.info(store) }
            let index = try SiglipIndex(directory: location.url)
            let info = try index.info()
            print("""
                approximate: \(index.approximateType ?? "none (exact search)")
                model:     \(info.modelID) (\(info.modelPath))
                weights:   \(index.weightsHash.map { "sha256 \($0)" } ?? "not recorded")
                dimension: \(info.dimension) (\(info.precision))
                images:    \(info.images)
                texts:     \(info.texts)
                quarantined: \(try index.quarantined().count)
                size:      \(ByteCountFormatter.string(fromByteCount: Int64(info.bytes), countStyle: .file))
                """)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the index: SQLite's integrity, unreadable rows, and indexed files missing, changed or renamed.",
            discussion: "Lists each problem on standard error and exits 1 if there is any; `siglip index add` of the folder fixes stale files."
        )
        @OptionGroup var location: Location

        func run() throws {
            if location.store != nil { throw ValidationError("verify checks the embedded index; PostgreSQL checks its own tables") }
            let problems = try SiglipIndex(directory: location.url).verify()
            if problems.isEmpty { print("ok") } else {
                problems.forEach { printError($0) }
                throw ExitCode(1)
            }
        }
    }
}

/// Prints an add report and the index's warnings; failures (the report's and `more`) are listed at the end and
/// make the exit status 1.
private func finish(_ report: AddReport, _ index: SiglipIndex, more: [(path: String, reason: String)] = []) throws {
    try index.checkpoint()
    let failures = report.failures + more
    print("added \(report.added), updated \(report.updated), renamed \(report.renamed), removed \(report.removed), "
        + "already indexed \(report.alreadyIndexed), failed \(failures.count)")
    for warning in index.warnings { printError("warning: \(warning)") }
    for failure in failures { printError("\(failure.path): \(failure.reason)") }
    if !failures.isEmpty { throw ExitCode(1) }
}
