import Foundation

extension NPYArray {
    /// Reads the `.npy` file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw NPYError(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, name: url.path)
    }

    /// Parses `.npy` bytes; `name` labels errors.
    public init(data: Data, name: String = "<npy>") throws {
        func fail(_ reason: String) -> NPYError { NPYError(file: name, reason: reason) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw fail("not a NumPy .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (8..<12).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 8)) }
            headerStart = 12
        default: throw fail("unsupported .npy format version \(major)")
        }
        guard headerStart + headerLength <= data.count,
              let header = String(data: data.subdata(in: headerStart..<(headerStart + headerLength)), encoding: major == 3 ? .utf8 : .isoLatin1)
        else { throw fail("header runs past the end of the file") }
        let descr = try Self.field("descr", in: header, name: name)
        let fortran = try Self.field("fortran_order", in: header, name: name)
        guard fortran.hasPrefix("False") else { throw fail("Fortran-order arrays are not supported") }
        let shape = try Self.shape(in: header, name: name)
        let count = shape.reduce(1, *)
        let body = data.subdata(in: (headerStart + headerLength)..<data.count)
        values = try Self.decode(body, descr: descr, count: count, name: name)
        self.shape = shape
    }

    private static func field(_ key: String, in header: String, name: String) throws -> String {
        guard let range = header.range(of: "'\(key)':") else { throw NPYError(file: name, reason: "header has no '\(key)'") }
        var rest = header[range.upperBound...].drop(while: { $0 == " " })
        if rest.first == "'" {
            rest = rest.dropFirst()
            return String(rest.prefix(while: { $0 != "'" }))
        }
        return String(rest.prefix(while: { $0 != "," && $0 != "}" }))
    }

    private static func shape(in header: String, name: String) throws -> [Int] {
        guard let open = header.range(of: "'shape':"), let lp = header[open.upperBound...].firstIndex(of: "("),
              let rp = header[lp...].firstIndex(of: ")") else { throw NPYError(file: name, reason: "header has no shape tuple") }
        let parts = header[header.index(after: lp)..<rp].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var dims: [Int] = []
        for p in parts {
            guard let d = Int(p), d >= 0 else { throw NPYError(file: name, reason: "shape entry '\(p)' is not a non-negative integer") }
            dims.append(d)
        }
        guard dims.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= Int(Int32.max) else {
            throw NPYError(file: name, reason: "shape \(dims) is too large")
        }
        return dims
    }

    private static func decode(_ body: Data, descr: String, count: Int, name: String) throws -> Values {
        guard descr.count >= 3, let size = Int(descr.dropFirst(2)) else { throw NPYError(file: name, reason: "unsupported dtype '\(descr)'") }
        let order = descr.first!, kind = descr.dropFirst().first!
        guard order == "<" || order == "|" || (order == "=" && 1.littleEndian == 1) else {
            throw NPYError(file: name, reason: "big-endian dtype '\(descr)' is not supported")
        }
        guard body.count >= count * size else {
            throw NPYError(file: name, reason: "holds \(body.count) data bytes, shape needs \(count * size)")
        }
        return try body.withUnsafeBytes { raw -> Values in
            func load<T: FixedWidthInteger>(_: T.Type) -> [Int64] { (0..<count).map { Int64(T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self))) } }
            switch (kind, size) {
            case ("f", 4): return .float((0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) })
            case ("f", 8): return .float((0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) })
            case ("i", 1): return .int(load(Int8.self))
            case ("i", 2): return .int(load(Int16.self))
            case ("i", 4): return .int(load(Int32.self))
            case ("i", 8): return .int(load(Int64.self))
            case ("u", 1): return .int(load(UInt8.self))
            case ("u", 2): return .int(load(UInt16.self))
            case ("u", 4): return .int(load(UInt32.self))
            default: throw NPYError(file: name, reason: "unsupported dtype '\(descr)'")
            }
        }
    }
}
