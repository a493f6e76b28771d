import ArgumentParser
import Foundation
import SigLIP
import SigLIPIndex
import SigLIPPostgres

/// `siglip index …` and `siglip search` with `--store postgres://…`: the same commands against PostgreSQL +
/// pgvector (see docs/POSTGRES.md), for any model family. Kept apart so the embedded commands read as before.
enum PostgresStore {
    /// `index add` into PostgreSQL. `--ann` and `--vector-precision` do not apply: the server keeps an HNSW
    /// index of float32 vectors.
    static func addImages(_ url: String, paths: [String], options: ModelOptions, naflex: NaFlexOptions, batchSize: Int) throws {
        let model = try options.loadAny(naflex)
        let index = try PostgresIndex(url: url, creatingFor: model)
        var bar: ProgressBar?
        let report = index.addImages(paths.map { URL(fileURLWithPath: $0) }, using: model, batchSize: batchSize) { done, total in
            if bar == nil { bar = ProgressBar("indexing", total: total) }
            bar?.update(done)
        }
        try finish(report)
    }

    /// `index add-texts` into PostgreSQL.
    static func addTexts(_ url: String, texts: [String], options: ModelOptions) throws {
        let model = try options.loadAny()
        try finish(try PostgresIndex(url: url, creatingFor: model).addTexts(texts, using: model))
    }

    /// `index remove` from PostgreSQL.
    static func remove(_ url: String, paths: [String]) throws {
        print("removed \(try PostgresIndex(url: url).remove(paths: paths)) item(s)")
    }

    /// `index info` of a PostgreSQL index.
    static func info(_ url: String) throws {
        let index = try PostgresIndex(url: url)
        let info = try index.info()
        print("""
            store:     PostgreSQL at \(index.location) (pgvector HNSW)
            model:     \(info.modelID) (\(info.modelPath))
            weights:   \(index.weightsHash.map { "sha256 \($0)" } ?? "not recorded")
            dimension: \(info.dimension) (\(info.precision))
            images:    \(info.images)
            texts:     \(info.texts)
            size:      \(ByteCountFormatter.string(fromByteCount: Int64(info.bytes), countStyle: .file))
            """)
    }

    /// `search` against PostgreSQL: the model recorded with the index unless another is given (a directory or
    /// `org/name`, resolved through the hub cache as for the embedded index).
    static func search(_ url: String, model: String?, naflex: NaFlexOptions, text: String?, image: String?, k: Int, kind: ItemKind,
                       pathPrefix: String?, exact: Bool, effort: Int?) throws -> [SearchResult] {
        let stored = try PostgresIndex(url: url)
        let loaded = try naflex.load(model.map { try modelDirectory($0) } ?? URL(fileURLWithPath: stored.modelPath), named: model ?? stored.modelPath)
        let index = try PostgresIndex(url: url, creatingFor: loaded)
        if let text { return try index.search(text: text, using: loaded, k: k, kind: kind, pathPrefix: pathPrefix, exact: exact, effort: effort) }
        return try index.search(image: URL(fileURLWithPath: image ?? ""), using: loaded, k: k, kind: kind, pathPrefix: pathPrefix,
                                exact: exact, effort: effort)
    }

    /// The add summary line; failures listed after it make the exit status 1.
    private static func finish(_ report: AddReport) throws {
        print("added \(report.added), updated \(report.updated), renamed \(report.renamed), removed \(report.removed), "
            + "already indexed \(report.alreadyIndexed), failed \(report.failures.count)")
        for failure in report.failures { printError("\(failure.path): \(failure.reason)") }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
