import ArgumentParser
import Foundation
import Numerics
import Sim

/// `sim bench`: a paper's registered benchmark.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a paper's registered benchmark; the last line printed is its throughput.")

    @Argument(help: "Paper key (e.g. lowrank).")
    var paper: String

    func run() throws {
        guard let bench = BenchmarkRegistry.benchmark(for: paper) else {
            let known = BenchmarkRegistry.papers
            throw CLIError("no benchmark registered for paper `\(paper)`" +
                           (known.isEmpty ? " (none are registered)" : "; registered: \(known.joined(separator: ", "))"))
        }
        BLASInfo.useSingleThread()
        let output = try bench()
        print(output.hasSuffix("\n") ? String(output.dropLast()) : output)
    }
}
