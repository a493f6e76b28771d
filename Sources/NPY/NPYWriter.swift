import Foundation

extension NPYArray {
    /// The array encoded as a version-1 `.npy` file (`<f4` for floats, `<i8` for integers).
    public func npyData() -> Data {
        let descr: String
        switch values {
        case .float: descr = "<f4"
        case .int: descr = "<i8"
        }
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        // Pad so that magic + length + header is a multiple of 64 bytes and ends with a newline.
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        switch values {
        case .float(let v): for x in v { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .int(let v): for x in v { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// Writes the array to `url` as a `.npy` file.
    public func write(to url: URL) throws { try npyData().write(to: url, options: .atomic) }
}
