import Foundation

extension SafeTensorsFile {
    /// Parses and checks the JSON header against a data section of `dataSize` bytes.
    static func parseHeader(_ header: Data, dataSize: Int, url: URL) throws -> (entries: [String: Entry], metadata: [String: String]) {
        let fields: [String: HeaderField]
        do {
            fields = try JSONDecoder().decode([String: HeaderField].self, from: header)
        } catch DecodingError.typeMismatch {
            throw SafeTensorsError(file: url, reason: "header is not a JSON object")
        } catch {
            throw SafeTensorsError(file: url, reason: "header is not valid JSON")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, field) in fields {
            if name == "__metadata__" {
                guard let strings = field.strings else { throw SafeTensorsError(file: url, reason: "__metadata__ is not a map of strings") }
                metadata = strings
                continue
            }
            entries[name] = try parseEntry(field, name: name, dataSize: dataSize, url: url)
        }
        try checkNoOverlap(entries, url: url)
        return (entries, metadata)
    }

    private static func parseEntry(_ field: HeaderField, name: String, dataSize: Int, url: URL) throws -> Entry {
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(file: url, tensor: name, reason: reason) }
        guard field.isObject else { throw fail("header entry is not an object") }
        guard let dtypeName = field.dtype else { throw fail("missing or non-string dtype") }
        guard let dtype = DType(rawValue: dtypeName) else { throw fail("unknown dtype '\(dtypeName)'") }
        guard let shape = field.shape, shape.allSatisfy({ $0 >= 0 }) else {
            throw fail("shape is not a list of non-negative integers")
        }
        guard let offsets = field.offsets, offsets.count == 2 else {
            throw fail("data_offsets is not a pair of integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw fail("data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data section")
        }
        var expected = dtype.size
        for d in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("shape \(shape) is too large") }
            expected = product
        }
        guard end - begin == expected else {
            throw fail("holds \(end - begin) bytes but shape \(shape) of \(dtypeName) needs \(expected)")
        }
        return Entry(dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    private static func checkNoOverlap(_ entries: [String: Entry], url: URL) throws {
        let sorted = entries.filter { !$0.value.byteRange.isEmpty }.sorted { $0.value.byteRange.lowerBound < $1.value.byteRange.lowerBound }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.value.byteRange.lowerBound < previous.value.byteRange.upperBound {
            throw SafeTensorsError(file: url, tensor: next.key, reason: "data overlaps tensor '\(previous.key)'")
        }
    }

}

/// One value of the header object, decoded leniently so that each problem gets its own message.
struct HeaderField: Decodable {
    var isObject = false
    var dtype: String?
    var shape: [Int]?
    var offsets: [Int]?
    var strings: [String: String]?

    private enum Keys: String, CodingKey { case dtype, shape, data_offsets }

    init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: Keys.self) {
            isObject = true
            dtype = try? c.decode(String.self, forKey: .dtype)
            shape = try? c.decode([Int].self, forKey: .shape)
            offsets = try? c.decode([Int].self, forKey: .data_offsets)
        }
        strings = try? decoder.singleValueContainer().decode([String: String].self)
    }
}
