import Foundation
import Hummingbird
import Logging

/// An error answered to the client as `{"error": {"status": N, "message": "..."}}`; the message never holds
/// a file system path or a stack trace.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// What went wrong, for the client.
    public let message: String
    /// Seconds after which the client may retry (sent as Retry-After).
    public var retryAfter: Int?

    /// An error with a status and a client-facing message.
    public init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    /// 400 Bad Request.
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    /// 413 Content Too Large.
    static func tooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, message) }
    /// 503 with Retry-After: the queue is full or the server is stopping.
    static func overloaded(_ message: String) -> APIError { APIError(.serviceUnavailable, message, retryAfter: 1) }

    /// The JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.response(status: status, message: message, retryAfter: retryAfter)
    }

    /// A JSON error response for any status and message.
    static func response(status: HTTPResponse.Status, message: String, retryAfter: Int? = nil) -> Response {
        let body: [String: Any] = ["error": ["status": status.code, "message": message]]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error a route throws into a JSON body: ours as they are, the framework's with their status,
/// anything else as a 500 whose details go to the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.response(for: error, logger: context.logger)
        }
    }

    /// The `{"error": ...}` response for an error a handler threw.
    static func response(for error: Error, logger: Logger) -> Response {
        switch error {
        case let error as APIError:
            return APIError.response(status: error.status, message: error.message, retryAfter: error.retryAfter)
        case let error as HTTPError:
            let message = error.status == .notFound ? "no such route" : (error.body ?? error.status.reasonPhrase)
            return APIError.response(status: error.status, message: message)
        case let error as any HTTPResponseError:
            return APIError.response(status: error.status, message: error.status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error": "\(error)"])
            return APIError.response(status: .internalServerError, message: "internal error")
        }
    }
}
