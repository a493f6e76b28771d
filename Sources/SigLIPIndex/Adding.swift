import Foundation
import SigLIP

/// What an `add` did.
public struct AddReport: Sendable {
    /// Items stored.
    public var added = 0
    /// Inputs whose content was already indexed.
    public var alreadyIndexed = 0
    /// Inputs that could not be read or embedded, with the reason.
    public var failures: [(path: String, reason: String)] = []

    /// Nothing done yet.
    public init() {}
}

extension SiglipIndex {
    /// Image files under `paths` (folders are walked recursively for .jpg, .jpeg, .png, .webp and .gif; files
    /// named directly are taken whatever their name), sorted, without duplicates.
    public static func imageFiles(under paths: [URL]) -> (files: [URL], failures: [(path: String, reason: String)]) {
        let extensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif"]
        var files: [URL] = [], failures: [(String, String)] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
                failures.append((path.path, "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else { files.append(path); continue }
            // The enumerator does not follow symbolic links into directories, so link loops end.
            let walker = fm.enumerator(at: path, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            while let url = walker?.nextObject() as? URL {
                if extensions.contains(url.pathExtension.lowercased()), (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    files.append(url)
                }
            }
        }
        var seen = Set<String>()
        return (files.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }.sorted { $0.path < $1.path }, failures)
    }

    /// Embeds and stores the images under `paths`, `batchSize` at a time, each batch in one transaction (a killed
    /// run loses at most the batch in flight). Files already indexed (same bytes) are skipped.
    public func addImages(_ paths: [URL], using pipeline: SiglipPipeline, batchSize: Int = 16,
                          progress: (Int, Int) -> Void = { _, _ in }) -> AddReport {
        var report = AddReport()
        let (files, missing) = Self.imageFiles(under: paths)
        report.failures = missing
        var done = 0
        for start in stride(from: 0, to: files.count, by: max(batchSize, 1)) {
            let batch = Array(files[start..<min(start + batchSize, files.count)])
            var fresh: [(url: URL, hash: String, size: Int64, modified: Double)] = []
            var hashes = Set<String>()
            for url in batch {
                do {
                    let data = try Data(contentsOf: url)
                    let hash = Self.contentHash(data)
                    if try store.contains(kind: .image, contentHash: hash) || !hashes.insert(hash).inserted {
                        report.alreadyIndexed += 1
                        continue
                    }
                    let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
                    fresh.append((url, hash, Int64(data.count), (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0))
                } catch {
                    report.failures.append((url.path, "cannot read: \(error.localizedDescription)"))
                }
            }
            var items: [NewItem] = []
            for (file, result) in zip(fresh, pipeline.imageEmbeddings(for: fresh.map(\.url), batchSize: batchSize)) {
                switch result {
                case .success(let embedding):
                    items.append(NewItem(kind: .image, path: file.url.path, contentHash: file.hash, size: file.size,
                                         modified: file.modified, embedding: embedding))
                case .failure(let error):
                    report.failures.append((file.url.path, "\(error)"))
                }
            }
            do {
                report.added += try store.insert(items)
            } catch {
                report.failures += items.map { ($0.path, "\(error)") }
            }
            invalidate()
            done += batch.count
            progress(done, files.count)
        }
        return report
    }

    /// Embeds and stores texts (each is its own "path"); texts already indexed are skipped.
    public func addTexts(_ texts: [String], using pipeline: SiglipPipeline, batchSize: Int = 64) -> AddReport {
        var report = AddReport()
        var seen = Set<String>()
        var fresh: [(text: String, hash: String)] = []
        for text in texts {
            let hash = Self.contentHash(Data(text.utf8))
            if (try? store.contains(kind: .text, contentHash: hash)) == true || !seen.insert(hash).inserted {
                report.alreadyIndexed += 1
            } else {
                fresh.append((text, hash))
            }
        }
        for start in stride(from: 0, to: fresh.count, by: max(batchSize, 1)) {
            let batch = Array(fresh[start..<min(start + batchSize, fresh.count)])
            var items: [NewItem] = []
            for (entry, result) in zip(batch, pipeline.textEmbeddings(for: batch.map(\.text), batchSize: batchSize)) {
                switch result {
                case .success(let e): items.append(NewItem(kind: .text, path: entry.text, contentHash: entry.hash, size: Int64(entry.text.utf8.count), modified: 0, embedding: e))
                case .failure(let error): report.failures.append((entry.text, "\(error)"))
                }
            }
            do { report.added += try store.insert(items) } catch { report.failures += items.map { ($0.path, "\(error)") } }
        }
        invalidate()
        return report
    }
}

extension SiglipIndex {
    /// Stores embeddings made elsewhere: `vectors` holds `paths.count` normalised vectors end to end, each named
    /// by its path (or text). A vector already stored (same bytes, same kind) is skipped. All in one transaction.
    /// Returns how many were new.
    @discardableResult
    public func add(vectors: [Float], paths: [String], kind: ItemKind = .image) throws -> Int {
        guard vectors.count == paths.count * dimension else {
            throw IndexError("\(vectors.count) values do not make \(paths.count) vectors of \(dimension)")
        }
        var items: [NewItem] = []
        items.reserveCapacity(paths.count)
        for (i, path) in paths.enumerated() {
            let vector = Array(vectors[i * dimension..<(i + 1) * dimension])
            let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm.isFinite, abs(norm - 1) <= 1e-3 else { throw IndexError("\(path): vector norm \(norm), expected 1 (normalise first)") }
            let hash = vector.withUnsafeBytes { Self.contentHash(Data($0)) }
            items.append(NewItem(kind: kind, path: path, contentHash: hash, size: 0, modified: 0, embedding: vector))
        }
        let added = try store.insert(items)
        invalidate()
        return added
    }
}
