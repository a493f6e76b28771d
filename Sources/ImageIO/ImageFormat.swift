/// The container formats the decoder recognises from their leading bytes.
public enum ImageFormat: String, Sendable, CaseIterable {
    /// JPEG/JFIF/EXIF (SOI marker `FF D8 FF`).
    case jpeg = "JPEG"
    /// PNG (8-byte signature).
    case png = "PNG"
    /// WebP (RIFF container with a `WEBP` form type).
    case webp = "WebP"
    /// GIF87a / GIF89a.
    case gif = "GIF"

    /// Detects the format from the first bytes of a file, ignoring any file name.
    public static func detect<Bytes: Collection>(_ bytes: Bytes) -> ImageFormat? where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(16))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        return nil
    }

    /// A short human description of unrecognised bytes, for error messages.
    static func describeUnknown<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if bytes.isEmpty { return "empty file" }
        let head = Array(bytes.prefix(4))
        return "unknown signature " + head.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
    }
}
