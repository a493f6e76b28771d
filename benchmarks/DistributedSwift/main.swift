// Runs one rank of a data-parallel computation under mpirun, for SigLIPDistributedTests and docs/PERFORMANCE.md:
//
//   ring  FEATURES.safetensors OUT [ROWS,ROWS,...]   the ring loss on fixed features; each rank writes OUT/rank-R.safetensors
//   step  MODEL PIXELS.npy IDS.npy OUT [CHUNK]       one data-parallel gradient computation; rank 0 writes OUT/gradients.safetensors
//   bench CONFIG BATCH STEPS THREADS [alone]         times AdamW steps of a from-scratch model and the ring and
//                                                    all-reduce alone; rank 0 prints JSON (`alone`: one process
//                                                    without the collective, the baseline)
import Foundation
import NPY
import SafeTensors
import SigLIP
import SigLIPDistributed
import SigLIPTraining
import Tensor

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("siglip-distributed-runner: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: ring|step|bench …") }
let world: Communicator
do { world = try Communicator.world() } catch { fail("\(error)") }

do {
    switch (mode, arguments.count) {
    case ("ring", 3...4): try ring(features: arguments[1], out: arguments[2], rows: arguments.count > 3 ? arguments[3] : nil)
    case ("step", 5...6): try step(model: arguments[1], pixels: arguments[2], ids: arguments[3], out: arguments[4],
                                   chunk: arguments.count > 5 ? Int(arguments[5]) : nil)
    case ("bench", 5...6):
        guard arguments.count == 5 || arguments[5] == "alone" else { fail("bench: the sixth argument can only be `alone`") }
        try bench(config: arguments[1], batch: Int(arguments[2]) ?? 0, steps: Int(arguments[3]) ?? 0,
                  threads: Int(arguments[4]) ?? 1, alone: arguments.count == 6)
    default: fail("usage: ring FEATURES OUT [ROWS,…] | step MODEL PIXELS IDS OUT [CHUNK] | bench CONFIG BATCH STEPS THREADS [alone]")
    }
} catch {
    FileHandle.standardError.write(Data("rank \(world.rank): \(error)\n".utf8))
    world.abort(code: 1)
}
world.finalize()

/// This rank's rows: from a comma-separated list of per-rank counts, or an even `shard`.
func rows(_ list: String?, total: Int) -> Range<Int> {
    guard let list else { return shard(total, rank: world.rank, of: world.size) }
    let counts = list.split(separator: ",").compactMap { Int($0) }
    guard counts.count == world.size, counts.reduce(0, +) == total else { fail("\(list): need \(world.size) counts summing to \(total)") }
    let start = counts.prefix(world.rank).reduce(0, +)
    return start..<start + counts[world.rank]
}

func ring(features: String, out: String, rows list: String?) throws {
    let file = try SafeTensorsFile(url: URL(fileURLWithPath: features))
    let images = try file.tensor(named: "image_features"), texts = try file.tensor(named: "text_features")
    let scale = try file.tensor(named: "logit_scale")[0], bias = try file.tensor(named: "logit_bias")[0]
    let mine = rows(list, total: images.rows)
    let result = try ringSigmoidLoss(images: images.rows(mine).copy(), texts: texts.rows(mine).copy(), logitScale: scale,
                                     logitBias: bias, chunk: nil, over: world)
    var sums = [Double(result.loss), Double(result.logitScale), Double(result.logitBias)]
    try world.allReduceSum(&sums)
    try SafeTensorsWriter.write([("loss", Tensor(shape: [1], values: [Float(sums[0])])),
                                 ("logit_scale", Tensor(shape: [1], values: [Float(sums[1])])),
                                 ("logit_bias", Tensor(shape: [1], values: [Float(sums[2])])),
                                 ("image_features", result.images), ("text_features", result.texts)],
                                to: URL(fileURLWithPath: out).appendingPathComponent("rank-\(world.rank).safetensors"))
}

func step(model directory: String, pixels: String, ids: String, out: String, chunk: Int?) throws {
    let model = try TrainableSiglip(directory: URL(fileURLWithPath: directory))
    let p = try NPYArray(contentsOf: URL(fileURLWithPath: pixels))
    let i = try NPYArray(contentsOf: URL(fileURLWithPath: ids))
    let flat = (i.integers ?? []).map(Int.init), length = i.shape[1]
    let mine = shard(p.shape[0], rank: world.rank, of: world.size)
    let perImage = p.floats.count / p.shape[0]
    let pixelValues = Tensor(shape: [mine.count] + p.shape.dropFirst(), values: Array(p.floats[mine.lowerBound * perImage..<mine.upperBound * perImage]))
    let inputIDs = mine.map { Array(flat[$0 * length..<($0 + 1) * length]) }
    let collective = DataParallel(world: world)
    let gradients = Gradients()
    var loss = try model.accumulateGradients(pixelValues: pixelValues, inputIDs: inputIDs, freeze: .none, into: gradients) {
        try collective.sigmoidLoss(images: $0, texts: $1, logitScale: $2, logitBias: $3, chunk: chunk)
    }
    try collective.sum(model.parameters.filter(gradients.contains), of: gradients, loss: &loss)
    guard world.rank == 0 else { return }
    try SafeTensorsWriter.write(model.huggingFaceTensors { gradients[$0] } + [("loss", Tensor(shape: [1], values: [loss]))],
                                to: URL(fileURLWithPath: out).appendingPathComponent("gradients.safetensors"))
}

