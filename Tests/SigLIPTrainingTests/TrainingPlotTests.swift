import Foundation
import ImageIO
import SigLIPTraining
import Testing

@Suite("The training plot: a PNG a person can open")
struct TrainingPlotTests {
    static let blue = (31, 119, 180), orange = (230, 120, 20)

    func count(_ image: RGBImage, _ colour: (Int, Int, Int), columns: Range<Int>) -> Int {
        var n = 0
        for y in 0..<image.height {
            for x in columns {
                let p = image[x, y]
                if (Int(p.r), Int(p.g), Int(p.b)) == colour { n += 1 }
            }
        }
        return n
    }

    @Test("loss on the left, accuracy per group on the right; the loss line falls from the top left")
    func lossAndAccuracyPanels() throws {
        let metrics = (1...50).map { #"{"step": \#($0), "loss": \#(10.0 / Double($0)), "elapsed_s": \#(Double($0) / 2)}"# }
            + [#"{"step": 25, "elapsed_s": 12.5, "accuracy": {"all": 0.5, "held-out": 0.25, "seen": 0.6}}"#,
               #"{"step": 50, "elapsed_s": 25, "accuracy": {"all": 0.9, "held-out": 0.7, "seen": 0.95}}"#]
        var plot = TrainingPlot(axis: .step)
        plot.add(metricsJSONLines: metrics.joined(separator: "\n") + "\nnot json\n")
        #expect(plot.loss.count == 1 && plot.loss[0].points.count == 50)
        #expect(plot.accuracy.map(\.name) == ["held-out", "seen"])   // "all" is left out when groups exist
        let image = try ImageDecoder().decode(try plot.pngData())
        #expect(image.width == 1120 && image.height == 440)
        #expect(count(image, Self.blue, columns: 0..<560) > 200)       // the loss line
        #expect(count(image, Self.orange, columns: 0..<560) == 0)
        #expect(count(image, Self.blue, columns: 560..<1120) > 100)    // held-out accuracy
        #expect(count(image, Self.orange, columns: 560..<1120) > 100)  // seen accuracy
        // The loss starts at the top of the left panel (its maximum) and falls: more blue in the upper half near
        // the axis than in the lower half there.
        var top = 0, bottom = 0
        for y in 56..<380 { for x in 70..<90 where image[x, y] == (31, 119, 180) { if y < 218 { top += 1 } else { bottom += 1 } } }
        #expect(top > bottom)
    }

    @Test("without evaluations there is one panel; two runs share a chart by name")
    func onePanelAndTwoRuns() throws {
        var plot = TrainingPlot(axis: .seconds)
        plot.add(metricsJSONLines: #"{"step": 1, "loss": 2.0, "elapsed_s": 1.0}"# + "\n" + #"{"step": 2, "loss": 1.0, "elapsed_s": 2.0}"#, run: "swift")
        plot.add(metricsJSONLines: #"{"step": 1, "loss": 3.0, "elapsed_s": 4.0}"#, run: "pytorch")
        #expect(plot.loss.map(\.name) == ["swift", "pytorch"])
        #expect(plot.loss[0].points.map(\.x) == [1, 2])
        let image = try ImageDecoder().decode(try plot.pngData())
        #expect(image.width == 560 && image.height == 440)
    }
}
