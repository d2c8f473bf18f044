import ArgumentParser
import Foundation
import Sim

/// `sim reproduce`: every scenario of a paper, in order.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run every scenario under scenarios/<paper>/ (except presets/), in path order, and build all figures.")

    @OptionGroup var shared: SharedOptions
    @OptionGroup var figures: FigureOptions

    @Option(name: .long, help: "Directory holding scenarios/<paper>/*.yaml.")
    var scenarios: String = "scenarios"

    @Argument(help: "Paper key (e.g. lowrank).")
    var paper: String

    func run() throws {
        let files = try CLI.scenarioFiles(paper: paper, root: scenarios)
        guard !files.isEmpty else { throw CLIError("no scenario files under \(scenarios)/\(paper)/") }
        let plans = try CLI.loadAll(files, options: shared.scenarioOptions)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancelling: cancellation)
        var failed = 0, figureFailures = 0
        var built: [URL] = []
        for plan in plans {
            do {
                let (report, figs) = try CLI.runPlan(plan, shared: shared, figures: figures, cancellation: cancellation)
                failed += report.failed.count
                built += figs.flatMap { [$0.png, $0.svg, $0.pdf].compactMap { $0 } }
            } catch let e as FigureBuildError {
                CLI.printError(e); figureFailures += 1
            } catch let e as FigureBuildErrors {
                CLI.printError(e); figureFailures += e.errors.count
            }
        }
        let dir = shared.outURL.appendingPathComponent("figures").appendingPathComponent(paper)
        print("\n\(paper): \(plans.count) scenario\(plans.count == 1 ? "" : "s")\(shared.smoke ? " (smoke)" : ""); figures in \(dir.standardizedFileURL.path)/")
        for f in built { print("  \(f.lastPathComponent)") }
        if failed > 0 { throw SweepFailure(failed: failed) }
        if figureFailures > 0 { throw ExitCode(2) }
    }
}
