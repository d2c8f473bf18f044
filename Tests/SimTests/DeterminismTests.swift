import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Results do not depend on `--jobs` or on sharding, for every scenario of every paper.
///
/// Each scenario under `scenarios/<paper>/` (every paper directory, so a new paper is covered
/// without touching this file) runs in its smoke variant twice: whole, with 2 worker threads; and
/// as 3 shards with 1 worker each, into 3 separate output roots. Point records must be identical
/// byte for byte, and the aggregate TSVs of the whole run must equal those merged from the shards'
/// directories (what `sim aggregate` does). To bound the time as papers are added, each smoke plan
/// is cut to its first parameter points (at most `maxRunsPerScenario` runs).
@Suite("Determinism across jobs and shards (every paper's smoke scenarios)", .serialized)
struct DeterminismTests {

    /// At most this many runs per scenario: the first parameter points of the smoke plan (whole
    /// points, all their replicates), so the test's time stays bounded as papers are added.
    static let maxRunsPerScenario = debugBuild ? 2 : 6

    /// Unoptimized (debug) builds train tens of times slower: there, only the first two scenarios of
    /// each paper are checked, unless PROVABLE_FULL_DETERMINISM=1. The documented test command
    /// (scripts/test.sh, optimized) always checks every scenario.
    static let debugBuild: Bool = {
        #if DEBUG
        return ProcessInfo.processInfo.environment["PROVABLE_FULL_DETERMINISM"] != "1"
        #else
        return false
        #endif
    }()

    /// Extra `--set` overrides per paper, to keep this test's run time down if a paper's smoke
    /// variant is long (none: the smoke variant as written).
    static let reductions: [String: [String]] = [
        // Training length does not matter for determinism; the measurements after training still run.
        "lowrank": ["params.T=150", "params.max_epochs=8"]
    ]

    /// The paper's reductions that the scenario's experiment has (a paper's relaxation experiment has
    /// no `max_epochs`, for one).
    static func reductions(_ paper: String, accepted names: [String]) -> [String] {
        (reductions[paper] ?? []).filter { o in
            let key = o.split(separator: "=")[0].split(separator: ".").last.map(String.init) ?? ""
            return names.contains(key)
        }
    }

    @Test("every smoke scenario: jobs 2 whole == 3 shards × jobs 1, records and aggregates byte for byte")
    func smokeScenarios() throws {
        let papers = paperDirectories()
        #expect(papers.contains("lowrank"), "scenarios/ not found at \(packageRoot.path)/scenarios")
        var checked = 0
        for paper in papers {
            let files = scenarioFiles(paper: paper)
            #expect(!files.isEmpty, "scenarios/\(paper)/ has no scenario files")
            for file in Self.debugBuild ? Array(files.prefix(2)) : files {
                let path = packageRoot.appendingPathComponent(file).path
                let full = try ScenarioLoader.load(path)
                guard full.hasSmokeBlock else {
                    Issue.record("\(file) has no smoke: block; every scenario needs a seconds-long smoke variant (CI runs it here)")
                    continue
                }
                let plan = Plan(
                    scenario: try ScenarioLoader.load(
                        path,
                        options: ScenarioOptions(
                            smoke: true, overrides: Self.reductions(paper, accepted: full.experiment.parameters.map(\.name)))))
                let t0 = Date()
                let cut = Self.truncated(plan)
                try check(cut, label: file)
                print(
                    "determinism: \(file) — \(cut.points.count) of \(plan.points.count) smoke runs, \(String(format: "%.1f", Date().timeIntervalSince(t0))) s")
                checked += 1
            }
        }
        #expect(checked > 0)
    }

    /// The plan restricted to its first parameter points, at most `maxRunsPerScenario` runs (at least one point).
    static func truncated(_ plan: Plan) -> Plan {
        var plan = plan
        var keep = 0, runs = 0
        for g in plan.groups {
            let n = plan.points.lazy.filter { $0.group == g.index }.count
            if keep > 0 && runs + n > maxRunsPerScenario { break }
            keep += 1; runs += n
        }
        let kept = Set(plan.groups.prefix(keep).map(\.index))
        plan.groups = Array(plan.groups.prefix(keep))
        plan.points = plan.points.filter { kept.contains($0.group) }
        return plan
    }

    private func check(_ plan: Plan, label: String) throws {
        var scratch: [URL] = []
        func temp(_ label: String) -> URL { let u = makeTempDirectory(label); scratch.append(u); return u }
        defer { for u in scratch { try? FileManager.default.removeItem(at: u) } }
        let whole = temp("det-whole")
        let quiet = { @Sendable (out: URL, jobs: Int, shard: Shard?) in
            RunOptions(out: out, jobs: jobs, progress: .silent, argv: ["test"], shard: shard)
        }
        let report = try Runner.run(plan, options: quiet(whole, 2, nil))
        #expect(report.isComplete, "\(label): \(report.summary)")
        // The three shards run at the same time (like array tasks), one worker each.
        let outs = (0..<3).map { temp("det-shard\($0)") }
        let reports = ShardReports()
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            reports.set(i, Result { try Runner.run(plan, options: quiet(outs[i], 1, try Shard(index: i, count: 3))) })
        }
        var covered = 0
        for i in 0..<3 {
            let r = try reports.get(i).get()
            #expect(r.isComplete && r.shard?.index == i, "\(label) shard \(i): \(r.summary)")
            covered += r.total
        }
        let shardDirs = outs.map { RunLayout(out: $0, plan: plan).sweepDirectory }
        #expect(covered == plan.points.count, "\(label): the shards cover \(covered) of \(plan.points.count) points")

        // Records: the same bytes, wherever and however they were computed.
        let wholeLayout = RunLayout(out: whole, plan: plan)
        for p in plan.points {
            let a = FileManager.default.contents(atPath: wholeLayout.record(p.id).path)
            let b = shardDirs.lazy.compactMap { FileManager.default.contents(atPath: RunLayout(sweepDirectory: $0).record(p.id).path) }.first
            #expect(a != nil && a == b, "\(label): record \(p.id) differs between jobs 2 and the shards")
        }
        // Aggregates: `sim run`'s (from the plan) vs merged from the three shard directories.
        let fromRun = temp("det-agg-run"), fromShards = temp("det-agg-shards")
        try Aggregator.write(try Aggregator.aggregate(plan, out: whole), to: fromRun)
        let merged = try Aggregator.aggregate(sweepDirectories: shardDirs)
        #expect(merged.notices.isEmpty, "\(label): \(merged.notices)")
        try Aggregator.write(merged, to: fromShards)
        expectSameFiles(fromRun, fromShards, "\(label): aggregate of the whole run vs the merged shards")
    }
}

/// Shard reports filled in from concurrent threads.
private final class ShardReports: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<SweepReport, Error>] = [:]
    func set(_ i: Int, _ r: Result<SweepReport, Error>) { lock.lock(); results[i] = r; lock.unlock() }
    func get(_ i: Int) -> Result<SweepReport, Error> {
        lock.lock(); defer { lock.unlock() }
        return results[i] ?? .failure(StoreError("shard \(i) did not report"))
    }
}
