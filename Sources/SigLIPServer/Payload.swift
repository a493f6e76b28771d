import Foundation
import Hummingbird

/// A request body read as JSON or `multipart/form-data` into the same named fields, so every route accepts
/// both: a JSON array corresponds to a repeated form field, a base64 string in JSON to an uploaded file.
struct Payload {
    private var json: [String: JSON] = [:]
    private var form: [String: [FormPart]] = [:]
    private let isForm: Bool

    /// Reads the body (at most `configuration.maxBody` bytes) and refuses fields outside `allowed`.
    static func read(_ request: Request, configuration: ServerConfiguration, allowed: Set<String>) async throws -> Payload {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxBody {
            throw APIError.tooLarge("request body of \(length) bytes exceeds the limit of \(configuration.maxBody)")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.maxBody)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError.tooLarge("request body exceeds the limit of \(configuration.maxBody) bytes")
        }
        let body = Data(buffer.readableBytesView)
        let contentType = request.headers[.contentType] ?? ""
        var payload: Payload
        if let boundary = Multipart.boundary(contentType: contentType) {
            payload = Payload(isForm: true)
            for part in try Multipart.parse(body, boundary: boundary) { payload.form[part.name, default: []].append(part) }
        } else if contentType.lowercased().hasPrefix("application/json") || contentType.isEmpty {
            payload = Payload(isForm: false)
            guard case .object(let dictionary)? = try? JSONDecoder().decode(JSON.self, from: body) else {
                throw APIError.badRequest("the body must be a JSON object")
            }
            payload.json = dictionary
        } else {
            throw APIError(.unsupportedMediaType, "send application/json or multipart/form-data")
        }
        let unknown = payload.keys.subtracting(allowed)
        if let field = unknown.sorted().first { throw APIError.badRequest("unknown field '\(field.prefix(64))'") }
        return payload
    }

    private init(isForm: Bool) { self.isForm = isForm }

    private var keys: Set<String> { Set(isForm ? Array(form.keys) : Array(json.keys)) }

    /// A string field, or nil when absent.
    func string(_ key: String) throws -> String? {
        if isForm {
            guard let parts = form[key] else { return nil }
            guard parts.count == 1 else { throw APIError.badRequest("'\(key)' must be given once") }
            return parts[0].text
        }
        guard let value = json[key], value != .null else { return nil }
        guard case .string(let string) = value else { throw APIError.badRequest("'\(key)' must be a string") }
        return string
    }

    /// An array of strings (repeated form fields), or [] when absent.
    func strings(_ key: String) throws -> [String] {
        if isForm { return (form[key] ?? []).map(\.text) }
        guard let value = json[key], value != .null else { return [] }
        guard case .array(let array) = value else { throw APIError.badRequest("'\(key)' must be an array of strings") }
        return try array.map {
            guard case .string(let s) = $0 else { throw APIError.badRequest("'\(key)' must be an array of strings") }
            return s
        }
    }

    /// An integer field, or nil when absent.
    func integer(_ key: String) throws -> Int? {
        if isForm {
            guard let text = try string(key) else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw APIError.badRequest("'\(key)' must be an integer") }
            return value
        }
        guard let value = json[key], value != .null else { return nil }
        guard case .number(let number) = value, number.rounded() == number, abs(number) < 1e15, let int = Int(exactly: number) else {
            throw APIError.badRequest("'\(key)' must be an integer")
        }
        return int
    }

    /// An array of finite numbers, or nil when absent.
    func numbers(_ key: String) throws -> [Float]? {
        if isForm {
            guard let text = try string(key) else { return nil }
            guard case .array(let array)? = try? JSONDecoder().decode(JSON.self, from: Data(text.utf8)) else {
                throw APIError.badRequest("'\(key)' must be a JSON array of numbers")
            }
            return try Self.floats(array, key)
        }
        guard let value = json[key], value != .null else { return nil }
        guard case .array(let array) = value else { throw APIError.badRequest("'\(key)' must be an array of numbers") }
        return try Self.floats(array, key)
    }

    private static func floats(_ array: [JSON], _ key: String) throws -> [Float] {
        try array.map { element in
            guard case .number(let number) = element, number.isFinite, abs(number) <= Double(Float.greatestFiniteMagnitude) else {
                throw APIError.badRequest("'\(key)' must be an array of finite numbers")
            }
            return Float(number)
        }
    }

    /// Image bytes: uploaded files in a form, base64 strings (optionally a data: URL) in JSON.
    func images(_ key: String) throws -> [Data] {
        if isForm { return (form[key] ?? []).map(\.data) }
        guard let value = json[key], value != .null else { return [] }
        let strings: [String]
        switch value {
        case .string(let one): strings = [one]
        case .array: strings = try self.strings(key)
        default: throw APIError.badRequest("'\(key)' must be base64 image data")
        }
        return try strings.enumerated().map { i, string in
            var encoded = Substring(string)
            if encoded.hasPrefix("data:"), let comma = encoded.firstIndex(of: ",") { encoded = encoded[encoded.index(after: comma)...] }
            guard let data = Data(base64Encoded: String(encoded), options: .ignoreUnknownCharacters), !data.isEmpty else {
                throw APIError.badRequest("\(key)[\(i)] is not valid base64 image data")
            }
            return data
        }
    }
}

/// Any JSON value, decoded with its type kept (a boolean is never taken for a number).
enum JSON: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let n = try? container.decode(Double.self) { self = .number(n) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([JSON].self) { self = .array(a) }
        else { self = .object(try container.decode([String: JSON].self)) }
    }
}
