import ArgumentParser
import Foundation
import Sim

/// `sim` — run, aggregate and plot Provable's theory-verification sweeps.
///
/// Exit status: 0 success; 1 an invalid scenario, option or input (printed as `error: …`, one
/// paragraph); 2 the sweep ran but some points failed or a figure could not be built;
/// 128 + signal when interrupted (130 SIGINT, 143 SIGTERM; re-run the same command to resume).
/// The entry point of a `sim` executable: register the papers, then parse and run the command line.
/// Provable's own `sim` passes `ProvablePapers.experiments`; a package with its own papers passes
/// those too (they reach `sim run`, `plot`, `verify`, `bench` … like the shipped ones).
public enum SimMain {
    public static func main(papers: [any Experiment]) -> Never {
        ExperimentRegistry.register(papers)
        SimCommand.main()
        exit(0)
    }
}

public struct SimCommand: ParsableCommand {
    public init() {}
    public static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run, aggregate and plot Provable's theory-verification sweeps.",
        discussion: """
            Scenarios are YAML files under scenarios/<paper>/. Results go to <out>/runs/<scenario>/<sweep-id>/ \
            and figures to <out>/figures/<paper>/. Re-running a command resumes: finished points are skipped.
            Exit status: 0 ok, 1 invalid input, 2 some points or figures failed, 130/143 interrupted by SIGINT/SIGTERM.
            """,
        version: SimVersion.full,
        subcommands: [
            ListCommand.self, ValidateCommand.self, PlanCommand.self, RunCommand.self, StatusCommand.self, ExportCommand.self,
            AggregateCommand.self, PlotCommand.self, ReproduceCommand.self, VerifyCommand.self, SlurmCommand.self, BenchCommand.self, NewCommand.self,
        ])

    /// Parse, run, and turn any error into `error: <paragraph>` with a meaningful exit status
    /// (argument-parser's own errors, help and `ExitCode` keep their usual handling).
    public static func main() {
        // Line-buffered stdout, so results and stderr progress interleave sensibly in logs.
        setvbuf(stdout, nil, _IOLBF, 0)
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch  where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // Help requests, usage errors, ExitCode, CleanExit: argument-parser's usual handling.
            exit(withError: error)
        } catch {
            CLI.printError(error)
            exit(withError: ExitCode(CLI.exitStatus(for: error)))
        }
    }
}
