import ArgumentParser
import Foundation
import ProvableExport
import Sim

/// `sim export`: the run store as tidy data.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export finished runs as tidy data: CSV or JSON lines (metrics and series), or one SQLite database indexing every sweep.",
        discussion: """
            Every finished run (a point record with its .done marker) of every sweep under the given paths \
            becomes rows: one per point × replicate × metric, and one per point × replicate × series point, \
            each with the scenario, the sweep id, every parameter, the status and the code fingerprint. \
            A path is an output root (holding runs/), a runs/ directory, or one sweep directory. \
            csv and jsonl write metrics.* and series.* into --output (a directory); sqlite writes one \
            database file (tables sweeps, runs, parameters, metrics, series and the view metric_rows).
            """)

    @Argument(help: "Output roots, runs/ directories or sweep directories (default: the current directory).")
    var paths: [String] = ["."]

    @Option(name: .long, help: "csv | jsonl | sqlite.")
    var format: String = "csv"

    @Option(name: .long, help: "Where to write: a directory for csv and jsonl (default export/), a file for sqlite (default runs.sqlite).")
    var output: String?

    func validate() throws {
        guard ["csv", "jsonl", "sqlite"].contains(format) else { throw ValidationError("--format must be csv, jsonl or sqlite, got `\(format)`") }
    }

    func run() throws {
        do {
            let sweeps = try RunExport.sweepDirectories(paths)
            let runs = try sweeps.flatMap { try RunExport.runs(in: $0) }
            let target = URL(fileURLWithPath: output ?? (format == "sqlite" ? "runs.sqlite" : "export"))
            let counts: RunExport.Counts
            switch format {
            case "csv": counts = try RunExport.writeCSV(runs, to: target)
            case "jsonl": counts = try RunExport.writeJSONL(runs, to: target)
            default: counts = try SQLiteIndex.write(runs, sweeps: sweeps, to: target)
            }
            print("export: \(counts.sweeps) sweeps, \(counts.runs) runs, \(counts.metricRows) metric rows, \(counts.seriesRows) series rows → \(target.path)")
        } catch let e as ExportError {
            throw CLIError(e.description)
        }
    }
}
