/// Why an image could not be read; every case names the file (or "<data>" for bytes in memory).
public enum ImageIOError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read from disk.
    case unreadable(file: String, reason: String)
    /// The bytes are empty or match no supported format.
    case unsupportedFormat(file: String, detected: String)
    /// The decoder rejected the bytes (corrupt or truncated).
    case corrupt(file: String, format: ImageFormat, reason: String)
    /// The image has more pixels than the configured limit (a decompression bomb guard).
    case tooLarge(file: String, width: Int, height: Int, limit: Int)

    /// A one-line message naming the file.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read file: \(reason)"
        case let .unsupportedFormat(file, detected):
            return "\(file): not a supported image (\(detected)); expected JPEG, PNG, WebP or GIF"
        case let .corrupt(file, format, reason):
            return "\(file): corrupt or truncated \(format.rawValue) image: \(reason)"
        case let .tooLarge(file, width, height, limit):
            return "\(file): image of \(width)x\(height) pixels exceeds the limit of \(limit) pixels"
        }
    }
}
