import Foundation

/// Grouped bar charts as inline SVG: one group per category, one bar per series, values in 0...1.
struct SVGChart {
    /// Series colours (colour-blind-safe Okabe–Ito order).
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

    /// Vertical grouped bars: `values[category][series]` (nil: no bar), labelled with percentages.
    static func columns(categories: [String], series: [String], values: [[Double?]], title: String) -> String {
        let bar = 22, gap = 18, height = 180, top = 30, bottom = 40, left = 40
        let groupWidth = max(series.count, 1) * bar + gap
        let width = left + max(categories.count, 1) * groupWidth + 10
        var svg = header(width: width, height: top + height + bottom, title: title)
        svg += axis(left: left, top: top, height: height, width: width)
        for (c, category) in categories.enumerated() {
            let x0 = left + gap / 2 + c * groupWidth
            for (s, value) in values[c].enumerated() {
                guard let value else { continue }
                let h = Int((min(max(value, 0), 1) * Double(height)).rounded())
                let x = x0 + s * bar
                svg += "<rect x=\"\(x)\" y=\"\(top + height - h)\" width=\"\(bar - 2)\" height=\"\(h)\" fill=\"\(colour(s))\">"
                svg += "<title>\(HTML.escape(series[s])): \(percent(value))</title></rect>"
                svg += "<text x=\"\(x + bar / 2 - 1)\" y=\"\(top + height - h - 3)\" font-size=\"9\" text-anchor=\"middle\">\(percent(value, digits: 0))</text>"
            }
            svg += "<text x=\"\(x0 + (groupWidth - gap) / 2)\" y=\"\(top + height + 16)\" font-size=\"11\" text-anchor=\"middle\">\(HTML.escape(category))</text>"
        }
        return svg + legend(series, x: left, y: top + height + 32) + "</svg>"
    }

    /// Horizontal grouped bars, one row group per category: for long category lists (per-class accuracy).
    static func rows(categories: [String], series: [String], values: [[Double?]], title: String) -> String {
        let bar = 9, gap = 6, left = 170, plot = 360, top = 30
        let groupHeight = max(series.count, 1) * bar + gap
        let height = top + max(categories.count, 1) * groupHeight + 30
        var svg = header(width: left + plot + 60, height: height, title: title)
        for (c, category) in categories.enumerated() {
            let y0 = top + c * groupHeight
            let name = category.count > 26 ? String(category.prefix(25)) + "…" : category
            svg += "<text x=\"\(left - 6)\" y=\"\(y0 + groupHeight / 2 + 2)\" font-size=\"11\" text-anchor=\"end\">\(HTML.escape(name))</text>"
            for (s, value) in values[c].enumerated() {
                guard let value else { continue }
                let w = Int((min(max(value, 0), 1) * Double(plot)).rounded())
                svg += "<rect x=\"\(left)\" y=\"\(y0 + s * bar)\" width=\"\(w)\" height=\"\(bar - 1)\" fill=\"\(colour(s))\">"
                svg += "<title>\(HTML.escape(category)) — \(HTML.escape(series[s])): \(percent(value))</title></rect>"
                svg += "<text x=\"\(left + w + 3)\" y=\"\(y0 + s * bar + bar - 1)\" font-size=\"8\">\(percent(value, digits: 0))</text>"
            }
        }
        svg += "<line x1=\"\(left)\" y1=\"\(top - 4)\" x2=\"\(left)\" y2=\"\(height - 28)\" stroke=\"#888\"/>"
        return svg + legend(series, x: left, y: height - 12) + "</svg>"
    }

    static func colour(_ s: Int) -> String { colours[s % colours.count] }

    static func percent(_ v: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f%%", v * 100) }

    private static func header(width: Int, height: Int, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" role=\"img\">"
            + "<title>\(HTML.escape(title))</title><text x=\"4\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>"
    }

    private static func axis(left: Int, top: Int, height: Int, width: Int) -> String {
        var s = ""
        for tick in stride(from: 0, through: 100, by: 25) {
            let y = top + height - tick * height / 100
            s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 10)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(left - 4)\" y=\"\(y + 3)\" font-size=\"9\" text-anchor=\"end\">\(tick)%</text>"
        }
        return s
    }

    private static func legend(_ series: [String], x: Int, y: Int) -> String {
        var s = "", offset = x
        for (i, name) in series.enumerated() {
            s += "<rect x=\"\(offset)\" y=\"\(y - 8)\" width=\"10\" height=\"10\" fill=\"\(colour(i))\"/>"
            s += "<text x=\"\(offset + 14)\" y=\"\(y + 1)\" font-size=\"11\">\(HTML.escape(name))</text>"
            offset += 24 + 7 * name.count
        }
        return s
    }
}

/// HTML text helpers.
enum HTML {
    /// `text` safe inside an element or a quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
