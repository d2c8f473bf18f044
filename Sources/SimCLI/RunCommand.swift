import ArgumentParser
import Foundation
import Sim

/// `sim run`: run scenarios, then aggregate and plot them.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios (resuming finished points), aggregate them and build their figures.",
        discussion: "All scenarios are validated before anything runs. Ctrl-C stops cleanly; re-run to resume.")

    @OptionGroup var shared: SharedOptions
    @OptionGroup var figures: FigureOptions

    @Argument(help: "Scenario files.")
    var scenarios: [String]

    func run() throws {
        let plans = try CLI.loadAll(scenarios, options: shared.scenarioOptions)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancelling: cancellation)
        var failed = 0
        var figureErrors: [Error] = []
        for plan in plans {
            do {
                let (report, _) = try CLI.runPlan(plan, shared: shared, figures: figures, cancellation: cancellation)
                failed += report.failed.count
            } catch let e as FigureBuildError {
                CLI.printError(e); figureErrors.append(e)
            } catch let e as FigureBuildErrors {
                CLI.printError(e); figureErrors.append(e)
            }
        }
        if failed > 0 { throw SweepFailure(failed: failed) }
        if !figureErrors.isEmpty { throw ExitCode(2) }
    }
}