func bench(config: String, batch: Int, steps: Int, threads: Int, alone: Bool) throws {
    guard batch >= world.size, steps >= 2 else { fail("bench needs a batch of at least one pair per rank and 2 steps") }
    guard !alone || world.size == 1 else { fail("bench … alone is one process, not \(world.size) ranks") }
    Compute.threads = threads
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siglip-distributed-bench-\(getpid())")
    defer { try? FileManager.default.removeItem(at: folder) }
    // Every rank builds the same weights from the same seed.
    let model = try TrainableSiglip.initialize(configFile: URL(fileURLWithPath: config), seed: 1, in: folder)
    let c = model.config, side = c.vision.imageSize
    var random = SplitMix64(seed: 7)
    let mine = shard(batch, rank: world.rank, of: world.size)
    let trainer = Trainer(model: model, optimizer: AdamW(weightDecay: 0.1),
                          schedule: LearningRateSchedule(peak: 1e-4, warmupSteps: 0, totalSteps: steps, decay: .constant))
    let timed = TimedCollective(DataParallel(world: world))
    if !alone { trainer.collective = timed }
    var stepSeconds: [Double] = [], ringSeconds: [Double] = [], sumSeconds: [Double] = []
    for _ in 0..<steps {
        // The same global batch on every rank (same generator), of which each takes its shard.
        let values = (0..<batch * 3 * side * side).map { _ in random.float(in: -1...1) }
        let ids = (0..<batch).map { _ in (0..<c.text.maxPositionEmbeddings).map { _ in random.int(below: c.text.vocabSize) } }
        let pixels = Tensor(shape: [mine.count, 3, side, side],
                            values: Array(values[mine.lowerBound * 3 * side * side..<mine.upperBound * 3 * side * side]))
        try world.barrier()
        (timed.ringSeconds, timed.sumSeconds) = (0, 0)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try trainer.step([TrainingBatch(pixelValues: pixels, inputIDs: Array(ids[mine]))])
        stepSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        ringSeconds.append(timed.ringSeconds)
        sumSeconds.append(timed.sumSeconds)
    }
    // The same communication again with every rank ready (after a barrier), so that no rank waits for another's
    // compute: what the transport itself costs. The ring on random features of this rank's size; the sum of the
    // last step's gradients (summed again in place: the values no longer matter).
    var ringAlone: [Double] = [], sumAlone: [Double] = []
    if !alone, let last = timed.last {
        let width = c.text.embeddingSize
        let images = Tensor(shape: [mine.count, width], values: (0..<mine.count * width).map { _ in random.float(in: -1...1) })
        let texts = Tensor(shape: [mine.count, width], values: (0..<mine.count * width).map { _ in random.float(in: -1...1) })
        for _ in 0..<max(steps, 5) {
            try world.barrier()
            var start = DispatchTime.now().uptimeNanoseconds
            _ = try ringSigmoidLoss(images: images, texts: texts, logitScale: 2.3, logitBias: -10, chunk: nil, over: world)
            ringAlone.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            try world.barrier()
            var loss: Float = 0
            start = DispatchTime.now().uptimeNanoseconds
            try timed.inner.sum(last.parameters, of: last.gradients, loss: &loss)
            sumAlone.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
    }
    let floats = trainer.trainable.reduce(0) { $0 + $1.count }
    // The first step allocates the optimiser's moments and warms caches: left out of the medians.
    var medians = [median(Array(stepSeconds.dropFirst())), median(Array(ringSeconds.dropFirst())),
                   median(Array(sumSeconds.dropFirst())), median(ringAlone), median(sumAlone)]
    try world.allReduceSum(&medians)   // the ranks' medians averaged below
    medians = medians.map { $0 / Double(world.size) }
    if world.rank == 0 {
        print(String(format: #"{"ranks": %d, "alone": \#(alone), "global_batch": %d, "threads_per_rank": %d, "steps": %d, "parameters": %d, "#
                     + #""step_s": %.4f, "ring_mpi_s": %.4f, "allreduce_mpi_s": %.4f, "ring_alone_s": %.5f, "allreduce_alone_s": %.5f}"#,
                     world.size, batch, threads, steps - 1, floats,
                     medians[0], medians[1], medians[2], medians[3], medians[4]))
    }
}

/// A data-parallel collective that also counts the seconds its ring loss and its gradient sum spend inside MPI
/// (sending, receiving, and waiting for slower ranks), and keeps the last sum's arguments for timing it again.
final class TimedCollective: StepCollective {
    let inner: DataParallel
    var ringSeconds = 0.0, sumSeconds = 0.0
    var last: (parameters: [Tensor], gradients: Gradients)?

    init(_ inner: DataParallel) { self.inner = inner }

    func sigmoidLoss(images: Tensor, texts: Tensor, logitScale: Float, logitBias: Float, chunk: Int?) throws -> SigmoidLossResult {
        let before = inner.world.seconds
        defer { ringSeconds += inner.world.seconds - before }
        return try inner.sigmoidLoss(images: images, texts: texts, logitScale: logitScale, logitBias: logitBias, chunk: chunk)
    }

    func sum(_ parameters: [Tensor], of gradients: Gradients, loss: inout Float) throws {
        let before = inner.world.seconds
        defer { sumSeconds += inner.world.seconds - before }
        last = (parameters, gradients)
        try inner.sum(parameters, of: gradients, loss: &loss)
    }
}

/// The median, or 0 for no values.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
