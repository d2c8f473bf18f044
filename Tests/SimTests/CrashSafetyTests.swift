import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Crash safety and `sim status` on the toy experiment (in-process; the subprocess SIGKILL/SIGTERM
/// tests on a real scenario are in `CLITests`).
@Suite("Crash safety and status")
struct CrashSafetyTests {
    init() { ToyExperiment.register() }

    private func plan(tag: String, extra: String = "", seeds: Int = 3) throws -> Plan {
        Plan(
            scenario: try loadScenario(
                """
                experiment: test.quadratic
                params: {tag: \(tag), length: 4\(extra)}
                sweep:
                  grid: {a: [1, 2, 3], b: [1, 2]}
                  seeds: \(seeds)
                """))
    }

    private func options(
        _ out: URL, jobs: Int = 2, flag: CancellationFlag = CancellationFlag(), shard: Shard? = nil,
        onEvent: (@Sendable (RunEvent) -> Void)? = nil
    ) -> RunOptions {
        RunOptions(out: out, jobs: jobs, progress: .silent, cancellation: flag, argv: ["test"], shard: shard, onEvent: onEvent)
    }

    @Test("cancel: running points are marked interrupted (no record, no .running), status counts them; resume gives the uninterrupted aggregate")
    func cancelMarksInterrupted() throws {
        let p = try plan(tag: "int-\(UUID())", extra: ", work_ms: 40")
        let out = makeTempDirectory(), reference = makeTempDirectory()
        let flag = CancellationFlag()
        let started = Counter()
        // Cancel as the 5th point starts: that point (at least) is running and sees the flag.
        let first = try Runner.run(
            p,
            options: options(out, flag: flag) { event in
                if case .started = event, started.increment() == 5 { flag.cancel(reason: "SIGTERM") }
            })
        let layout = RunLayout(out: out, plan: p)
        #expect(first.cancelled && first.interrupted >= 1)
        let interrupted = names(in: layout.pointsDirectory, suffix: ".interrupted")
        #expect(interrupted.count == first.interrupted)
        #expect(names(in: layout.pointsDirectory, suffix: ".running").isEmpty)
        for n in interrupted {
            let id = String(n.dropLast(".interrupted".count))
            #expect(!FileManager.default.fileExists(atPath: layout.record(id).path), "an interrupted point has no record")
            let m = try Store.decoder().decode(InterruptedMarker.self, from: Data(contentsOf: layout.pointsDirectory.appendingPathComponent(n)))
            #expect(m.reason == "SIGTERM" && m.pid == getpid())
        }
        let status = try SweepStatus.scan([layout.sweepDirectory])
        #expect(status.count(.done) == first.executed)
        #expect(status.count(.interrupted) == first.interrupted)
        #expect(status.count(.pending) == p.points.count - first.executed - first.interrupted)
        #expect(status.summary.contains("interrupted \(first.interrupted)") && status.summary.contains("SIGTERM"))

        let second = try Runner.run(p, options: options(out))
        #expect(second.isComplete && second.skipped == first.executed && second.executed == p.points.count - first.executed)
        #expect(names(in: layout.pointsDirectory, suffix: ".interrupted").isEmpty)
        #expect(try SweepStatus.scan([layout.sweepDirectory]).isComplete)

        // Bit for bit: the resumed sweep aggregates to the same files as an uninterrupted one.
        _ = try Runner.run(p, options: options(reference, jobs: 1))
        let a = makeTempDirectory(), b = makeTempDirectory()
        try Aggregator.write(try Aggregator.aggregate(p, out: out), to: a)
        try Aggregator.write(try Aggregator.aggregate(p, out: reference), to: b)
        expectSameFiles(a, b, "resumed vs uninterrupted aggregate")
    }

    @Test("a killed process leaves .running markers and temporaries: status says interrupted, the next run cleans up and re-runs them")
    func staleMarkersAfterKill() throws {
        let tag = "stale-\(UUID())"
        let p = try plan(tag: tag, seeds: 1)
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: options(out))
        let layout = RunLayout(out: out, plan: p)
        // Simulate a SIGKILL in the middle of two points: no record or marker yet, a .running
        // marker of a dead process, a half-written temporary of the record.
        let victims = Array(p.points[1...2])
        let dead = RunningMarker(pid: Int32.max - 7, host: Store.hostName, processStart: nil, started: Store.isoDate())
        for v in victims {
            Store.remove(layout.done(v.id)); Store.remove(layout.record(v.id))
            try Store.encoder().encode(dead).write(to: layout.running(v.id))
        }
        let tmp = layout.pointsDirectory.appendingPathComponent(".\(victims[0].id).json\(Store.temporaryMarker)\(Store.hostName)~\(Int32.max - 7)~42")
        try Data("{\"experiment\": \"test.qua".utf8).write(to: tmp)
        // A live marker (this process) stays `running`; one from another host is assumed running.
        let live = p.points[3], remote = p.points[4]
        Store.remove(layout.done(live.id)); Store.remove(layout.done(remote.id))
        try Store.encoder().encode(RunningMarker.current()).write(to: layout.running(live.id))
        try Store.encoder().encode(RunningMarker(pid: 1, host: "some-other-node", processStart: nil, started: "x")).write(to: layout.running(remote.id))

        let status = try SweepStatus.scan([layout.sweepDirectory])
        #expect(status.count(.interrupted) == 2 && status.count(.running) == 2 && status.count(.done) == p.points.count - 4)
        #expect(status.points.first { $0.id == victims[0].id }?.detail?.contains("killed?") == true)
        #expect(status.points.first { $0.id == remote.id }?.detail?.contains("some-other-node") == true)

        let before = ToyCounter.count(tag)
        let r = try Runner.run(p, options: options(out))
        #expect(r.recovered == 2)
        // The two interrupted ones and the two whose markers were removed by hand are re-run.
        #expect(r.executed == 4 && ToyCounter.count(tag) - before == 4 && r.isComplete)
        #expect(!FileManager.default.fileExists(atPath: tmp.path), "stale temporary removed")
        #expect(names(in: layout.pointsDirectory, suffix: ".running").isEmpty)
        #expect(names(in: layout.pointsDirectory, suffix: ".interrupted").isEmpty)
        #expect(try SweepStatus.scan([layout.sweepDirectory]).count(.done) == p.points.count)
    }

    @Test("a torn record or one from another configuration is re-run, never reused")
    func tornAndForeignRecords() throws {
        let tag = "torn-\(UUID())"
        let p = try plan(tag: tag, seeds: 1)
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: options(out))
        let layout = RunLayout(out: out, plan: p)
        // Torn: a done marker with a truncated record (a filesystem without atomic rename, or a hand copy).
        let torn = p.points[0]
        let bytes = try Data(contentsOf: layout.record(torn.id))
        try bytes.prefix(bytes.count / 2).write(to: layout.record(torn.id))
        // Foreign: a valid record whose configuration is not this point's.
        let foreign = p.points[1]
        var rec = try Store.decoder().decode(PointRecord.self, from: Data(contentsOf: layout.record(foreign.id)))
        rec.canonical += ";extra=1"
        try Store.encoder(pretty: false).encode(rec).write(to: layout.record(foreign.id))
        // Another experiment's record under this id.
        let other = p.points[2]
        rec = try Store.decoder().decode(PointRecord.self, from: Data(contentsOf: layout.record(other.id)))
        rec.experiment = "lowrank.train"
        try Store.encoder(pretty: false).encode(rec).write(to: layout.record(other.id))

        let before = ToyCounter.count(tag)
        let r = try Runner.run(p, options: options(out))
        #expect(r.executed == 3 && ToyCounter.count(tag) - before == 3 && r.skipped == p.points.count - 3)
        #expect(try Store.decoder().decode(PointRecord.self, from: Data(contentsOf: layout.record(torn.id))).canonical == torn.canonical)
    }

    @Test("failed points: status shows the first error line; a later success clears the .failed file")
    func failedStatus() throws {
        let tag = "failst-\(UUID())"
        let p = Plan(scenario: try loadScenario("experiment: test.quadratic\nparams: {tag: \(tag)}\nsweep: {grid: {mode: [ok, throw]}, seeds: 2}\n"))
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: options(out))
        let layout = RunLayout(out: out, plan: p)
        let status = try SweepStatus.scan([layout.sweepDirectory])
        #expect(status.count(.failed) == 2 && status.count(.done) == 2)
        #expect(status.points.filter { $0.state == .failed }.allSatisfy { $0.detail == "toy failure at a = 1.0" && $0.coordinates == "mode=throw" })
        #expect(status.summary.contains("failed      ") && status.summary.contains("toy failure at a = 1.0"))
        #expect(!status.isComplete)
    }

    @Test("atomic writes leave no temporaries; concurrent writers of one file never expose a torn file")
    func atomicWrites() throws {
        let dir = makeTempDirectory()
        let url = dir.appendingPathComponent("f.json")
        let payloads = (0..<8).map { i in Data(String(repeating: "\(i)", count: 100_000).utf8) }
        let torn = Counter()
        DispatchQueue.concurrentPerform(iterations: 64) { k in
            try? Store.writeAtomically(payloads[k % 8], to: url)
            if let d = FileManager.default.contents(atPath: url.path), !payloads.contains(d) { _ = torn.increment() }
        }
        #expect(torn.increment() == 1, "a reader saw a torn file")
        #expect(try payloads.contains(Data(contentsOf: url)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["f.json"])
        // A write into a missing directory is an error, not a trap.
        #expect(throws: StoreError.self) { try Store.writeAtomically(Data(), to: dir.appendingPathComponent("no/such/dir/x")) }
    }
}
