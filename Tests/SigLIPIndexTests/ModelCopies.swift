import Foundation

/// A copy of the tiny-siglip fixture in a scratch folder of its own, under the same folder name with the same
/// config.json, whose last stored weight (vision_model.post_layernorm.weight[63], the file's last four bytes)
/// is `lastWeight` (nil: an exact copy). Returns the model folder and the scratch folder to delete.
func tinyModelCopy(lastWeight: Float?) throws -> (model: URL, scratch: URL) {
    let scratch = Paths.scratch("model")
    let model = scratch.appendingPathComponent(Paths.model.lastPathComponent)
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: Paths.model, to: model)
    if let lastWeight { try setLastWeight(of: model, to: lastWeight) }
    return (model, scratch)
}

/// Overwrites the last four bytes of `model`'s model.safetensors in place with `value` (little-endian float).
func setLastWeight(of model: URL, to value: Float) throws {
    let handle = try FileHandle(forUpdating: model.appendingPathComponent("model.safetensors"))
    defer { try? handle.close() }
    let end = try handle.seekToEnd()
    try handle.seek(toOffset: end - 4)
    try handle.write(contentsOf: withUnsafeBytes(of: value.bitPattern.littleEndian) { Data($0) })
}
