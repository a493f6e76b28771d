import Foundation
import SigLIPDistributed
import SigLIPTraining

/// What the processes of a `train --distributed` run agree on each step; a run of one process agrees with itself.
protocol RunCoordination {
    /// Whether this process writes the checkpoint, metrics.jsonl and the progress line (rank 0 of a distributed run).
    var writes: Bool { get }
    /// The part of a global batch this process loads.
    func slice(_ batch: [TrainingExample]) -> [TrainingExample]
    /// Whether the batch of which this process read `rows` readable pairs is trained on (by every process alike).
    func usable(rows: Int) throws -> Bool
    /// Whether any process was interrupted (every process stops at the same step).
    func anyInterrupted(_ local: Bool) throws -> Bool
}

/// A single process: the whole batch, its own decisions.
struct SoloRun: RunCoordination {
    var writes: Bool { true }
    func slice(_ batch: [TrainingExample]) -> [TrainingExample] { batch }
    func usable(rows: Int) -> Bool { rows >= 2 }
    func anyInterrupted(_ local: Bool) -> Bool { local }
}

/// One rank of an MPI job: its `shard` of each global batch; a batch is used when the ranks read at least two
/// readable pairs in all and each rank at least one (a rank with none would have no features to send round).
struct DistributedRun: RunCoordination {
    let world: Communicator
    var writes: Bool { world.rank == 0 }

    func slice(_ batch: [TrainingExample]) -> [TrainingExample] {
        Array(batch[shard(batch.count, rank: world.rank, of: world.size)])
    }

    func usable(rows: Int) throws -> Bool {
        let all = try world.allGather(rows)
        return all.reduce(0, +) >= 2 && all.allSatisfy { $0 >= 1 }
    }

    func anyInterrupted(_ local: Bool) throws -> Bool {
        try world.allGather(local ? 1 : 0).contains(1)
    }
}
