import Foundation

/// Paper → benchmark closure, for `sim bench <paper>`.
///
/// A benchmark runs a fixed, representative workload and returns its report as text lines; the
/// **last line must be the throughput** (e.g. `throughput: 1234 steps/s`) so scripts comparing
/// implementations can read it with `tail -1`. Papers register at start-up (the `sim` executable registers its papers), or through an experiment's `benchmark`.
public enum BenchmarkRegistry {
    public typealias Benchmark = @Sendable () throws -> String

    /// Built in: `transformer`, the general learner at a size beyond the papers' (`TransformerBench`).
    nonisolated(unsafe) private static var table: [String: Benchmark] = ["transformer": { TransformerBench.report().joined(separator: "\n") }]
    private static let lock = NSLock()

    public static func register(paper: String, _ benchmark: @escaping Benchmark) {
        lock.lock(); defer { lock.unlock() }
        table[paper] = benchmark
    }

    /// The explicitly registered benchmark of `paper`, else the `benchmark` of its first experiment
    /// (by name) that has one.
    public static func benchmark(for paper: String) -> Benchmark? {
        let experiments = ExperimentRegistry.all
        lock.lock()
        let registered = table[paper]
        lock.unlock()
        return registered ?? experiments.first { $0.paper == paper && $0.benchmark != nil }?.benchmark
    }

    /// Papers with a benchmark, sorted.
    public static var papers: [String] {
        let experiments = ExperimentRegistry.all
        lock.lock(); defer { lock.unlock() }
        return Array(Set(table.keys).union(experiments.filter { $0.benchmark != nil }.map(\.paper))).sorted()
    }
}

/// Report lines shared by the papers' benchmarks.
public enum BenchmarkLines {
    /// The `precision: float` line of a benchmark that measures both precisions (`benchmarks/compare`
    /// reads it: "float …: every sample X steps/s, Y GFLOP/s; hinge Z steps/s, W GFLOP/s").
    public static func float(
        everySample: (stepsPerSecond: Double, gflops: Double),
        hinge: (stepsPerSecond: Double, gflops: Double), doubleHinge: Double
    ) -> String {
        String(
            format: "float (precision: float): every sample %.0f steps/s, %.1f GFLOP/s; hinge %.0f steps/s, %.1f GFLOP/s (%.2f× Double)",
            everySample.stepsPerSecond, everySample.gflops, hinge.stepsPerSecond, hinge.gflops, hinge.stepsPerSecond / doubleHinge)
    }
}

extension BenchmarkLines {
    /// The learner-alone line: how much of a step is data generation, and the GFLOP/s of the rest
    /// (`benchmarks/compare` reads it: "learner alone …: hinge X GFLOP/s …; every sample Y GFLOP/s …").
    public static func learner(hinge: (dataFraction: Double, gflops: Double), everySample: (dataFraction: Double, gflops: Double)) -> String {
        String(
            format: "learner alone (data generation excluded): hinge %.1f GFLOP/s (data %.0f%% of the step); every sample %.1f GFLOP/s (data %.0f%%)",
            hinge.gflops, 100 * hinge.dataFraction, everySample.gflops, 100 * everySample.dataFraction)
    }
}
