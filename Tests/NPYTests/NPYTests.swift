import Foundation
import Testing
import NPY

@Suite("NumPy .npy files")
struct NPYTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/tiny-siglip/expected")

    @Test func readsFilesNumPyWrote() throws {
        let ids = try NPYArray(contentsOf: Self.fixtures.appendingPathComponent("input_ids.npy"))
        #expect(ids.shape == [4, 64])
        #expect(ids.integers?.count == 256)
        // The fixture script pads every row with id 1 after 3 + 2·row ids.
        #expect(ids.integers?[63] == 1 && ids.integers?[255] == 1)
        let pixels = try NPYArray(contentsOf: Self.fixtures.appendingPathComponent("pixel_values.npy"))
        #expect(pixels.shape == [3, 3, 32, 32])
        #expect(pixels.floats.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func roundTrip() throws {
        for array in [NPYArray(shape: [2, 3], values: .float([1, -2, 3.5, 0, 1e-8, 7])), NPYArray(shape: [4], values: .int([1, -5, 1 << 40, 0])),
                      NPYArray(shape: [], values: .float([2]))] {
            let back = try NPYArray(data: array.npyData())
            #expect(back == array)
            let payload = array.floats.count * (array.integers == nil ? 4 : 8)
            #expect((array.npyData().count - payload) % 64 == 0, "header must pad the data to a 64-byte boundary")
        }
    }

    @Test func refusesWhatItCannotRead() {
        func error(_ bytes: [UInt8]) -> String? {
            do { _ = try NPYArray(data: Data(bytes)); return nil } catch { return "\(error)" }
        }
        func npy(_ header: String, body: [UInt8] = []) -> [UInt8] {
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + body
        }
        #expect(error(Array("hello".utf8))?.contains("bad magic") == true)
        #expect(error(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", body: [0, 0, 0, 0]))?.contains("Fortran") == true)
        #expect(error(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", body: [0, 0, 0, 0]))?.contains("big-endian") == true)
        #expect(error(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", body: Array(repeating: 0, count: 8)))?.contains("unsupported dtype") == true)
        #expect(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", body: [0, 0, 0, 0]))?.contains("needs 12") == true)
        #expect(error(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }"))?.contains("non-negative") == true)
        #expect(error([0x93] + Array("NUMPY".utf8) + [1, 0, 200, 0])?.contains("past the end") == true)
    }
}
