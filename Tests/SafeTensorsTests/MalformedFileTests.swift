import Foundation
import Testing
import SafeTensors

/// A scratch directory for hand-made files, removed when the test ends.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes a safetensors file from a header string and data bytes, with `headerLength` overriding the prefix.
    @discardableResult
    func file(_ name: String = "model.safetensors", header: String, data: [UInt8] = [], headerLength: UInt64? = nil) throws -> URL {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (headerLength ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + data
        let f = url.appendingPathComponent(name)
        try Data(bytes).write(to: f)
        return f
    }
}

/// The error a closure throws, which must be a SafeTensorsError.
func safetensorsError(_ body: () throws -> Void) -> SafeTensorsError? {
    do { try body() } catch let e as SafeTensorsError { return e } catch { Issue.record("unexpected error \(error)") }
    return nil
}

@Suite("Malformed safetensors files are refused with the file and tensor named")
struct MalformedFileTests {
    let scratch: Scratch
    init() throws { scratch = try Scratch() }

    @Test func headerLengthPastEndOfFile() throws {
        let f = try scratch.file(header: "{}", headerLength: 1_000)
        let e = safetensorsError { _ = try SafeTensorsFile(url: f) }
        #expect(e?.file == f)
        #expect(e?.reason.contains("past the end") == true)
    }

    @Test func fileShorterThanTheLengthPrefix() throws {
        let f = scratch.url.appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: f)
        #expect(safetensorsError { _ = try SafeTensorsFile(url: f) }?.reason.contains("too short") == true)
    }

    @Test func invalidJSON() throws {
        let f = try scratch.file(header: "{\"w\": {\"dtype\": ")
        #expect(safetensorsError { _ = try SafeTensorsFile(url: f) }?.reason.contains("not valid JSON") == true)
    }

    @Test func headerThatIsNotAnObject() throws {
        let f = try scratch.file(header: "[1, 2]")
        #expect(safetensorsError { _ = try SafeTensorsFile(url: f) }?.reason.contains("not a JSON object") == true)
    }

    @Test func unknownDType() throws {
        let f = try scratch.file(header: #"{"w": {"dtype": "F12", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        let e = safetensorsError { _ = try SafeTensorsFile(url: f) }
        #expect(e?.tensor == "w")
        #expect(e?.reason.contains("unknown dtype 'F12'") == true)
    }

    @Test func offsetsOutOfRange() throws {
        let f = try scratch.file(header: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0])
        let e = safetensorsError { _ = try SafeTensorsFile(url: f) }
        #expect(e?.tensor == "w")
        #expect(e?.reason.contains("outside") == true)
    }

    @Test func reversedOffsets() throws {
        let f = try scratch.file(header: #"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}}"#, data: [0, 0, 0, 0])
        #expect(safetensorsError { _ = try SafeTensorsFile(url: f) }?.tensor == "w")
    }

    @Test func byteCountDiffersFromShape() throws {
        let f = try scratch.file(header: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8))
        let e = safetensorsError { _ = try SafeTensorsFile(url: f) }
        #expect(e?.tensor == "w")
        #expect(e?.reason.contains("holds 8 bytes but shape [3] of F32 needs 12") == true)
    }

    @Test func overlappingTensors() throws {
        let header = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        let f = try scratch.file(header: header, data: Array(repeating: 0, count: 12))
        let e = safetensorsError { _ = try SafeTensorsFile(url: f) }
        #expect(e?.tensor == "b")
        #expect(e?.reason.contains("overlaps tensor 'a'") == true)
    }

    @Test func negativeOrNonIntegerShape() throws {
        for shape in ["[-1]", "[1.5]", "\"x\"", "[true]"] {
            let f = try scratch.file(header: #"{"w": {"dtype": "F32", "shape": \#(shape), "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
            #expect(safetensorsError { _ = try SafeTensorsFile(url: f) }?.reason.contains("shape is not") == true, "shape \(shape)")
        }
    }

    @Test func shapeWhoseSizeOverflows() throws {
        let f = try scratch.file(header: #"{"w": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        #expect(safetensorsError { _ = try SafeTensorsFile(url: f) }?.reason.contains("too large") == true)
    }

    @Test func missingTensorInACheckpoint() throws {
        try scratch.file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        let checkpoint = try Checkpoint(directory: scratch.url)
        let e = safetensorsError { _ = try checkpoint.tensor(named: "text_model.head.weight") }
        #expect(e?.tensor == "text_model.head.weight")
        #expect(e?.reason.contains("missing") == true)
    }

    @Test func wrongShapeForTheConfig() throws {
        try scratch.file(header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        let e = safetensorsError { _ = try Checkpoint(directory: scratch.url).tensor(named: "w", shape: [2]) }
        #expect(e?.tensor == "w")
        #expect(e?.reason.contains("has shape [1] but the config implies [2]") == true)
    }

    @Test func integerTensorAsAWeight() throws {
        let f = try scratch.file(header: #"{"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#, data: Array(repeating: 0, count: 8))
        let e = safetensorsError { _ = try SafeTensorsFile(url: f).tensor(named: "ids") }
        #expect(e?.reason.contains("not a floating-point weight type") == true)
    }

    @Test func directoryWithoutWeights() throws {
        let e = safetensorsError { _ = try Checkpoint(directory: scratch.url) }
        #expect(e?.reason.contains("no model.safetensors") == true)
    }

    @Test func indexNamingAMissingShardOrTensor() throws {
        try scratch.file("shard-1.safetensors", header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0])
        let index = scratch.url.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"a": "shard-1.safetensors", "b": "shard-1.safetensors"}}"#.utf8).write(to: index)
        let e = safetensorsError { _ = try Checkpoint(directory: scratch.url) }
        #expect(e?.tensor == "b")
        #expect(e?.reason.contains("not in this shard") == true)

        try Data(#"{"weight_map": {"a": "shard-2.safetensors"}}"#.utf8).write(to: index)
        #expect(safetensorsError { _ = try Checkpoint(directory: scratch.url) }?.file.lastPathComponent == "shard-2.safetensors")

        try Data(#"{"weight_map": {"a": "../../etc/passwd"}}"#.utf8).write(to: index)
        #expect(safetensorsError { _ = try Checkpoint(directory: scratch.url) }?.reason.contains("not a plain file name") == true)

        try Data("not json".utf8).write(to: index)
        #expect(safetensorsError { _ = try Checkpoint(directory: scratch.url) }?.file == index)
    }
}
