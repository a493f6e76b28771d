// siglip-bench: times this engine on a checkpoint and prints one JSON object (used by benchmarks/bench.py).
import ArgumentParser
import Foundation
import SentencePiece
import SigLIP
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct SiglipBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "siglip-bench", abstract: "Time siglip on one checkpoint.")

    @Option(help: "Checkpoint directory.") var model: String
    @Option(help: "A folder of JPEG files for the end-to-end figure.") var images: String?
    @Option(help: "Kernel threads.") var threads = Compute.defaultThreads
    @Option(help: "Linear-layer precision: fp32, bf16 or int8.") var precision: Precision = .fp32
    @Option(help: "Also write the batch-8 image embeddings of the timing input to this .f32 file (raw little-endian floats).")
    var embeddingsOut: String?
    @Option(help: "Timed repetitions per figure (the median is reported).") var repeats = 5
    @Option(parsing: .upToNextOption, help: "Image batch sizes.") var imageBatches: [Int] = [1, 8, 32]
    @Option(parsing: .upToNextOption, help: "Text batch sizes.") var textBatches: [Int] = [1, 64]
    @Option(help: "A folder of images: time only decode + preprocess, one thread, per file.")
    var preprocessImages: String?
    @Option(help: "A file of texts, one JSON string per line: time only the tokenizer on 100,000 of them (one thread).")
    var tokenizerTexts: String?

    func run() throws {
        if let tokenizerTexts { return try timeTokenizer(tokenizerTexts) }
        if let preprocessImages { return try timePreprocessing(preprocessImages) }
        Compute.threads = threads
        let url = URL(fileURLWithPath: model)
        var loads: [Double] = []
        var pipeline = try SiglipPipeline(directory: url, precision: precision)
        for _ in 0..<3 { loads.append(try seconds { pipeline = try SiglipPipeline(directory: url, precision: precision) }) }
        let model = pipeline.model
        var result: [String: Any] = ["engine": "siglip", "threads": threads, "blas": BLAS.name, "load_s": median(loads),
                                     "precision": precision.rawValue, "kernel": LowPrecisionKernels.name(precision),
                                     "vector_kernels": InstructionSet.current.name]

        let side = model.config.vision.imageSize
        for b in imageBatches {
            let pixels = Tensor(shape: [b, 3, side, side], values: (0..<(b * 3 * side * side)).map { Float(($0 * 7919) % 2001) / 1000 - 1 })
            _ = try model.imageEmbeddings(pixelValues: pixels)
            let t = try (0..<repeats).map { _ in try seconds { _ = try model.imageEmbeddings(pixelValues: pixels) } }
            result["image_per_s_b\(b)"] = Double(b) / median(t)
            if b == 8, let embeddingsOut {
                let e = try model.imageEmbeddings(pixelValues: pixels)
                try Data(bytes: e.data, count: e.count * 4).write(to: URL(fileURLWithPath: embeddingsOut))
            }
        }
        let length = model.config.text.maxPositionEmbeddings
        for b in textBatches {
            let ids = (0..<b).map { r in (0..<length).map { i in i < 8 + r % 16 ? 2 + (r * 131 + i * 17) % 30000 % model.config.text.vocabSize : 1 } }
            _ = try model.textEmbeddings(inputIDs: ids)
            let t = try (0..<repeats).map { _ in try seconds { _ = try model.textEmbeddings(inputIDs: ids) } }
            result["text_per_s_b\(b)"] = Double(b) / median(t)
        }
        if let images {
            let files = try FileManager.default.contentsOfDirectory(atPath: images).filter { $0.hasSuffix(".jpg") }.sorted()
                .map { URL(fileURLWithPath: images).appendingPathComponent($0) }
            let t = try (0..<max(1, repeats / 2)).map { _ in
                try seconds {
                    let out = pipeline.imageEmbeddings(for: files, batchSize: 8)
                    for r in out { _ = try r.get() }
                }
            }
            result["end_to_end_jpeg_per_s"] = Double(files.count) / median(t)
        }
        result["gemm_gflops"] = gemmRates(width: model.config.vision.hiddenSize, mlp: model.config.vision.intermediateSize,
                                          rows: 8 * model.config.vision.gridSize * model.config.vision.gridSize)
        let perImage = model.config.vision.flopsPerImage
        result["vision_gflop_per_image"] = perImage / 1e9
        if let b8 = result["image_per_s_b8"] as? Double { result["vision_gflops_b8"] = b8 * perImage / 1e9 }
        result["peak_rss_mb"] = peakRSSMegabytes()
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Texts per second for the raw SentencePiece encode and the full SigLIP pipeline, on 100,000 texts.
    func timeTokenizer(_ file: String) throws {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        let corpus = try lines.map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
        let texts = (0..<100_000).map { corpus[$0 % corpus.count] }
        let directory = URL(fileURLWithPath: model)
        let config = try SiglipConfig(directory: directory)
        let pipeline = try SiglipTokenizer(directory: directory, maxLength: config.text.maxPositionEmbeddings)
        var result: [String: Any] = ["engine": "siglip", "texts": texts.count]
        let spiece = directory.appendingPathComponent("spiece.model")
        if FileManager.default.fileExists(atPath: spiece.path) {
            let processor = try SentencePieceProcessor(contentsOf: spiece)
            let t = try (0..<repeats).map { _ in try seconds { for text in texts { _ = processor.encode(text) } } }
            result["sentencepiece_encode_per_s"] = Double(texts.count) / median(t)
        }
        let t = try (0..<repeats).map { _ in try seconds { for text in texts { _ = pipeline.encode(text) } } }
        result["pipeline_encode_per_s"] = Double(texts.count) / median(t)
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    /// Milliseconds per image for decode + EXIF + RGB + resize + normalise, one thread, median of `repeats`.
    func timePreprocessing(_ folder: String) throws {
        let processor = try SiglipImageProcessor(directory: URL(fileURLWithPath: model))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { URL(fileURLWithPath: folder).appendingPathComponent($0) }
        var result: [String: Double] = [:]
        for file in files {
            _ = try processor.pixelValues(contentsOf: file)
            let t = try (0..<max(repeats, 5)).map { _ in try seconds { _ = try processor.pixelValues(contentsOf: file) } }
            result[file.lastPathComponent] = median(t) * 1000
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    /// GFLOP/s of the linear kernel (GEMM + bias) on the encoder's shapes at batch 8, with every GEMM library
    /// this build has (the one in use first), so the model's effective rate can be read against each.
    func gemmRates(width: Int, mlp: Int, rows: Int) -> [String: [String: Double]] {
        let inUse = BLAS.backend
        defer { BLAS.backend = inUse }
        var byLibrary: [String: [String: Double]] = [:]
        // Low precision runs our own kernels whatever the fp32 library, so it is timed once, under its own name.
        guard precision == .fp32 else { return [precision.rawValue: gemmRates(width: width, mlp: mlp, rows: rows, library: inUse)] }
        for library in [inUse] + GEMMBackend.available.filter({ $0 != inUse }) {
            BLAS.backend = library
            byLibrary[library.rawValue] = gemmRates(width: width, mlp: mlp, rows: rows, library: library)
        }
        return byLibrary
    }

    func gemmRates(width: Int, mlp: Int, rows: Int, library: GEMMBackend) -> [String: Double] {
        var rates: [String: Double] = [:]
        for (name, n, k) in [("qkv", 3 * width, width), ("out", width, width), ("fc1", mlp, width), ("fc2", width, mlp)] {
            var random = SplitMix64(seed: UInt64(n * k))
            let noise = { (count: Int) in (0..<count).map { _ in random.float(in: -1...1) } }
            let x = Tensor(shape: [rows, k], values: noise(rows * k)), w = Tensor(shape: [n, k], values: noise(n * k))
            let b = Tensor(shape: [n], values: noise(n))
            // The model's precision: a low-precision run reports its own kernel's rate (ops counted as flops).
            let packed = precision == .fp32 ? nil : PackedWeight(w, precision: precision)
            _ = linear(x, weight: w, bias: b, packed: packed)
            let t = (0..<repeats).map { _ in (try? seconds { _ = linear(x, weight: w, bias: b, packed: packed) }) ?? .infinity }
            rates["\(name)_\(rows)x\(n)x\(k)"] = 2 * Double(rows * n * k) / median(t) / 1e9
        }
        return rates
    }
}

func seconds(_ body: () throws -> Void) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? .nan : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024          // kilobytes on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576     // bytes on Darwin
    #endif
}

extension Precision: ExpressibleByArgument {}
