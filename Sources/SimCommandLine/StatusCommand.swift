import ArgumentParser
import Foundation
import Sim

/// `sim status`: where every point of a sweep stands.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Count a sweep's points: done, diverged, running, failed, interrupted, pending; list failures with their first error line.",
        discussion: """
            A point is running while its process is alive (a .running marker with a live pid; on another host \
            it is assumed alive); a marker whose process has died counts as interrupted. Directories with the \
            same sweep id (shards) are reported together. Exit status 0 whatever the counts (use --check for 3 \
            when the sweep is not complete).
            """)

    @Argument(help: "Sweep directories (runs/<scenario>/<sweep-id>), or --out roots holding runs/.")
    var runDirectories: [String]

    @Flag(name: .long, help: "Exit with status 3 unless every point is done or diverged.")
    var check = false

    func run() throws {
        var incomplete = false
        for (_, dirs) in try SweepDirectory.groupedBySweep(runDirectories) {
            let status = try SweepStatus.scan(dirs)
            print(status.summary)
            if !status.isComplete { incomplete = true }
        }
        if check && incomplete { throw ExitCode(3) }
    }
}
