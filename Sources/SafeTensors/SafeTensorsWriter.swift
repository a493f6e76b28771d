import Foundation
import Tensor

/// Writes Float32 tensors as a `.safetensors` file that `safetensors`/`transformers` read.
public enum SafeTensorsWriter {
    /// Writes `tensors` (name, tensor) with optional string `metadata` to `url`, atomically.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, tensor) in tensors {
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + tensor.count * 4]] as [String: Any]
            offset += tensor.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, tensor) in tensors {
            #if _endian(little)
            out.append(UnsafeBufferPointer(start: tensor.data, count: tensor.count))
            #else
            for i in 0..<tensor.count {
                withUnsafeBytes(of: tensor.data[i].bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
            #endif
        }
        try out.write(to: url, options: .atomic)
    }
}
