import ArgumentParser
import Foundation
import SigLIPTraining

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw the loss and zero-shot accuracy of one or more metrics.jsonl files into one PNG.",
        discussion: "Each argument is NAME=FILE (or just FILE); `siglip train` and benchmarks/train_shapes.py both write such files."
    )

    @Argument(help: "Runs as NAME=metrics.jsonl.") var runs: [String]
    @Option(name: .long, help: "The PNG to write.") var output: String
    @Option(name: .long, help: "step or seconds (training time, evaluation left out).") var axis = "step"
    @Option(name: .long, help: "A line of text above the chart.") var title = ""

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one metrics file") }
        guard TrainingPlot.Axis(rawValue: axis) != nil else { throw ValidationError("--axis is step or seconds") }
    }

    func run() throws {
        var chart = TrainingPlot(axis: TrainingPlot.Axis(rawValue: axis) ?? .step)
        chart.subtitle = title
        for run in runs {
            let parts = run.split(separator: "=", maxSplits: 1).map(String.init)
            let (name, path) = parts.count == 2 ? (parts[0], parts[1]) : ("", parts[0])
            do { chart.add(metricsJSONLines: try String(contentsOfFile: path, encoding: .utf8), run: name) } catch {
                throw CommandFailure.reading(path, error)
            }
        }
        try chart.pngData().write(to: URL(fileURLWithPath: output))
    }
}
