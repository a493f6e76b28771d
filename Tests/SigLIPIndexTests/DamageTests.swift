import Foundation
import Testing
@testable import SigLIPIndex

@Suite("A damaged row or an unusable approximate index never takes search down")
struct DamageTests {
    let d = 32

    func make() throws -> (SiglipIndex, URL, [Float]) {
        let dir = Paths.scratch("vectors")
        let index = try SiglipIndex(directory: dir, creatingForModel: "test-model", dimension: d)
        let base = clusteredVectors(50, dimension: d, seed: 11)
        try index.add(vectors: base, paths: (0..<50).map { "v\($0)" })
        return (index, dir, base)
    }

    func row(_ m: [Float], _ i: Int) -> [Float] { Array(m[i * d..<(i + 1) * d]) }

    /// Blobs another writer (or a bad disk) could leave: too short, and the right length but NaN.
    static let damage = ["X'0000'", "X'" + String(repeating: "0000C07F", count: 32) + "'"]

    @Test(arguments: damage)
    func aCorruptRowIsQuarantinedAndNamedWhileTheRestSearches(blob: String) throws {
        let (index, dir, base) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        try index.store.db.execute("UPDATE items SET embedding = \(blob) WHERE path = 'v7'")
        let hits = try index.search(vector: row(base, 7), k: 5)
        #expect(hits.count == 5 && hits.allSatisfy { $0.item.path != "v7" && $0.score.isFinite })
        #expect(try index.search(vector: row(base, 8), k: 1).first?.item.path == "v8")
        #expect(try index.info().images == 49)
        #expect(index.warnings.contains { $0.contains("v7") }, "\(index.warnings)")
        let problems = try index.verify()
        #expect(problems.count == 1 && problems.allSatisfy { $0.contains("v7") && $0.contains("quarantined") }, "\(problems)")
        // Opening again warns at once, naming it; storing the vector again clears it.
        let reopened = try SiglipIndex(directory: dir)
        #expect(reopened.warnings.contains { $0.contains("v7") }, "\(reopened.warnings)")
        #expect(try reopened.add(vectors: row(base, 7), paths: ["v7"]) == 1)
        #expect(try reopened.verify().isEmpty)
        #expect(try reopened.search(vector: row(base, 7), k: 1).first?.item.path == "v7")
    }

    @Test func anIVFWithMoreListsThanVectorsIsRefusedAndAnOldOneFallsBackToExact() throws {
        let (index, dir, base) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: IndexError.self) { try index.setApproximateType("IVF100000,Flat") }
        #expect(error?.message.contains("100000") == true && error?.message.contains("50") == true, "\(String(describing: error))")
        #expect(index.approximateType == nil)
        // An index left asking for it (as earlier versions allowed) still searches: exactly, with a warning.
        try index.store.setMeta("ann", "IVF100000,Flat")
        let reopened = try SiglipIndex(directory: dir)
        let query = row(base, 3)
        #expect(try reopened.search(vector: query, k: 5) == reopened.search(vector: query, k: 5, exact: true))
        #expect(reopened.warnings.contains { $0.contains("IVF100000,Flat") }, "\(reopened.warnings)")
    }

    /// synchronous=NORMAL in WAL mode can lose the last commits on power loss; the docs promise FULL.
    @Test func commitsAreSyncedToDisk() throws {
        let (index, dir, _) = try make()
        defer { try? FileManager.default.removeItem(at: dir) }
        var modes: [Int64] = [], journal: [String] = []
        try index.store.db.query("PRAGMA synchronous") { modes.append($0.integer(0)) }
        try index.store.db.query("PRAGMA journal_mode") { journal.append($0.text(0) ?? "") }
        #expect(modes == [2])  // FULL
        #expect(journal == ["wal"])
    }
}
