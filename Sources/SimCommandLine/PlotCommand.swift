import ArgumentParser
import Foundation
import Sim

/// `sim plot`: rebuild a scenario's figures from its finished points (no runs).
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Re-aggregate a scenario's finished points and rebuild its figures without running anything.")

    @OptionGroup var shared: SharedOptions
    @OptionGroup var figures: FigureOptions

    @Argument(help: "Scenario file (with the same --smoke/--set/--seed as the run).")
    var scenario: String

    func run() throws {
        try shared.useRoot()
        let plan = Plan(scenario: try ScenarioLoader.load(scenario, options: shared.scenarioOptions))
        let layout = RunLayout(out: shared.outURL, plan: plan)
        let results = try Aggregator.aggregate(plan, out: shared.outURL)
        guard !results.groups.isEmpty else {
            throw CLIError(
                "no finished runs of \(plan.scenario.name) in \(layout.sweepDirectory.path); run `sim run \(scenario)` first (with the same --smoke/--set/--seed)"
            )
        }
        let done = results.groups.reduce(0) { $0 + $1.replicates }
        if done < plan.points.count { CLI.warn("plotting \(done) of \(plan.points.count) runs (the sweep is unfinished)") }
        try Aggregator.write(results, to: layout.aggregateDirectory)
        guard !plan.scenario.figures.isEmpty else { print("\(plan.scenario.name) has no figures: entries"); return }
        let files = try FigureBuilder.build(
            plan, results: results, out: shared.outURL, formats: figures.formats, render: !figures.noRender, latex: figures.latex)
        for f in files { print("figure: " + CLI.describe(f)) }
    }
}
