import ArgumentParser
import Foundation
import Sim

/// `sim reproduce`: every scenario of a paper (or of every paper), in order.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run every scenario under scenarios/<paper>/ (except presets/), in path order, and build all figures.",
        discussion: """
            `sim reproduce all` does this for every paper directory under the scenarios root, in name order, \
            and ends with the total wall time. Every scenario is loaded and checked before anything runs; the \
            points of all scenarios share one pool of --jobs workers, then each scenario is aggregated and \
            plotted in order. A scenario with failed points does not stop the others.
            """)

    @OptionGroup var shared: SharedOptions
    @OptionGroup var figures: FigureOptions

    @Option(name: .long, help: "Directory holding scenarios/<paper>/*.yaml. Default: scenarios/ under the package root (--root).")
    var scenarios: String?

    @Argument(help: "Paper key (e.g. lowrank), or `all` for every paper under the scenarios directory.")
    var paper: String

    func run() throws {
        let scenarios: String
        if let given = self.scenarios {
            try shared.useRoot()
            scenarios = given
        } else {
            let root = try CLI.rooted { try PackageRoot.discover(explicit: shared.root) }
            PackageRoot.url = URL(fileURLWithPath: root).standardizedFileURL
            scenarios = root == "." ? "scenarios" : root + "/scenarios"
        }
        let papers = paper == "all" ? try CLI.paperDirectories(root: scenarios) : [paper]
        if papers.isEmpty { throw CLIError("no paper directories under \(scenarios)/") }
        // Everything is loaded and checked before anything runs.
        var work: [(paper: String, plans: [Plan])] = []
        for p in papers {
            let files = try CLI.scenarioFiles(paper: p, root: scenarios)
            if files.isEmpty {
                if paper == "all" { continue }
                throw CLIError("no scenario files under \(scenarios)/\(p)/")
            }
            work.append((p, try CLI.loadAll(files, options: shared.scenarioOptions)))
        }
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancelling: cancellation)
        let start = Date()
        // Every scenario's points go through one pool of workers (no core idles while one scenario
        // finishes its last point); then each scenario is aggregated and plotted, in order.
        let plans = work.flatMap(\.plans)
        for plan in plans { CLI.announce(plan, out: shared.outURL) }
        let reports = try Runner.run(
            plans, options: RunOptions(out: shared.outURL, jobs: shared.jobCount, cancellation: cancellation, reuseStale: shared.reuseStale))
        let pointSeconds = Date().timeIntervalSince(start)
        var failed = 0, figureFailures = 0
        var interrupted: SweepReport?
        var next = 0
        for (p, paperPlans) in work {
            var built: [URL] = []
            for plan in paperPlans {
                let report = reports[next]; next += 1
                if let failure = report.storageFailure {
                    print(report.summary)
                    throw CLIError(
                        "the sweeps stopped because the output location failed: \(failure). Finished points are kept; free space or fix permissions and re-run to resume"
                    )
                }
                if report.cancelled && !report.isComplete {
                    print(report.summary)
                    interrupted = interrupted ?? report
                    continue
                }
                do {
                    var finished = report
                    finished.cancelled = false  // complete: aggregate and plot it even after Ctrl-C
                    let (_, figs) = try CLI.finishPlan(plan, report: finished, figures: figures, out: shared.outURL)
                    failed += report.failed.count
                    built += figs.flatMap { [$0.png, $0.svg, $0.pdf].compactMap { $0 } }
                } catch let e as FigureBuildError {
                    CLI.printError(e); figureFailures += 1
                } catch let e as FigureBuildErrors {
                    CLI.printError(e); figureFailures += e.errors.count
                }
            }
            let dir = shared.outURL.appendingPathComponent("figures").appendingPathComponent(p)
            print(
                "\n\(p): \(paperPlans.count) scenario\(paperPlans.count == 1 ? "" : "s")\(shared.smoke ? " (smoke)" : ""); figures in \(dir.standardizedFileURL.path)/"
            )
            for f in built { print("  \(f.lastPathComponent)") }
        }
        let total = Date().timeIntervalSince(start)
        let count = work.reduce(0) { $0 + $1.plans.count }
        let runs = reports.reduce(0) { $0 + $1.executed }
        print(
            "\n\(paper == "all" ? "all: \(work.count) papers, " : "\(paper): ")\(count) scenarios\(shared.smoke ? " (smoke)" : ""), \(runs) runs now, --jobs \(shared.jobCount)"
        )
        print(
            "total wall time: \(Self.duration(total)) (\(String(format: "%.1f", total)) s; points \(String(format: "%.1f", pointSeconds)) s, aggregation and figures \(String(format: "%.1f", total - pointSeconds)) s)"
        )
        if let interrupted {
            throw Interrupted(report: interrupted, signal: InterruptHandler.receivedSignal ?? SIGINT)
        }
        if failed > 0 { throw SweepFailure(failed: failed) }
        if figureFailures > 0 { throw ExitCode(2) }
    }

    /// 42s, 3m05s, 1h02m05s.
    static func duration(_ t: Double) -> String {
        let s = Int(t.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60)
    }
}
