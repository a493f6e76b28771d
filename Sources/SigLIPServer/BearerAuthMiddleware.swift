import Crypto
import Foundation
import Hummingbird

/// Requires `Authorization: Bearer <key>` on every route but the open ones, comparing in constant time.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    /// SHA-256 of the key: comparing fixed-size digests takes the same time whatever the guess's length.
    private let digest: [UInt8]
    /// Route templates served without a key.
    let open: Set<String>

    init(key: String, open: Set<String>) {
        digest = Array(SHA256.hash(data: Data(key.utf8)))
        self.open = open
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let path = context.endpointPath, open.contains(path) { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let token = header.hasPrefix(prefix) ? String(header.dropFirst(prefix.count)) : ""
        guard Self.equal(Array(SHA256.hash(data: Data(token.utf8))), digest), !token.isEmpty else {
            var response = APIError.response(status: .unauthorized, message: "missing or wrong API key")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Compares every byte, so the time does not reveal where the first difference is.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
