import Foundation
import SigLIP

/// What an `add` did.
public struct AddReport: Sendable {
    /// Items stored.
    public var added = 0
    /// Inputs whose content was already indexed.
    public var alreadyIndexed = 0
    /// Edited files embedded again (their old rows replaced).
    public var updated = 0
    /// Renamed files whose rows now carry their new path.
    public var renamed = 0
    /// Rows removed because their files are gone from the folders added.
    public var removed = 0
    /// Inputs that could not be read or embedded, with the reason.
    public var failures: [(path: String, reason: String)] = []

    /// Nothing done yet.
    public init() {}
}

extension SiglipIndex {
    /// Brings the index in step with the images under `paths`, `batchSize` at a time, each batch in one
    /// transaction (a killed run loses at most the batch in flight):
    /// - new files are embedded and stored;
    /// - a file whose size and mtime are those recorded is skipped unread; one whose bytes are already indexed
    ///   is skipped (a copy of another file is stored once);
    /// - an edited file (other bytes under the same path) is embedded again and its old row goes;
    /// - a renamed file (its bytes stored under a path that is gone) takes over that row, unembedded;
    /// - in each folder given, rows of files that are no longer there are removed.
    /// Embeddings with NaN or infinite values are never stored: their files are reported as failures.
    public func addImages(_ paths: [URL], using model: any ImageTextModel, batchSize: Int = 16,
                          progress: (Int, Int) -> Void = { _, _ in }) -> AddReport {
        addImages(paths, batchSize: batchSize, embed: { model.imageEmbeddings(for: $0, batchSize: batchSize, side: nil, normalized: true) },
                  progress: progress)
    }

    /// `addImages(_:using:)` with the embedding step given (tests put broken embeddings in).
    func addImages(_ paths: [URL], batchSize: Int, embed: ([URL]) -> [Result<[Float], Error>],
                   progress: (Int, Int) -> Void = { _, _ in }) -> AddReport {
        defer { invalidate() }
        return store.addImages(paths, batchSize: batchSize, embed: embed, progress: progress)
    }

    /// The embedding, or an error when it holds NaN or infinite values (a broken model or input): such a vector
    /// would poison every search that scores it.
    static func checked(_ embedding: [Float]) -> Result<[Float], Error> {
        embedding.allSatisfy(\.isFinite) ? .success(embedding)
            : .failure(IndexError("the embedding has NaN or infinite values (is the model broken?); not stored"))
    }

    /// Embeds and stores texts (each is its own "path"); texts already indexed are skipped.
    public func addTexts(_ texts: [String], using model: any ImageTextModel, batchSize: Int = 64) -> AddReport {
        defer { invalidate() }
        return store.addTexts(texts, batchSize: batchSize) { model.textEmbeddings(for: $0, batchSize: batchSize, normalized: true) }
    }
}

