import Foundation

/// The chart `siglip train --plot` writes: the loss on the left and, when the run was evaluated, zero-shot top-1
/// accuracy per group on the right, against the step or the training seconds, as a PNG. Several runs can share
/// one chart (their series are named "RUN GROUP").
public struct TrainingPlot {
    /// What the horizontal axis counts.
    public enum Axis: String, Sendable { case step, seconds }
    /// One named line.
    public typealias Series = (name: String, points: [(x: Double, y: Double)])

    /// Loss series.
    public var loss: [Series] = []
    /// Accuracy series (fractions).
    public var accuracy: [Series] = []
    /// The horizontal axis.
    public var axis: Axis
    /// A line above the panels, e.g. the run's settings.
    public var subtitle = ""

    /// An empty plot over `axis`.
    public init(axis: Axis = .step) { self.axis = axis }

    /// Adds the records of a `metrics.jsonl` (step lines with "loss", evaluation lines with "accuracy"), naming
    /// the series after `run` when it is not empty.
    public mutating func add(metricsJSONLines text: String, run: String = "") {
        var lossPoints: [(x: Double, y: Double)] = [], groups: [String: [(x: Double, y: Double)]] = [:]
        for line in text.split(separator: "\n") {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let step = object["step"] as? Int else { continue }
            let x = axis == .step ? Double(step) : (object["elapsed_s"] as? Double ?? 0)
            if let value = object["loss"] as? Double { lossPoints.append((x, value)) }
            if let values = object["accuracy"] as? [String: Double] {
                for (name, value) in values { groups[name, default: []].append((x, value)) }
            }
        }
        let prefix = run.isEmpty ? "" : run + " "
        loss.append((run.isEmpty ? "loss" : run, lossPoints))
        for name in groups.keys.sorted() where name != "all" || groups.count == 1 {
            accuracy.append((prefix + name, groups[name] ?? []))
        }
    }

    private static let palette: [Canvas.Colour] = [(31, 119, 180), (230, 120, 20), (44, 160, 44), (214, 39, 40),
                                                   (148, 103, 189), (140, 86, 75)]

    /// The chart as PNG bytes.
    public func pngData() throws -> Data {
        let panels = accuracy.isEmpty ? 1 : 2
        var canvas = Canvas(width: 560 * panels, height: 440)
        canvas.text(subtitle, x: 16, y: 8, (90, 90, 90))
        let xs = (loss + accuracy).flatMap { $0.points.map(\.x) }
        let last = max(xs.max() ?? 1, 1e-9)
        let high = loss.flatMap { $0.points.map(\.y) }.max() ?? 1
        panel(&canvas, left: 0, title: "LOSS", xMax: last, range: 0...max(high, 1e-6), percent: false, series: loss)
        if panels == 2 {
            panel(&canvas, left: 560, title: "ZERO-SHOT TOP-1 %", xMax: last, range: 0...1, percent: true, series: accuracy)
        }
        return try canvas.image.pngData()
    }

    private func panel(_ c: inout Canvas, left: Int, title: String, xMax: Double, range: ClosedRange<Double>, percent: Bool,
                       series: [Series]) {
        let x0 = left + 70, x1 = left + 520, y0 = 380, y1 = 56
        let grey: Canvas.Colour = (210, 210, 210), ink: Canvas.Colour = (30, 30, 30)
        c.text(title, x: x0 + (x1 - x0 - Canvas.textWidth(title)) / 2, y: 32, ink)
        func px(_ x: Double) -> Int { x0 + Int((x / xMax * Double(x1 - x0)).rounded()) }
        func py(_ v: Double) -> Int {
            let f = (min(max(v, range.lowerBound), range.upperBound) - range.lowerBound) / (range.upperBound - range.lowerBound)
            return y0 - Int((f * Double(y0 - y1)).rounded())
        }
        for k in 0...5 {   // grid lines and tick labels
            let v = range.lowerBound + (range.upperBound - range.lowerBound) * Double(k) / 5
            c.line(x0, py(v), x1, py(v), grey)
            let label = percent ? String(format: "%.0f", v * 100) : String(format: v >= 10 ? "%.0f" : "%.1f", v)
            c.text(label, x: x0 - 8 - Canvas.textWidth(label), y: py(v) - 7, ink)
            let x = xMax * Double(k) / 5
            let tick = x >= 10 || x == 0 ? String(format: "%.0f", x) : String(format: "%.1f", x)
            c.line(px(x), y0, px(x), y0 + 5, ink)
            c.text(tick, x: px(x) - Canvas.textWidth(tick) / 2, y: y0 + 10, ink)
        }
        c.line(x0, y0, x1, y0, ink, thickness: 2)
        c.line(x0, y0, x0, y1, ink, thickness: 2)
        let axisName = axis == .step ? "STEP" : "TRAINING SECONDS"
        c.text(axisName, x: (x0 + x1 - Canvas.textWidth(axisName)) / 2, y: y0 + 32, ink)
        for (k, s) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            for (a, b) in zip(s.points, s.points.dropFirst()) { c.line(px(a.x), py(a.y), px(b.x), py(b.y), colour, thickness: 2) }
            for p in s.points where s.points.count < 60 { c.fill(x: px(p.x) - 2, y: py(p.y) - 2, width: 5, height: 5, colour) }
        }
        guard series.count > 1 || !percent else { return }
        // Legend on white, where the curves mostly are not: top right for a falling loss, bottom right for a
        // rising accuracy.
        let top = percent ? y0 - 4 - 22 * series.count : y1 + 1
        for (k, s) in series.enumerated() {
            let label = s.name.uppercased(), right = x1 - 10 - Canvas.textWidth(label), y = top + 22 * k
            c.fill(x: right - 30, y: y, width: x1 - right + 28, height: 20, (255, 255, 255))
            c.fill(x: right - 26, y: y + 9, width: 18, height: 4, Self.palette[k % Self.palette.count])
            c.text(label, x: right, y: y + 4, ink)
        }
    }
}
