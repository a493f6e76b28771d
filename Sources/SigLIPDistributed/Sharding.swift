/// The rows of a global batch of `count` pairs that `rank` of `size` processes takes: consecutive, the sizes
/// differing by at most one, in rank order, so that the ranks' slices concatenated are the batch.
public func shard(_ count: Int, rank: Int, of size: Int) -> Range<Int> {
    precondition(size > 0 && (0..<size).contains(rank), "shard: rank \(rank) of \(size)")
    return count * rank / size ..< count * (rank + 1) / size
}
