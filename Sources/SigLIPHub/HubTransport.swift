import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A network failure below HTTP (refused, reset, timed out), as opposed to an answer the Hub gave.
struct TransportFailure: Error, CustomStringConvertible {
    let url: String
    let underlying: any Error
    var description: String { "\(url): \(underlying)" }
}

/// HTTP to the Hub and its file CDN with huggingface_hub's rules: redirects are followed by hand so a HEAD can
/// stop at the Hub's own answer (which carries the file's etag and size), and the token is never sent to
/// another host.
struct HubTransport {
    let client: HTTPClient
    let token: String?
    /// The Hub's scheme, host and port: the only place the token is sent (a CDN URL named by a redirect is not).
    let hub: String


    /// Runs `body` with a client that is shut down afterwards, however `body` ends.
    static func with<T: Sendable>(token: String?, endpoint: String, _ body: (HubTransport) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(15), read: .seconds(60)))
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(HubTransport(client: client, token: token, hub: URL(string: endpoint).map(authority) ?? endpoint))
            try? await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// A response and the URL that gave it (after the redirects followed).
    struct Answer {
        let response: HTTPClientResponse
        let url: String
        var status: Int { Int(response.status.code) }
        func header(_ name: String) -> String? { response.headers.first(name: name) }
    }

    /// Sends `method` to `url`, following relative redirects always and absolute ones only when `followAbsolute`
    /// (a HEAD for metadata must see the Hub's redirect to the CDN, not the CDN's answer). The bearer token goes
    /// only to the Hub's own host, never to a CDN, whether its URL came from a redirect or is asked for directly.
    func send(_ method: HTTPMethod, _ url: String, headers extra: [(String, String)] = [], followAbsolute: Bool) async throws -> Answer {
        var current = url
        for _ in 0..<10 {
            var request = HTTPClientRequest(url: current)
            request.method = method
            request.headers.add(name: "User-Agent", value: "swift-siglip")
            for (name, value) in extra { request.headers.add(name: name, value: value) }
            if let token, let here = URL(string: current), Self.authority(here) == hub {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
            let response: HTTPClientResponse
            do {
                // The read timeout bounds every stall; the overall deadline only guards against a server that
                // trickles forever.
                response = try await client.execute(request, timeout: .hours(12))
            } catch {
                throw TransportFailure(url: current, underlying: error)
            }
            let status = Int(response.status.code)
            guard (300..<400).contains(status), let location = response.headers.first(name: "Location"),
                  let next = URL(string: location, relativeTo: URL(string: current))?.absoluteURL else {
                return Answer(response: response, url: current)
            }
            let relative = URL(string: location)?.host == nil
            guard relative || followAbsolute else { return Answer(response: response, url: current) }
            _ = try? await response.body.collect(upTo: 1 << 20)
            current = next.absoluteString
        }
        throw HubError("\(url): more than 10 redirects")
    }

    /// Host and port, so a token for the Hub never reaches a CDN on another host.
    static func authority(_ url: URL) -> String { "\(url.scheme ?? "")://\(url.host ?? ""):\(url.port ?? -1)" }
}

/// The error for a Hub answer that is not a success, naming what was asked for and what to do about it.
func statusError(_ answer: HubTransport.Answer, repo: RepoReference, what: String, hasToken: Bool) -> HubError {
    let code = answer.header("X-Error-Code") ?? ""
    switch (answer.status, code) {
    case (_, "GatedRepo"), (403, _):
        return HubError("\(repo): access to \(what) refused (\(answer.status)): the repository is gated or private; accept its terms on the Hub and set HF_TOKEN to a token with access")
    case (401, _):
        return HubError(hasToken
            ? "\(repo): HF_TOKEN was refused (401) for \(what): the token is invalid or lacks access to this repository"
            : "\(repo): \(what) needs authentication (401): the repository is gated, private or does not exist; set HF_TOKEN to a token with access")
    case (_, "RevisionNotFound"):
        return HubError("\(repo): revision '\(repo.revision)' not found (404)")
    case (404, "EntryNotFound"), (404, _) where what != "the repository":
        return HubError("\(repo): \(what) not found at revision '\(repo.revision)' (404)")
    case (404, _):
        return HubError("\(repo): repository or revision '\(repo.revision)' not found (404)")
    default:
        return HubError("\(repo): \(what): the server answered \(answer.status) from \(answer.url)")
    }
}
