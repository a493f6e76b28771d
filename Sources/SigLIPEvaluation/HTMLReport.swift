import Foundation
import ImageIO

extension EvaluationReport {
    /// A self-contained HTML page: headline bar charts per model, per-class accuracy, confusion matrices, example
    /// rows with inline thumbnails, and the unreadable files. Every dataset or model string is escaped.
    public func html(thumbnailSide: Int = 64) -> String {
        let names = seriesNames
        var body = "<h1>siglip eval</h1>\n<p>" + HTML.escape(describeDataset) + "</p>\n"
        if !failures.isEmpty {
            body += "<h2>Models not evaluated</h2>\n<ul>\n"
            for f in failures { body += "<li>" + HTML.escape(f.model) + ": " + HTML.escape(f.error) + "</li>\n" }
            body += "</ul>\n"
        }
        guard !models.isEmpty else { return page(body) }
        body += summaryTable(names)
        body += headlineChart(names)
        if let first = models.first?.zeroShot, models.allSatisfy({ $0.zeroShot != nil }) {
            let shown = Array(first.perClass.indices.prefix(Self.maxClassesShown))
            let values = shown.map { c in models.map { $0.zeroShot?.perClass[c].top1 } }
            body += "<h2>Per-class top-1 accuracy</h2>\n"
            if first.perClass.count > shown.count { body += "<p>The first \(shown.count) of \(first.perClass.count) classes.</p>\n" }
            body += SVGChart.rows(categories: shown.map { first.perClass[$0].name }, series: names, values: values,
                                  title: "Top-1 per class") + "\n"
        }
        var thumbnails = Thumbnails(side: thumbnailSide)
        for (m, model) in models.enumerated() {
            body += "<h2>" + HTML.escape(names[m]) + "</h2>\n<p class=\"path\">" + HTML.escape(model.model) + "</p>\n"
            if let z = model.zeroShot {
                if z.classes <= Self.maxConfusionClasses { body += confusionTable(z) }
                body += "<h3>Zero-shot examples</h3>\n<table><tr><th>image</th><th>truth</th><th>top 3</th></tr>\n"
                for e in z.examples {
                    let mark = e.predicted.first == e.truth ? "hit" : "miss"
                    body += "<tr class=\"\(mark)\"><td>\(thumbnails.img(e.image))</td><td>\(HTML.escape(e.truth))</td><td>"
                        + e.predicted.map(HTML.escape).joined(separator: "<br>") + "</td></tr>\n"
                }
                body += "</table>\n"
            }
            if let r = model.retrieval {
                body += "<h3>Retrieval examples (image → text)</h3>\n<table><tr><th>image</th><th>captions</th><th>top 3 texts</th></tr>\n"
                for e in r.examples {
                    let mark = e.retrieved.first.map(e.captions.contains) == true ? "hit" : "miss"
                    body += "<tr class=\"\(mark)\"><td>\(thumbnails.img(e.image))</td><td>" + e.captions.map(HTML.escape).joined(separator: "<br>")
                        + "</td><td>" + e.retrieved.map(HTML.escape).joined(separator: "<br>") + "</td></tr>\n"
                }
                body += "</table>\n"
            }
            if !model.unreadable.isEmpty {
                body += "<h3>Unreadable files (skipped)</h3>\n<ul>\n"
                for u in model.unreadable { body += "<li>" + HTML.escape(u.path) + ": " + HTML.escape(u.error) + "</li>\n" }
                body += "</ul>\n"
            }
        }
        return page(body)
    }

