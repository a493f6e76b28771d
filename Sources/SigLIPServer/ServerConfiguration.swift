import Foundation

/// Everything `siglip serve` is told on its command line.
public struct ServerConfiguration: Sendable {
    /// The checkpoint directory.
    public var model: URL
    /// For a SigLIP 2 NaFlex checkpoint: the most patches an image is fitted into (nil: the checkpoint's
    /// `max_num_patches`); refused for other families.
    public var maxNumPatches: Int?
    /// The index directory, or nil to serve without search and index routes.
    public var index: URL?
    /// A linear probe directory (`siglip probe train`) served at `POST /v1/probe`, or nil for none.
    public var probe: URL?
    /// The only directory whose files `POST /v1/index` may add by path; nil refuses server-side paths.
    public var root: URL?
    /// The address to bind (loopback unless told otherwise).
    public var host = "127.0.0.1"
    /// The port to bind; 0 picks a free one.
    public var port = 8080
    /// The bearer token every route but `/healthz` and `/` requires, or nil for none.
    public var apiKey: String?
    /// The most inputs run through the model in one batch.
    public var maxBatch = 16
    /// How long the first request of a batch waits for others to join it, in milliseconds.
    public var maxWaitMilliseconds = 5
    /// The most inputs waiting for the model; beyond it requests get 503 with Retry-After.
    public var maxQueue = 256
    /// The largest request body in bytes (413 beyond).
    public var maxBody = 16 << 20
    /// The largest decoded image in pixels (413 beyond).
    public var maxPixels = 40_000_000
    /// The most labels one classify request may carry.
    public var maxLabels = 256
    /// The most texts or images one request may carry.
    public var maxInputs = 64
    /// The longest text in characters.
    public var maxTextLength = 2048
    /// The largest k a search may ask for.
    public var maxK = 1000
    /// How long a connection may stay idle (or trickle nothing) before it is closed, in seconds.
    public var idleTimeoutSeconds = 30

    /// A configuration serving `model` with defaults for everything else.
    public init(model: URL) {
        self.model = model
    }
}
