import Foundation
import ImageIO

/// A self-contained HTML page of search results: thumbnails inlined as PNG data, scores beneath, no external files.
public enum Gallery {
    /// Longest side of a thumbnail in pixels.
    public static let thumbnailSide = 192

    /// A thumbnail of an image file as PNG bytes (aspect kept), or nil if the file cannot be read.
    public static func thumbnail(of url: URL, side: Int = thumbnailSide) -> Data? {
        guard let image = try? ImageDecoder().decode(contentsOf: url), image.width > 0, image.height > 0 else { return nil }
        let scale = min(1, Double(side) / Double(max(image.width, image.height)))
        let w = max(1, Int((Double(image.width) * scale).rounded())), h = max(1, Int((Double(image.height) * scale).rounded()))
        return try? image.resized(width: w, height: h, filter: .bicubic).pngData()
    }

    /// The page for `results` of the query described by `title`.
    public static func html(title: String, results: [SearchResult]) -> String {
        let cards = results.map { r -> String in
            let visual: String
            if r.item.kind == .image, let png = thumbnail(of: URL(fileURLWithPath: r.item.path)) {
                visual = "<img src=\"data:image/png;base64,\(png.base64EncodedString())\" alt=\"\(escape(r.item.path))\">"
            } else if r.item.kind == .image {
                visual = "<div class=\"missing\">image unavailable</div>"
            } else {
                visual = "<div class=\"text\">\(escape(r.item.path))</div>"
            }
            let name = r.item.kind == .image ? URL(fileURLWithPath: r.item.path).lastPathComponent : "text"
            return """
                <figure>\(visual)<figcaption><b>#\(r.rank)</b> \(escape(name))<br>
                cos \(String(format: "%.4f", r.score)) · p \(String(format: "%.4f", r.probability))
                <div class="bar"><span style="width:\(String(format: "%.1f", 100 * r.probability))%"></span></div></figcaption></figure>
                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>siglip: \(escape(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;background:#f6f6f4;color:#222}
            h1{font-size:20px;font-weight:600} .grid{display:flex;flex-wrap:wrap;gap:16px}
            figure{margin:0;width:\(thumbnailSide)px;background:#fff;border-radius:8px;padding:8px;box-shadow:0 1px 3px #0002}
            figure img{width:100%;height:160px;object-fit:contain;display:block;background:#fafafa} figcaption{font-size:12px;margin-top:6px;word-break:break-all}
            .text,.missing{height:160px;display:flex;align-items:center;justify-content:center;text-align:center;font-size:15px;background:#eef}
            .bar{height:4px;background:#eee;margin-top:4px}.bar span{display:block;height:4px;background:#3a7}
            </style></head><body>
            <h1>\(escape(title))</h1><p>\(results.count) result(s), best first. p is the model's match probability.</p>
            <div class="grid">
            \(cards.joined(separator: "\n"))
            </div></body></html>
            """
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
