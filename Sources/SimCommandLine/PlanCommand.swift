import ArgumentParser
import Foundation
import Sim

/// `sim plan`: show the runs a scenario expands to, and their status.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print a scenario's runs: point id, replicate, seed, swept values, and status under --out.")

    @OptionGroup var shared: SharedOptions

    @Argument(help: "Scenario file.")
    var scenario: String

    func run() throws {
        try shared.useRoot()
        let plan = Plan(scenario: try ScenarioLoader.load(scenario, options: shared.scenarioOptions))
        let s = plan.scenario
        let layout = RunLayout(out: shared.outURL, plan: plan)
        print("scenario \(s.name) (\(s.files.joined(separator: " ← ")))\(s.smoke ? " [smoke]" : "")")
        print("experiment \(s.experiment.name) · seed \(s.seed) · \(plan.groups.count) points × \(s.sweep.seeds) seeds = \(plan.points.count) runs")
        print("sweep \(plan.sweepID) → \(layout.sweepDirectory.path)")
        print("fixed: " + s.fixedParameters.values.keys.sorted().map { "\($0)=\(s.fixedParameters[$0]!)" }.joined(separator: ", "))
        let header = ["#", "point_id", "rep", "seed"] + plan.axes + ["status"]
        var rows: [[String]] = [header]
        for p in plan.points {
            let status = SweepStatus.state(of: p.id, in: layout).0.rawValue
            rows.append(
                [String(p.index), p.id, String(p.replicate), String(p.seed)]
                    + plan.axes.map { p.coordinates[$0].map { "\($0)" } ?? "" } + [status])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for r in rows {
            print(r.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }
}
