import Tensor

/// Text embeddings `batchSize` texts at a time: `encode` turns a text into ids, `embed` a batch of id rows into
/// `[batch, D]` embeddings; a batch that fails gives its error to each of its texts and the rest still run.
func batchedTextEmbeddings(_ texts: [String], batchSize: Int, encode: (String) -> [Int],
                           embed: ([[Int]]) throws -> Tensor) -> [Result<[Float], Error>] {
    let step = max(batchSize, 1)
    var results: [Result<[Float], Error>] = []
    for start in stride(from: 0, to: texts.count, by: step) {
        let ids = texts[start..<min(start + step, texts.count)].map(encode)
        do {
            let out = try embed(ids)
            results += (0..<ids.count).map { .success(out.rows($0..<($0 + 1)).scalars) }
        } catch {
            results += ids.map { _ in .failure(error) }
        }
    }
    return results
}
