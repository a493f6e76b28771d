import Foundation
import Testing
import SafeTensors
import Tensor

@Suite("Weights are widened to Float32 exactly")
struct DTypeTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    /// Reads `bits` (little-endian UInt16 values) stored as `dtype`.
    func widen(_ bits: [UInt16], as dtype: String) throws -> [Float] {
        var data: [UInt8] = []
        for b in bits { data += [UInt8(b & 0xff), UInt8(b >> 8)] }
        let header = #"{"w": {"dtype": "\#(dtype)", "shape": [\#(bits.count)], "data_offsets": [0, \#(data.count)]}}"#
        return try SafeTensorsFile(url: try scratch.file(header: header, data: data)).tensor(named: "w").scalars
    }

    @Test func halfPrecision() throws {
        // IEEE 754 binary16: 1, -2, 65504 (largest), 2^-14 (smallest normal), 2^-24 (smallest subnormal), +inf, -0.
        let v = try widen([0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0001, 0x7C00, 0x8000], as: "F16")
        #expect(v[0..<5] == [1, -2, 65504, 0x1p-14, 0x1p-24])
        #expect(v[5] == .infinity)
        #expect(v[6] == 0 && v[6].sign == .minus)
        #expect(try widen([0x7E00], as: "F16")[0].isNaN)
    }

    @Test func bfloat16() throws {
        // bfloat16 is the top half of a binary32: 1, -2, π rounded (0x4049), the largest finite value.
        let v = try widen([0x3F80, 0xC000, 0x4049, 0x7F7F], as: "BF16")
        #expect(v == [1, -2, 3.140625, Float(bitPattern: 0x7F7F_0000)])
    }

    @Test func float32UnalignedIsCopiedCorrectly() throws {
        // A 3-byte header puts the data at offset 11, which is not 4-byte aligned.
        var data: [UInt8] = []
        for x: Float in [1.5, -0.25] { withUnsafeBytes(of: x.bitPattern.littleEndian) { data += $0 } }
        let header = #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#
        let padded = header + String(repeating: " ", count: (8 - (8 + header.utf8.count) % 8) % 8 + 3)
        let f = try scratch.file(header: padded, data: data)
        #expect(try SafeTensorsFile(url: f).tensor(named: "w").scalars == [1.5, -0.25])
    }

    @Test func writerRoundTrip() throws {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5])
        let b = Tensor(shape: [1], values: [0.125])
        let f = scratch.url.appendingPathComponent("out.safetensors")
        try SafeTensorsWriter.write([("a", a), ("b", b)], metadata: ["format": "pt"], to: f)
        let file = try SafeTensorsFile(url: f)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.entries["a"]?.shape == [2, 3])
        #expect(try file.tensor(named: "a").scalars == a.scalars)
        #expect(try file.tensor(named: "b").scalars == [0.125])
        let headerLength = try Data(contentsOf: f).prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect((8 + headerLength) % 8 == 0, "data section must start 8-byte aligned")
    }
}
