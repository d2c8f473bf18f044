import ArgumentParser
import Foundation
import ProvableNumerics
import Sim

/// `sim bench`: a paper's registered benchmark.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a paper's registered benchmark; the last line printed is its throughput.",
        discussion: "`sim bench peak` measures the one-core dgemm peak (square sizes 64–512) instead; its last line is `dgemm peak (1 core): X.X GFLOP/s`.")

    @Argument(help: "Paper key (e.g. lowrank), or `peak` for the one-core dgemm peak.")
    var paper: String

    func run() throws {
        if paper == "peak" {
            BLASInfo.useSingleThread()
            print(BLASPeak.report().joined(separator: "\n"))
            return
        }
        guard let bench = BenchmarkRegistry.benchmark(for: paper) else {
            let known = BenchmarkRegistry.papers
            throw CLIError(
                "no benchmark registered for paper `\(paper)`" + (known.isEmpty ? " (none are registered)" : "; registered: \(known.joined(separator: ", "))"))
        }
        BLASInfo.useSingleThread()
        let output = try bench()
        print(output.hasSuffix("\n") ? String(output.dropLast()) : output)
    }
}
