import Foundation

/// One part of a `multipart/form-data` body.
struct FormPart: Sendable {
    /// The form field's name.
    let name: String
    /// The uploaded file's name, if the part is a file.
    let filename: String?
    /// The part's bytes.
    let data: Data

    /// The part as UTF-8 text.
    var text: String { String(decoding: data, as: UTF8.self) }
}

/// A strict `multipart/form-data` reader (RFC 7578): a missing boundary, a part without headers or a name,
/// or a body that ends before the closing delimiter is a 400, never a partial result.
enum Multipart {
    /// The boundary from a Content-Type header, if it is multipart/form-data.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = String(piece.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    /// The parts of `body` delimited by `boundary`.
    static func parse(_ body: Data, boundary: String) throws -> [FormPart] {
        let delimiter = Data("--\(boundary)".utf8)
        let bytes = [UInt8](body)
        guard var cursor = find(Array(delimiter), in: bytes, from: 0) else { throw APIError.badRequest("multipart body has no boundary") }
        var parts: [FormPart] = []
        let separator = Array("\r\n".utf8) + Array(delimiter)
        while true {
            cursor += delimiter.count
            if bytes.count >= cursor + 2, bytes[cursor] == UInt8(ascii: "-"), bytes[cursor + 1] == UInt8(ascii: "-") { return parts }
            guard bytes.count >= cursor + 2, bytes[cursor] == 13, bytes[cursor + 1] == 10 else {
                throw APIError.badRequest("multipart body is truncated or malformed")
            }
            cursor += 2
            guard let headerEnd = find(Array("\r\n\r\n".utf8), in: bytes, from: cursor) else {
                throw APIError.badRequest("multipart part has no header end")
            }
            let headers = String(decoding: bytes[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(separator, in: bytes, from: contentStart) else {
                throw APIError.badRequest("multipart body is truncated (no closing boundary)")
            }
            let (name, filename) = try disposition(headers)
            parts.append(FormPart(name: name, filename: filename, data: Data(bytes[contentStart..<next])))
            cursor = next + 2
            if parts.count > 1024 { throw APIError.badRequest("too many multipart parts") }
        }
    }

    /// The `name` and `filename` of a part's Content-Disposition header.
    private static func disposition(_ headers: String) throws -> (String, String?) {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            var name: String?, filename: String?
            for field in line.split(separator: ";").dropFirst() {
                let pair = field.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                var value = String(pair[1])
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                switch pair[0].lowercased() {
                case "name": name = value
                case "filename": filename = value
                default: break
                }
            }
            if let name { return (name, filename) }
        }
        throw APIError.badRequest("multipart part has no Content-Disposition name")
    }

    /// The first index at or after `start` where `needle` occurs in `haystack`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
