import ArgumentParser
import Foundation
import Sim

/// `sim aggregate`: recompute aggregate TSVs of existing sweep directories.
struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Summarise finished points of sweep directories into aggregate/metrics.tsv and series_*.tsv.",
        discussion: """
            Directories with the same sweep id (last path component) are treated as shards of one sweep and \
            merged; the result is written to the first one's aggregate/.
            """)

    @Argument(help: "Sweep directories (runs/<scenario>/<sweep-id>).")
    var runDirectories: [String]

    func run() throws {
        var shards: [(String, [URL])] = []
        for d in runDirectories {
            let url = URL(fileURLWithPath: d).standardizedFileURL
            if let i = shards.firstIndex(where: { $0.0 == url.lastPathComponent }) { shards[i].1.append(url) }
            else { shards.append((url.lastPathComponent, [url])) }
        }
        for (_, dirs) in shards {
            let results = try Aggregator.aggregate(sweepDirectories: dirs)
            let files = try Aggregator.write(results, to: RunLayout(sweepDirectory: dirs[0]).aggregateDirectory)
            let runs = results.groups.reduce(0) { $0 + $1.replicates }
            let dir = RunLayout(sweepDirectory: dirs[0]).aggregateDirectory.path
            print("\(dirs[0].path): \(results.groups.count) points, \(runs) runs → \(dir)/ (metrics.tsv\(files.count > 1 ? " + \(files.count - 1) series" : ""))")
        }
    }
}
