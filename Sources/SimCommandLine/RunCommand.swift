import ArgumentParser
import Foundation
import Sim

/// `sim run`: run scenarios (or resume sweep directories), then aggregate and plot them.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios (resuming finished points), aggregate them and build their figures.",
        discussion: """
            All scenarios are validated before anything runs. Finished points are always kept and skipped: \
            re-running the same command resumes. Ctrl-C or SIGTERM stops cleanly (running points are marked \
            interrupted); after a crash or SIGKILL the next run re-runs the points that were in flight. \
            With --shard i/n only that slice of the plan runs (merge the shards with `sim aggregate`).
            """)

    @OptionGroup var shared: SharedOptions
    @OptionGroup var figures: FigureOptions

    @Flag(
        name: .long,
        help:
            "Only continue existing sweeps: arguments may be sweep directories (runs/<scenario>/<sweep-id>, reloaded as originally run) or scenario files whose sweep directory must already exist."
    )
    var resume = false

    @Option(name: .long, help: ArgumentHelp("Run only shard i of n (0-based; points split by id, independent of --jobs); skips aggregation.", valueName: "i/n"))
    var shard: String?

    @Argument(help: "Scenario files (or, with --resume, sweep directories).")
    var scenarios: [String]

    func validate() throws {
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError("--shard: \(error)") } }
        if scenarios.isEmpty { throw ValidationError("give at least one scenario file\(resume ? " or sweep directory" : "")") }
    }

    func run() throws {
        try shared.useRoot()
        let shard = try self.shard.map { try Shard(parsing: $0) }
        // Everything is loaded and checked before anything runs.
        var work: [(plan: Plan, out: URL?)] = []
        for arg in scenarios {
            var isDir: ObjCBool = false
            if resume, FileManager.default.fileExists(atPath: arg, isDirectory: &isDir), isDir.boolValue {
                let dir = URL(fileURLWithPath: arg).standardizedFileURL
                guard SweepDirectory.isSweepDirectory(dir) else {
                    throw CLIError("\(arg) is not a sweep directory (no plan.tsv); expected runs/<scenario>/<sweep-id>")
                }
                if !shared.overrides.isEmpty || shared.smoke || shared.seed != nil {
                    CLI.warn("--smoke, --set and --seed are ignored for \(arg): a sweep directory is resumed exactly as it was run")
                }
                let (plan, notes) = try SweepDirectory.reload(dir)
                for n in notes { CLI.warn(n) }
                work.append((plan, RunLayout(sweepDirectory: dir).out))
            } else {
                let plan = Plan(scenario: try ScenarioLoader.load(arg, options: shared.scenarioOptions))
                if resume {
                    let dir = RunLayout(out: shared.outURL, plan: plan).sweepDirectory
                    guard SweepDirectory.isSweepDirectory(dir) else {
                        throw CLIError(
                            "--resume: nothing to resume for \(arg): \(dir.path) does not exist (a different --out, --smoke, --set or --seed starts a different sweep); run without --resume to start it"
                        )
                    }
                }
                work.append((plan, nil))
            }
        }
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancelling: cancellation)
        var failed = 0
        var figureErrors: [Error] = []
        for (plan, out) in work {
            do {
                let (report, _) = try CLI.runPlan(plan, shared: shared, figures: figures, cancellation: cancellation, out: out, shard: shard)
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
