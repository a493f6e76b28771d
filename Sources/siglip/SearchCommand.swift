import ArgumentParser
import Foundation
import SigLIP
import SigLIPIndex
import SigLIPPostgres
import Tensor

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index by text or by example image.",
        discussion: """
        Prints ranked results with cosine scores and the model's match probability (SigLIP: a sigmoid per result; \
        CLIP: a softmax over the results shown); with --json, one object per result, best first: \
        {"rank": 1, "path": PATH, "kind": "image", "score": cos, "probability": p}.
        """
    )

    @Option(name: .long, help: "The index directory.") var index: String?
    @Option(name: .long, help: "A PostgreSQL + pgvector database instead: postgres://user@/db?host=/socket/dir (docs/POSTGRES.md).") var store: String?
    @Option(name: .long, help: "A text query (searches images).") var text: String?
    @Option(name: .long, help: "An example image (searches images; --kind text for image → text).") var image: String?
    @Option(name: .short, help: "How many results.") var k = 10
    @Option(name: .long, help: "Only items of this kind: image or text.") var kind: String?
    @Option(name: .customLong("path-prefix"), help: "Only items whose path (or text) starts with this.") var pathPrefix: String?
    @Flag(name: .long, help: "JSON Lines output.") var json = false
    @Flag(name: .long, help: "Score every stored vector even when the index keeps an approximate structure.") var exact = false
    @Option(name: .long, help: "Approximate search effort: IVF lists probed (nprobe) or HNSW efSearch (default: 1/256 of the lists, at least 8; efSearch 64).")
    var effort: Int?
    @Option(name: .long, help: "Also write a gallery page with thumbnails and scores to this HTML file.") var html: String?
    @Option(name: .long, help: ArgumentHelp(modelHelp + " Default: the one the index was built with.")) var model: String?
    @Option(name: .long, help: "Kernel threads.") var threads: Int?
    @OptionGroup var naflex: NaFlexOptions

    func validate() throws {
        guard (text == nil) != (image == nil) else { throw ValidationError("give exactly one of --text and --image") }
        guard (index == nil) != (store == nil) else { throw ValidationError("give one of --index DIR and --store postgres://…") }
        if let store, !PostgresLocation.isURL(store) { throw ValidationError("--store takes a postgres:// URL, not '\(store)'") }
        try require(k, in: Limits.results, "-k")
        try require(effort, in: 1...1_000_000, "--effort")
        try require(threads, in: Limits.threads, "--threads")
        if let kind, ItemKind(rawValue: kind) == nil { throw ValidationError("--kind is image or text") }
    }

    func run() throws {
        if let threads { Compute.threads = threads }
        let filter = kind.flatMap(ItemKind.init(rawValue:)) ?? .image
        let results: [SearchResult]
        if let store {
            results = try PostgresStore.search(store, model: model, naflex: naflex, text: text, image: image, k: k, kind: filter, pathPrefix: pathPrefix,
                                               exact: exact, effort: effort)
        } else {
            let directory = URL(fileURLWithPath: index ?? "")
            let stored = try SiglipIndex(directory: directory)
            let loaded = try naflex.load(model.map { try modelDirectory($0) } ?? URL(fileURLWithPath: stored.modelPath), named: model ?? stored.modelPath)
            let opened = try SiglipIndex(directory: directory, creatingFor: loaded)
            results = try text.map { try opened.search(text: $0, using: loaded, k: k, kind: filter, pathPrefix: pathPrefix, exact: exact, effort: effort) }
                ?? opened.search(image: URL(fileURLWithPath: image ?? ""), using: loaded, k: k, kind: filter, pathPrefix: pathPrefix,
                                 exact: exact, effort: effort)
            for warning in opened.warnings { printError("warning: \(warning)") }
        }
        if let html {
            let title = text.map { "“\($0)”" } ?? "images like \(URL(fileURLWithPath: image ?? "").lastPathComponent)"
            try Gallery.html(title: title, results: results).write(toFile: html, atomically: true, encoding: .utf8)
        }
        for r in results {
            if json {
                JSONLines.emit(JSONLines.object(["rank": "\(r.rank)", "path": JSONLines.string(r.item.path), "kind": JSONLines.string(r.item.kind.rawValue),
                                                 "score": JSONLines.number(r.score), "probability": JSONLines.number(r.probability)]))
            } else {
                print(String(format: "%3d  %.4f  p=%.4f  ", r.rank, r.score, r.probability) + r.item.path)
            }
        }
    }
}