extension ItemRows {
    /// `SiglipIndex.addImages(_:using:)` on these rows, with the embedding step given: what both stores do.
    public func addImages(_ paths: [URL], batchSize: Int, embed: ([URL]) -> [Result<[Float], Error>],
                          progress: (Int, Int) -> Void = { _, _ in }) -> AddReport {
        var report = AddReport()
        let (files, missing) = SiglipIndex.imageFiles(under: paths)
        report.failures = missing
        var done = 0
        for start in stride(from: 0, to: files.count, by: max(batchSize, 1)) {
            let batch = Array(files[start..<min(start + max(batchSize, 1), files.count)])
            var plan = AddPlan()
            for url in batch {
                do { try self.plan(url, into: &plan, report: &report) } catch {
                    report.failures.append((url.path, "cannot read: \(error)"))
                }
            }
            for (file, result) in zip(plan.embed, embed(plan.embed.map(\.url))) {
                switch result.flatMap({ SiglipIndex.checked($0) }) {
                case .success(let embedding):
                    plan.change.insert.append(NewItem(kind: .image, path: file.url.path, contentHash: file.hash, size: file.stamp.size,
                                                      modified: file.stamp.modified, embedding: embedding))
                case .failure(let error):
                    report.failures.append((file.url.path, "\(error)"))
                }
            }
            do {
                let inserted = try commit(plan.change)
                let replaced = Set(plan.embed.filter(\.replacing).map(\.url.path))
                report.updated += inserted.intersection(replaced).count
                report.added += inserted.subtracting(replaced).count
                report.renamed += plan.renamed
            } catch {
                report.failures += batch.map { ($0.path, "\(error)") }
            }
            done += batch.count
            progress(done, files.count)
        }
        for folder in paths {
            var info = stat()
            guard stat(folder.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            do {
                let gone = try self.files(under: folder.standardizedFileURL.path).filter { FileStamp(path: $0.path) == nil }
                if !gone.isEmpty { _ = try commit(BatchChange(remove: gone.map(\.id))) }
                report.removed += gone.count
            } catch {
                report.failures.append((folder.path, "cannot remove the rows of files no longer there: \(error)"))
            }
        }
        return report
    }

    /// Decides what the file at `url` needs (see `addImages`).
    private func plan(_ url: URL, into plan: inout AddPlan, report: inout AddReport) throws {
        let path = url.path
        guard let seen = FileStamp(path: path) else { throw IndexError("\(path): no such file") }
        let stored = try files(path: path).filter { !plan.claimed.contains($0.id) }
        if stored.count == 1, seen.matches(stored[0]) {
            report.alreadyIndexed += 1
            return
        }
        let data = try Data(contentsOf: url)
        let hash = SiglipIndex.contentHash(data), stamp = FileStamp(size: Int64(data.count), modified: seen.modified)
        if let same = stored.first(where: { $0.contentHash == hash }) {
            // Touched, not changed: only the stamp is new (and any older rows of the path go).
            plan.change.update.append((same.id, path, stamp))
            plan.change.remove += stored.filter { $0.id != same.id }.map(\.id)
            plan.claimed.formUnion(stored.map(\.id))
            report.alreadyIndexed += 1
            return
        }
        plan.change.remove += stored.map(\.id)
        plan.claimed.formUnion(stored.map(\.id))
        if let other = try file(contentHash: hash), !plan.claimed.contains(other.id) {
            if FileStamp(path: other.path).map({ $0.matches(other) }) == true {
                report.alreadyIndexed += 1   // a copy of a file that is still there
            } else {
                plan.change.update.append((other.id, path, stamp))   // moved here (or its old path now holds other bytes)
                plan.claimed.insert(other.id)
                plan.renamed += 1
            }
            return
        }
        guard plan.hashes.insert(hash).inserted else {
            report.alreadyIndexed += 1
            return
        }
        plan.embed.append((url, hash, stamp, !stored.isEmpty))
    }

    /// `SiglipIndex.addTexts(_:using:)` on these rows, with the embedding step given.
    public func addTexts(_ texts: [String], batchSize: Int, embed: ([String]) -> [Result<[Float], Error>]) -> AddReport {
        var report = AddReport()
        var seen = Set<String>()
        var fresh: [(text: String, hash: String)] = []
        for text in texts {
            let hash = SiglipIndex.contentHash(Data(text.utf8))
            if (try? contains(kind: .text, contentHash: hash)) == true || !seen.insert(hash).inserted {
                report.alreadyIndexed += 1
            } else {
                fresh.append((text, hash))
            }
        }
        for start in stride(from: 0, to: fresh.count, by: max(batchSize, 1)) {
            let batch = Array(fresh[start..<min(start + batchSize, fresh.count)])
            var items: [NewItem] = []
            for (entry, result) in zip(batch, embed(batch.map(\.text))) {
                switch result.flatMap({ SiglipIndex.checked($0) }) {
                case .success(let e): items.append(NewItem(kind: .text, path: entry.text, contentHash: entry.hash, size: Int64(entry.text.utf8.count), modified: 0, embedding: e))
                case .failure(let error): report.failures.append((entry.text, "\(error)"))
                }
            }
            do { report.added += try commit(BatchChange(insert: items)).count } catch { report.failures += items.map { ($0.path, "\(error)") } }
        }
        return report
    }
}

/// What one batch will do, built file by file before anything is written.
struct AddPlan {
    var change = BatchChange()
    /// Files to embed; `replacing` when the path had a row of other bytes.
    var embed: [(url: URL, hash: String, stamp: FileStamp, replacing: Bool)] = []
    /// Rows this batch already deletes or re-points, which no other file may claim.
    var claimed = Set<Int64>()
    /// Bytes this batch embeds already.
    var hashes = Set<String>()
    var renamed = 0
}

extension SiglipIndex {
    /// Stores embeddings made elsewhere: `vectors` holds `paths.count` normalised vectors end to end, each named
    /// by its path (or text). A vector already stored (same bytes, same kind) is skipped. All in one transaction.
    /// Returns how many were new.
    @discardableResult
    public func add(vectors: [Float], paths: [String], kind: ItemKind = .image) throws -> Int {
        defer { invalidate() }
        return try store.add(vectors: vectors, paths: paths, kind: kind, dimension: dimension)
    }
}

extension ItemRows {
    /// `SiglipIndex.add(vectors:paths:kind:)` on these rows: vectors checked for width and norm, named by a hash
    /// of their bytes, stored in one `commit`.
    public func add(vectors: [Float], paths: [String], kind: ItemKind, dimension: Int) throws -> Int {
        guard vectors.count == paths.count * dimension else {
            throw IndexError("\(vectors.count) values do not make \(paths.count) vectors of \(dimension)")
        }
        var items: [NewItem] = []
        items.reserveCapacity(paths.count)
        for (i, path) in paths.enumerated() {
            let vector = Array(vectors[i * dimension..<(i + 1) * dimension])
            let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm.isFinite, abs(norm - 1) <= 1e-3 else { throw IndexError("\(path): vector norm \(norm), expected 1 (normalise first)") }
            let hash = vector.withUnsafeBytes { SiglipIndex.contentHash(Data($0)) }
            items.append(NewItem(kind: kind, path: path, contentHash: hash, size: 0, modified: 0, embedding: vector))
        }
        return try commit(BatchChange(insert: items)).count
    }
}
