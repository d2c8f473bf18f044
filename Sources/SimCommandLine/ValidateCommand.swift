import ArgumentParser
import Foundation
import Sim

/// `sim validate`: load and check scenarios without running anything.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files: schema, types, ranges and every sweep point's parameters.",
        discussion: "Without --smoke, a scenario's smoke: variant is checked too. Exit status 1 if any file is invalid.")

    @OptionGroup var shared: SharedOptions

    @Argument(help: "Scenario files.")
    var scenarios: [String]

    func run() throws {
        try shared.useRoot()
        var bad = 0
        for path in scenarios {
            do {
                let s = try ScenarioLoader.load(path, options: shared.scenarioOptions)
                report(Plan(scenario: s), variant: shared.smoke ? " (smoke)" : "")
                if !shared.smoke && s.hasSmokeBlock {
                    var o = shared.scenarioOptions
                    o.smoke = true
                    report(Plan(scenario: try ScenarioLoader.load(path, options: o)), variant: " (smoke)")
                }
            } catch {
                CLI.printError(error)
                bad += 1
            }
        }
        if bad > 0 { throw ExitCode(1) }
    }

    private func report(_ plan: Plan, variant: String) {
        let s = plan.scenario
        print(
            "ok\(variant) \(s.path): \(s.experiment.name), \(plan.groups.count) point\(plan.groups.count == 1 ? "" : "s") × \(s.sweep.seeds) seed\(s.sweep.seeds == 1 ? "" : "s") = \(plan.points.count) runs, \(s.figures.count) figure\(s.figures.count == 1 ? "" : "s"); sweep \(plan.sweepID)"
        )
    }
}
