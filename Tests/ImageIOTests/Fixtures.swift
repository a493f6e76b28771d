import Foundation
import NPY

/// The parity fixtures written by scripts/fixtures/images.py from transformers + Pillow.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")

    struct Output: Decodable, Sendable {
        let config: String
        let expected: String
        let size: [Int]?
    }

    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let note: String
        let width: Int
        let height: Int
        let crc32: UInt32
        let deviation: Bool
        let decoded: String?
        let outputs: [Output]
        var testDescription: String { file }
    }

    struct Bad: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let note: String
        let reference: String
        var testDescription: String { file }
    }

    struct Manifest: Decodable, Sendable {
        let pillow: String
        let transformers: String
        let cases: [Case]
        let bad: [Bad]
    }

    /// Loaded once; a missing or unreadable manifest yields no cases, which `manifestIsComplete` reports.
    static let manifest: Manifest? = {
        guard let data = try? Data(contentsOf: root.appendingPathComponent("manifest.json")) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }()

    static var cases: [Case] { manifest?.cases ?? [] }
    static var bad: [Bad] { manifest?.bad ?? [] }

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func npy(_ relative: String) throws -> NPYArray { try NPYArray(contentsOf: url(relative)) }
}

/// zlib's CRC-32, to compare decoded pixels with the reference when the full array is not stored.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for i in 0..<256 {
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[i] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}

import Testing
