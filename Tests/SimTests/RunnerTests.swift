import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

@Suite("Runner: parallel, deterministic, resumable")
struct RunnerTests {
    init() { ToyExperiment.register() }

    /// A toy plan whose runs count under `tag`.
    private func plan(tag: String, extra: String = "", sweep: String = "grid: {a: [1, 2, 3], b: [1, 2]}\n  seeds: 3") throws -> Plan {
        Plan(
            scenario: try loadScenario(
                """
                experiment: test.quadratic
                params: {tag: \(tag), length: 4\(extra)}
                sweep:
                  \(sweep)
                """))
    }

    private func options(
        _ out: URL, jobs: Int, flag: CancellationFlag = CancellationFlag(),
        onEvent: (@Sendable (RunEvent) -> Void)? = nil
    ) -> RunOptions {
        RunOptions(out: out, jobs: jobs, progress: .silent, cancellation: flag, argv: ["test"], onEvent: onEvent)
    }

    private func files(in dir: URL, suffix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
    }

    @Test("several plans through one pool (sim reproduce): each plan's records equal a run of it alone; the same plan twice runs once")
    func sharedPool() throws {
        let a = try plan(tag: "pool-a-\(UUID())", extra: ", work_ms: 2")
        let b = try plan(tag: "pool-b-\(UUID())", extra: ", work_ms: 1", sweep: "grid: {a: [1, 2]}\n  seeds: 5")
        let together = makeTempDirectory(), alone = makeTempDirectory()
        let reports = try Runner.run([a, b], options: options(together, jobs: 2))
        #expect(reports.count == 2 && reports.allSatisfy { $0.isComplete && $0.failed.isEmpty })
        #expect(reports[0].executed == a.points.count && reports[1].executed == b.points.count)
        for p in [a, b] {
            let r = try Runner.run(p, options: options(alone, jobs: 1))
            #expect(r.executed == p.points.count)
            let d1 = RunLayout(out: together, plan: p).pointsDirectory, d2 = RunLayout(out: alone, plan: p).pointsDirectory
            let names = files(in: d1, suffix: ".json")
            #expect(names.count == p.points.count && names == files(in: d2, suffix: ".json"))
            for n in names {
                let x = try Data(contentsOf: d1.appendingPathComponent(n)), y = try Data(contentsOf: d2.appendingPathComponent(n))
                #expect(x == y, "\(n) differs between the shared pool and a run alone")
            }
        }
        // The same plan twice shares one sweep directory: run one after the other, the second finds everything done.
        let twice = makeTempDirectory()
        let r2 = try Runner.run([a, a], options: options(twice, jobs: 2))
        #expect(r2[0].executed == a.points.count && r2[1].executed == 0 && r2[1].skipped == a.points.count)
    }

