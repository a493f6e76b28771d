import SigLIPTraining
import Tensor

/// Data-parallel training over MPI: set as a `Trainer`'s collective on every rank, each rank stepping on its
/// slice of the global batch (`shard`), the ranks take the step one process would take on the whole batch.
///
/// The loss is `ringSigmoidLoss`; the gradients (`t′` and `b` included) and the loss are summed over the ranks
/// (not averaged: each rank's terms are already divided by the global number of pairs), so every rank applies
/// the same update to the same weights.
public final class DataParallel: StepCollective {
    /// The ranks.
    public let world: Communicator
    /// Gradients are summed in buckets of at most this many floats: one call for many small tensors, and no
    /// copy of the whole model's gradients at once.
    public let bucketFloats: Int
    private let bucket: Tensor

    /// A collective over `world`.
    public init(world: Communicator, bucketFloats: Int = 1 << 22) {
        self.world = world
        self.bucketFloats = bucketFloats
        bucket = Tensor(zeros: [bucketFloats])
    }

    /// The ring loss of this rank's features against every rank's.
    public func sigmoidLoss(images: Tensor, texts: Tensor, logitScale: Float, logitBias: Float, chunk: Int?) throws -> SigmoidLossResult {
        try ringSigmoidLoss(images: images, texts: texts, logitScale: logitScale, logitBias: logitBias, chunk: chunk, over: world)
    }

    /// Sums the loss and the gradients of `parameters` over the ranks, in place.
    public func sum(_ parameters: [Tensor], of gradients: Gradients, loss: inout Float) throws {
        var total = [Double(loss)]
        try world.allReduceSum(&total)
        loss = Float(total[0])
        guard world.size > 1 else { return }
        var pending: [Tensor] = [], used = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            try world.allReduceSum(bucket.data, count: used)
            var offset = 0
            for g in pending {
                g.data.update(from: bucket.data + offset, count: g.count)
                offset += g.count
            }
            (pending, used) = ([], 0)
        }
        for p in parameters {
            let g = gradients[p]
            if g.count >= bucketFloats {
                try world.allReduceSum(g.data, count: g.count)   // large enough to go alone, in place
                continue
            }
            if used + g.count > bucketFloats { try flush() }
            (bucket.data + used).update(from: g.data, count: g.count)
            pending.append(g)
            used += g.count
        }
        try flush()
    }
}
