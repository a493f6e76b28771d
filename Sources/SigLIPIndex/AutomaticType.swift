import Foundation

extension SiglipIndex {
    /// Below this many vectors "auto" searches exactly: a blocked GEMM over 100k × 768 floats takes a few
    /// milliseconds on two cores (docs/PERFORMANCE.md), and exact results need no build, no training, no tuning.
    public static let exactBelow = 100_000

    /// The approximate index "auto" uses for `count` vectors and the nprobe it searches with, or nil for exact
    /// search: IVF with about 4·√N lists (a power of two; cells of ~√N/4 vectors), storing full vectors.
    /// IVF adds without retraining and removes by id, so it follows the store incrementally; the list count
    /// only changes (forcing a rebuild) when the collection has grown or shrunk about fourfold.
    public static func automaticChoice(count: Int) -> (factory: String, probes: Int)? {
        guard count >= exactBelow else { return nil }
        let target = 4 * Double(count).squareRoot()
        let lists = 1 << Int(log2(target).rounded())
        return ("IVF\(lists),Flat", defaultProbes(lists: lists))
    }

    /// The factory string of `automaticChoice`.
    public static func automaticType(count: Int) -> String? { automaticChoice(count: count)?.factory }

    /// IVF lists probed per query unless a search says otherwise: 1/256 of the lists, at least 8. On clustered
    /// 768-d vectors recall@10 was already 1.000 at nprobe 4 (100k, IVF1024) and 8 (1M, IVF4096); this is twice
    /// that, as margin for real embeddings, which are less separable (docs/PERFORMANCE.md).
    static func defaultProbes(lists: Int) -> Int { max(8, lists / 256) }

    /// Search effort when none is given: `defaultProbes` for IVF, efSearch 64 for HNSW.
    static func defaultEffort(factory: String) -> Int {
        ApproximateIndex.listCount(factory).map { defaultProbes(lists: $0) } ?? 64
    }

    /// How many stored vectors the approximate index type `factory` needs before it can be built: n for
    /// "IVFn,…" (k-means needs a point per list; FAISS warns below 39 per list), nil when any number will do.
    public static func vectorsNeeded(for factory: String) -> Int? { ApproximateIndex.listCount(factory) }

    /// Refuses an IVF type with more lists than `count` stored vectors can train, saying how many are needed.
    static func checkTrainable(_ factory: String, count: Int) throws {
        guard let needed = vectorsNeeded(for: factory), count < needed else { return }
        throw IndexError("approximate index \(factory): \(needed) lists need at least \(needed) vectors to train "
            + "(FAISS recommends \(39 * needed)); the index holds \(count). Use IVFn with n at most \(max(1, count / 39)), "
            + "'auto', or add items first")
    }
}
