import ArgumentParser
import Foundation
import Sim

/// `sim aggregate`: recompute aggregate TSVs of existing sweep directories (merging shards).
struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Summarise finished points of sweep directories into aggregate/metrics.tsv and series_*.tsv.",
        discussion: """
            Directories with the same sweep id (last path component) are treated as shards of one sweep \
            (e.g. `sim run --shard i/n` into different --out roots) and merged: the files are byte-for-byte \
            those an unsharded `sim run` writes. They go to the first directory's aggregate/ (or --to). \
            Arguments may also be --out roots; every sweep directory below them is used.
            """)

    @Option(name: .long, help: "Write the aggregate files here instead of <first directory>/aggregate/ (only with a single sweep).")
    var to: String?

    @Argument(help: "Sweep directories (runs/<scenario>/<sweep-id>), or --out roots holding runs/.")
    var runDirectories: [String]

    func run() throws {
        let sweeps = try SweepDirectory.groupedBySweep(runDirectories)
        if to != nil && sweeps.count > 1 {
            throw CLIError("--to needs a single sweep, but the arguments hold \(sweeps.count): \(sweeps.map(\.sweepID).joined(separator: ", "))")
        }
        for (_, dirs) in sweeps {
            let results = try Aggregator.aggregate(sweepDirectories: dirs)
            for n in results.notices { CLI.warn(n) }
            let target = to.map { URL(fileURLWithPath: $0) } ?? RunLayout(sweepDirectory: dirs[0]).aggregateDirectory
            let files = try Aggregator.write(results, to: target)
            let runs = results.groups.reduce(0) { $0 + $1.replicates }
            let from = dirs.count == 1 ? dirs[0].path : "\(dirs.count) shards (\(dirs.map(\.path).joined(separator: ", ")))"
            print(
                "\(from): \(results.groups.count) points, \(runs) runs → \(target.path)/ (metrics.tsv\(files.count > 1 ? " + \(files.count - 1) series" : ""))")
        }
    }
}