    @Test("jobs 1 and jobs 2 write byte-identical point records")
    func determinismAcrossJobs() throws {
        let tag = "det-\(UUID())"
        let p = try plan(tag: tag, extra: ", work_ms: 2")
        let out1 = makeTempDirectory(), out2 = makeTempDirectory()
        let r1 = try Runner.run(p, options: options(out1, jobs: 1))
        let r2 = try Runner.run(p, options: options(out2, jobs: 2))
        #expect(r1.executed == p.points.count && r2.executed == p.points.count && r1.isComplete && r2.isComplete)
        let d1 = RunLayout(out: out1, plan: p).pointsDirectory, d2 = RunLayout(out: out2, plan: p).pointsDirectory
        let names = files(in: d1, suffix: ".json")
        #expect(names.count == p.points.count)
        #expect(names == files(in: d2, suffix: ".json"))
        for n in names {
            let a = try Data(contentsOf: d1.appendingPathComponent(n)), b = try Data(contentsOf: d2.appendingPathComponent(n))
            #expect(a == b, "\(n) differs between jobs 1 and 2")
        }
        // The record decodes back to what the experiment returned for that seed.
        let pt = p.points[4]
        let rec = try Store.decoder().decode(PointRecord.self, from: Data(contentsOf: RunLayout(out: out1, plan: p).record(pt.id)))
        #expect(rec.parameters == pt.parameters && rec.seed == pt.seed && rec.replicate == pt.replicate)
        #expect(rec.result == (try ToyExperiment().run(pt.parameters, context: RunContext(seed: pt.seed))))
        // Atomic writes leave no temporary files behind.
        let all = (try? FileManager.default.contentsOfDirectory(atPath: d1.path)) ?? []
        #expect(all.count == 2 * p.points.count && !all.contains { $0.contains(".tmp") })
        // Layout files.
        let layout = RunLayout(out: out1, plan: p)
        for f in [layout.resolvedScenario, layout.planFile, layout.manifest] {
            #expect(FileManager.default.fileExists(atPath: f.path), "\(f.path)")
        }
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: layout.manifest)) as! [String: Any]
        #expect(manifest["jobs"] as? Int == 1 && manifest["sweep_id"] as? String == p.sweepID)
        #expect(manifest["blas_config"] is String && manifest["argv"] as? [String] == ["test"])
        // The versions behind the numbers and figures: OpenBLAS, the Swift compiler, gnuplot.
        #expect((manifest["blas_config"] as? String)?.hasPrefix("OpenBLAS 0.") == true, "\(manifest["blas_config"] ?? "")")
        #expect((manifest["swift_compiler"] as? String)?.hasPrefix("Swift ") == true)
        #expect((manifest["gnuplot_version"] as? String)?.hasPrefix("gnuplot ") == true)
    }

    @Test("a re-run skips finished points and re-runs only those without a done marker")
    func resumeAfterDeletedMarkers() throws {
        let tag = "resume-\(UUID())"
        let p = try plan(tag: tag)
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: options(out, jobs: 2))
        #expect(ToyCounter.count(tag) == 18)
        let again = try Runner.run(p, options: options(out, jobs: 2))
        #expect(again.skipped == 18 && again.executed == 0 && ToyCounter.count(tag) == 18)

        let layout = RunLayout(out: out, plan: p)
        for pt in p.points[3..<7] { try FileManager.default.removeItem(at: layout.done(pt.id)) }
        let third = try Runner.run(p, options: options(out, jobs: 2))
        #expect(third.skipped == 14 && third.executed == 4 && ToyCounter.count(tag) == 22)
    }

    @Test("a record whose parameters or seed do not match the plan is re-run")
    func mismatchedRecordReruns() throws {
        let tag = "mismatch-\(UUID())"
        let p = try plan(tag: tag)
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: options(out, jobs: 1))
        let layout = RunLayout(out: out, plan: p)
        let pt = p.points[2]
        var rec = try Store.decoder().decode(PointRecord.self, from: Data(contentsOf: layout.record(pt.id)))
        rec.seed &+= 1
        try Store.encoder().encode(rec).write(to: layout.record(pt.id))
        let r = try Runner.run(p, options: options(out, jobs: 1))
        #expect(r.executed == 1 && r.skipped == p.points.count - 1)
        #expect(ToyCounter.count(tag) == p.points.count + 1)
    }

    @Test("cancellation stops the sweep cleanly; the re-run finishes without redoing finished points")
    func interruptAndResume() throws {
        let tag = "cancel-\(UUID())"
        let p = try plan(tag: tag, extra: ", work_ms: 30")
        let out = makeTempDirectory()
        let flag = CancellationFlag()
        let finished = Counter()
        let first = try Runner.run(
            p,
            options: options(out, jobs: 2, flag: flag) { event in
                if case .finished = event, finished.increment() == 3 { flag.cancel() }
            })
        #expect(first.cancelled)
        #expect(first.executed >= 3 && first.executed < p.points.count)
        #expect(first.remaining == p.points.count - first.executed)
        let layout = RunLayout(out: out, plan: p)
        #expect(files(in: layout.pointsDirectory, suffix: ".done").count == first.executed)
        #expect(files(in: layout.pointsDirectory, suffix: ".failed").isEmpty)
        #expect(files(in: layout.pointsDirectory, suffix: ".json").count == first.executed)

        let runsBefore = ToyCounter.count(tag)
        let second = try Runner.run(p, options: options(out, jobs: 2))
        #expect(!second.cancelled && second.isComplete)
        #expect(second.skipped == first.executed)
        #expect(second.executed == p.points.count - first.executed)
        #expect(ToyCounter.count(tag) - runsBefore == second.executed)
    }

    @Test("failed and diverged points are recorded, listed, and the sweep continues")
    func failuresAndDivergence() throws {
        let tag = "fail-\(UUID())"
        let p = try plan(tag: tag, sweep: "grid: {mode: [ok, throw, diverge], a: [1, 2]}\n  seeds: 2")
        let out = makeTempDirectory()
        let r = try Runner.run(p, options: options(out, jobs: 2))
        #expect(r.executed == 8)  // ok + diverged
        #expect(r.failed.count == 4)
        #expect(r.diverged.count == 4)
        #expect(!r.isComplete && r.remaining == 0)
        #expect(r.failed.allSatisfy { $0.message.contains("toy failure") && $0.coordinates.contains("mode=throw") })
        #expect(r.diverged.allSatisfy { $0.message == "diverged at step 3: NaN loss" && $0.coordinates.contains("mode=diverge") })
        #expect(r.summary.contains("4 failed") && r.summary.contains("4 diverged"))
        let layout = RunLayout(out: out, plan: p)
        for pt in p.points where pt.parameters["mode"] == .string("throw") {
            let text = try String(contentsOf: layout.failed(pt.id), encoding: .utf8)
            #expect(text.contains("toy failure") && !FileManager.default.fileExists(atPath: layout.done(pt.id).path))
        }
        // Failures are retried on the next run; diverged points count as finished (and are listed again).
        let again = try Runner.run(p, options: options(out, jobs: 2))
        #expect(again.executed == 0 && again.failed.count == 4 && again.diverged.count == 4 && again.skipped == 8)
        #expect(again.diverged.allSatisfy { $0.message == "diverged at step 3: NaN loss" })

        // Aggregation: diverged runs counted, excluded from statistics; failed runs absent.
        let agg = try Aggregator.aggregate(p, out: out)
        #expect(agg.groups.count == 4)  // ok×2 and diverge×2 groups; throw groups have no records
        // All replicates diverged: every metric the sweep has is present as NaN (missing, not 0).
        for g in agg.groups where g.coordinates["mode"] == .string("diverge") {
            #expect(g.replicates == 2 && g.diverged == 2)
            #expect(g.metrics.keys.sorted() == ["constant", "noise", "value"])
            #expect(g.metrics.values.allSatisfy { $0.n == 0 && $0.mean.isNaN })
            #expect(g.series["curve"].map { $0.n == 0 && $0.mean.allSatisfy(\.isNaN) } == true)
        }
        for g in agg.groups where g.coordinates["mode"] == .string("ok") {
            #expect(g.replicates == 2 && g.diverged == 0 && g.metrics["value"]?.n == 2)
        }
    }
}

@Suite("Benchmark registry")
struct BenchmarkRegistryTests {
    @Test("benchmarks come from an experiment's `benchmark` or an explicit registration")
    func lookup() throws {
        ToyExperiment.register()
        let toy = try #require(BenchmarkRegistry.benchmark(for: "testpaper"))
        #expect(try toy().split(separator: "\n").last == "throughput: 42 runs/s")
        BenchmarkRegistry.register(paper: "registered-paper") { "x\nthroughput: 1/s" }
        #expect(BenchmarkRegistry.papers.contains("registered-paper") && BenchmarkRegistry.papers.contains("testpaper"))
        #expect(BenchmarkRegistry.benchmark(for: "no-such-paper") == nil)
    }
}

/// A thread-safe counter returning the incremented value.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
