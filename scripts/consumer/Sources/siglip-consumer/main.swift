// Loads a checkpoint through the SigLIP product's public API and embeds one text: the library works as a
// dependency. Prints the norms of the raw and the L2-normalised embedding.
// Usage: siglip-consumer MODEL_DIR
import Foundation
import SigLIP

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: siglip-consumer MODEL_DIR\n".utf8))
    exit(64)
}
do {
    let pipeline = try SiglipPipeline(directory: URL(fileURLWithPath: CommandLine.arguments[1]))
    let raw = try pipeline.textEmbeddings(for: ["a photo of a cat"], normalized: false)[0].get()
    let unit = try pipeline.textEmbeddings(for: ["a photo of a cat"])[0].get()
    let norm = { (v: [Float]) in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    print("dimensions \(raw.count) raw norm \(norm(raw)) normalised norm \(norm(unit))")
} catch {
    FileHandle.standardError.write(Data("siglip-consumer: \(error)\n".utf8))
    exit(1)
}
