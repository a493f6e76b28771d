// Runs one rank of a data-parallel computation under mpirun, for SigLIPDistributedTests and docs/PERFORMANCE.md:
//
//   ring  FEATURES.safetensors OUT [ROWS,ROWS,...]   the ring loss on fixed features; each rank writes OUT/rank-R.safetensors
//   step  MODEL PIXELS.npy IDS.npy OUT [CHUNK]       one data-parallel gradient computation; rank 0 writes OUT/gradients.safetensors
//   bench CONFIG BATCH STEPS THREADS                 times AdamW steps of a from-scratch model; rank 0 prints JSON
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
    case ("bench", 5): try bench(config: arguments[1], batch: Int(arguments[2]) ?? 0, steps: Int(arguments[3]) ?? 0, threads: Int(arguments[4]) ?? 1)
    default: fail("usage: ring FEATURES OUT [ROWS,…] | step MODEL PIXELS IDS OUT [CHUNK] | bench CONFIG BATCH STEPS THREADS")
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

func bench(config: String, batch: Int, steps: Int, threads: Int) throws {
    guard batch >= world.size, steps >= 2 else { fail("bench needs a batch of at least one pair per rank and 2 steps") }
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
    trainer.collective = DataParallel(world: world)
    var stepSeconds: [Double] = [], communication: [Double] = []
    for _ in 0..<steps {
        // The same global batch on every rank (same generator), of which each takes its shard.
        let values = (0..<batch * 3 * side * side).map { _ in random.float(in: -1...1) }
        let ids = (0..<batch).map { _ in (0..<c.text.maxPositionEmbeddings).map { _ in random.int(below: c.text.vocabSize) } }
        let pixels = Tensor(shape: [mine.count, 3, side, side],
                            values: Array(values[mine.lowerBound * 3 * side * side..<mine.upperBound * 3 * side * side]))
        try world.barrier()
        world.resetClock()
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try trainer.step([TrainingBatch(pixelValues: pixels, inputIDs: Array(ids[mine]))])
        stepSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        communication.append(world.seconds)
    }
    // The first step allocates the optimiser's moments and warms caches: left out of the medians.
    var medians = [median(Array(stepSeconds.dropFirst())), median(Array(communication.dropFirst()))]
    try world.allReduceSum(&medians)   // the ranks' medians averaged below
    if world.rank == 0 {
        print(String(format: #"{"ranks": %d, "global_batch": %d, "threads_per_rank": %d, "steps": %d, "step_s": %.4f, "communication_s": %.4f}"#,
                     world.size, batch, threads, steps - 1, medians[0] / Double(world.size), medians[1] / Double(world.size)))
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