    private func page(_ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>siglip eval</title>
        <style>
        body{font-family:sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse;margin:.5em 0}
        td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;vertical-align:top}th{background:#f3f3f3}
        tr.hit td:first-child{border-left:4px solid #009E73}tr.miss td:first-child{border-left:4px solid #D55E00}
        .path{color:#666;font-size:12px}.num{text-align:right}td.c{text-align:center;min-width:1.6em}
        </style></head><body>
        \(body)<p class="path">swift-siglip \(HTML.escape(version))</p>
        </body></html>

        """
    }

    static let maxClassesShown = 100
    static let maxConfusionClasses = 30

    /// "1. name [scales]" per model, so repeated checkpoint names stay distinguishable.
    var seriesNames: [String] {
        models.enumerated().map { i, m in "\(i + 1). \(URL(fileURLWithPath: m.model).lastPathComponent) [\(m.scales)]" }
    }

    private var describeDataset: String {
        var s = "\(dataset.kind == "classes" ? "Class folders" : "Image–text pairs") \(dataset.path): \(dataset.images) images"
        s += dataset.kind == "classes" ? ", \(dataset.classes) classes" : ", \(dataset.texts) distinct texts"
        if let templates { s += "; templates \(templates.name) (\(templates.templates.count))" }
        return s + "; scales \(scales.label)."
    }

    private func summaryTable(_ names: [String]) -> String {
        var columns: [(String, (ModelResult) -> String)] = [("images", { "\($0.imagesEvaluated)" }), ("unreadable", { "\($0.unreadable.count)" })]
        let pct = { (v: Double?) in v.map { SVGChart.percent($0) } ?? "–" }
        if models.contains(where: { $0.zeroShot != nil }) {
            columns += [("top-1", { pct($0.zeroShot?.top1) }), ("top-5", { pct($0.zeroShot?.top5) })]
        }
        if models.contains(where: { $0.retrieval != nil }) {
            for (name, path) in [("R@1", \RecallAtK.r1), ("R@5", \RecallAtK.r5), ("R@10", \RecallAtK.r10)] {
                columns.append(("i→t " + name, { pct($0.retrieval?.imageToText[keyPath: path]) }))
                columns.append(("t→i " + name, { pct($0.retrieval?.textToImage[keyPath: path]) }))
            }
        }
        columns.append(("seconds", { String(format: "%.1f", $0.seconds) }))
        var html = "<table><tr><th>model</th>" + columns.map { "<th>\(HTML.escape($0.0))</th>" }.joined() + "</tr>\n"
        for (name, model) in zip(names, models) {
            html += "<tr><td>\(HTML.escape(name))</td>" + columns.map { "<td class=\"num\">\(HTML.escape($0.1(model)))</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    private func headlineChart(_ names: [String]) -> String {
        var categories: [String] = [], values: [[Double?]] = []
        if models.contains(where: { $0.zeroShot != nil }) {
            categories += ["top-1", "top-5"]
            values += [models.map { $0.zeroShot?.top1 }, models.map { $0.zeroShot?.top5 }]
        }
        if models.contains(where: { $0.retrieval != nil }) {
            for (name, path) in [("R@1", \RecallAtK.r1), ("R@5", \RecallAtK.r5), ("R@10", \RecallAtK.r10)] {
                categories += ["i→t " + name, "t→i " + name]
                values += [models.map { $0.retrieval?.imageToText[keyPath: path] }, models.map { $0.retrieval?.textToImage[keyPath: path] }]
            }
        }
        return SVGChart.columns(categories: categories, series: names, values: values, title: "Headline metrics") + "\n"
    }

    private func confusionTable(_ z: ZeroShotResult) -> String {
        var html = "<h3>Confusion (rows: truth, columns: prediction)</h3>\n<table><tr><th></th>"
        html += z.perClass.indices.map { "<th title=\"\(HTML.escape(z.perClass[$0].name))\">\($0 + 1)</th>" }.joined() + "</tr>\n"
        for (i, row) in z.confusion.enumerated() {
            let total = max(row.reduce(0, +), 1)
            html += "<tr><th>\(i + 1). \(HTML.escape(z.perClass[i].name))</th>"
            for (j, count) in row.enumerated() {
                let share = Double(count) / Double(total)
                let colour = i == j ? "0,158,115" : "213,94,0"
                html += "<td class=\"c\" style=\"background:rgba(\(colour),\(String(format: "%.2f", share)))\">\(count > 0 ? "\(count)" : "")</td>"
            }
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }
}

/// Small inline PNG thumbnails of image files, each file decoded once.
struct Thumbnails {
    let side: Int
    private var cache: [String: String] = [:]

    init(side: Int) { self.side = side }

    /// An `<img>` with a data URI, or a dash when the file cannot be decoded.
    mutating func img(_ path: String) -> String {
        if let cached = cache[path] { return cached }
        var tag = "–"
        if let image = try? ImageDecoder().decode(contentsOf: URL(fileURLWithPath: path)), image.width > 0, image.height > 0 {
            let scale = Double(side) / Double(max(image.width, image.height))
            let w = max(1, Int((Double(image.width) * scale).rounded())), h = max(1, Int((Double(image.height) * scale).rounded()))
            if let png = try? image.resized(width: w, height: h, filter: .bilinear).pngData() {
                tag = "<img alt=\"\(HTML.escape(URL(fileURLWithPath: path).lastPathComponent))\" width=\"\(w)\" height=\"\(h)\" "
                    + "style=\"image-rendering:pixelated\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
            }
        }
        cache[path] = tag
        return tag
    }
}
