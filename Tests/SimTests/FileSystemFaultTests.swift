import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Small, real file systems for fault tests: a tmpfs mounted for one test (root or CAP_SYS_ADMIN).
enum ScratchMount {
    /// Whether this machine lets the tests mount a tmpfs (probed once). `.ci/run` sets
    /// PROVABLE_REQUIRE_MOUNT=1 when it can mount, so CI cannot skip these tests silently.
    static let available: Bool = {
        let dir = makeTempDirectory("mount-probe")
        guard shell("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path) == 0 else { return false }
        _ = shell("umount", dir.path)
        return true
    }()
    static let enabled = available || ProcessInfo.processInfo.environment["PROVABLE_REQUIRE_MOUNT"] == "1"

    /// A fresh tmpfs of `kilobytes` KiB.
    static func tmpfs(kilobytes: Int) throws -> URL {
        let dir = makeTempDirectory("tmpfs")
        guard shell("mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", dir.path) == 0 else {
            throw StoreError("cannot mount a tmpfs at \(dir.path) (needs root or CAP_SYS_ADMIN)")
        }
        return dir
    }
    static func remount(_ dir: URL, readOnly: Bool) throws {
        guard shell("mount", "-o", "remount,\(readOnly ? "ro" : "rw")", dir.path) == 0 else { throw StoreError("cannot remount \(dir.path)") }
    }
    static func unmount(_ dir: URL) { _ = shell("umount", "-l", dir.path) }

    @discardableResult
    static func shell(_ args: String...) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// Issue 14, part 5: a full disk, a read-only output directory and two `sim run` on one sweep
/// directory lose and corrupt nothing.
@Suite("File-system faults: disk full, read-only, concurrent runs")
struct FileSystemFaultTests {
    init() { ToyExperiment.register() }

    /// 30 toy runs whose records are ≈ 20 KiB each (a 1000-point series).
    private func plan(_ tag: String, seeds: Int = 3) throws -> Plan {
        Plan(
            scenario: try loadScenario(
                """
                experiment: test.quadratic
                params: {tag: \(tag), length: 1000}
                sweep:
                  grid: {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}
                  seeds: \(seeds)
                """))
    }

    private func options(_ out: URL, jobs: Int = 2) -> RunOptions {
        RunOptions(out: out, jobs: jobs, progress: .silent, argv: ["test"])
    }

    /// Every `.done` marker has a complete record that is current for its point; returns how many.
    private func checkFinished(_ plan: Plan, _ layout: RunLayout) -> Int {
        var finished = 0
        for p in plan.points where FileManager.default.fileExists(atPath: layout.done(p.id).path) {
            finished += 1
            #expect(
                Runner.existingResult(of: p, plan: plan, layout: layout) != nil,
                "\(p.id): marked done but its record is missing, torn or not its own")
        }
        return finished
    }

    @Test(
        "disk full: the sweep stops with an error naming the file and ENOSPC, every done point has its record, the resumed sweep equals a clean one",
        .enabled(if: ScratchMount.enabled))
    func diskFull() throws {
        let plan = try plan("full-\(UUID())")
        let reference = makeTempDirectory("full-ref")
        _ = try Runner.run(plan, options: options(reference))
        let disk = try ScratchMount.tmpfs(kilobytes: 256)
        defer { ScratchMount.unmount(disk) }

        let report = try Runner.run(plan, options: options(disk))
        let failure = try #require(report.storageFailure, "the sweep did not notice the full disk: \(report.summary)")
        #expect(failure.contains("No space left on device") && failure.contains(disk.path), "\(failure)")
        #expect(report.executed > 0 && report.executed < plan.points.count, "\(report.summary)")
        #expect(report.failed.isEmpty, "a full disk must stop the sweep, not fail point after point: \(report.summary)")
        #expect(report.summary.contains("stopped: ") && report.summary.contains("finished points are kept"))
        let layout = RunLayout(out: disk, plan: plan)
        let finished = checkFinished(plan, layout)
        #expect(finished == report.executed, "\(finished) done markers, \(report.executed) points reported finished")

        // Resume on a disk with room: nothing finished is lost or run again, and the result is the clean run's.
        let moved = makeTempDirectory("full-resumed")
        try FileManager.default.removeItem(at: moved)
        try FileManager.default.copyItem(at: disk, to: moved)
        let resumed = try Runner.run(plan, options: options(moved))
        #expect(resumed.isComplete && resumed.skipped == finished && resumed.executed == plan.points.count - finished, "\(resumed.summary)")
        for p in plan.points {
            #expect(
                FileManager.default.contents(atPath: RunLayout(out: moved, plan: plan).record(p.id).path)
                    == FileManager.default.contents(atPath: RunLayout(out: reference, plan: plan).record(p.id).path), "\(p.id) differs from the clean run")
        }
    }

    @Test(
        "read-only output: an error naming the directory and the reason, the finished points intact",
        .enabled(if: ScratchMount.enabled))
    func readOnly() throws {
        let disk = try ScratchMount.tmpfs(kilobytes: 4096)
        defer { ScratchMount.unmount(disk) }
        let small = try plan("ro-\(UUID())", seeds: 1)
        let first = try Runner.run(small, options: options(disk))
        #expect(first.isComplete)
        let layout = RunLayout(out: disk, plan: small)
        let before = filesRecursively(layout.sweepDirectory).map {
            ($0, FileManager.default.contents(atPath: layout.sweepDirectory.appendingPathComponent($0).path))
        }
        try ScratchMount.remount(disk, readOnly: true)

        // More seeds of the same sweep: a new sweep directory cannot even be created.
        do {
            _ = try Runner.run(try plan("ro-more-\(UUID())", seeds: 2), options: options(disk))
            Issue.record("a run into a read-only directory did not fail")
        } catch let e as StoreError {
            #expect(e.description.contains("Read-only file system") && e.description.contains(disk.path), "\(e)")
        }
        // Re-running the finished sweep needs to write its manifest: a clear error, nothing touched.
        do {
            _ = try Runner.run(small, options: options(disk))
            Issue.record("a run into a read-only directory did not fail")
        } catch let e as StoreError {
            #expect(e.description.contains("Read-only file system") && e.description.contains(layout.sweepDirectory.path), "\(e)")
        }
        let after = filesRecursively(layout.sweepDirectory).map {
            ($0, FileManager.default.contents(atPath: layout.sweepDirectory.appendingPathComponent($0).path))
        }
        #expect(after.map(\.0) == before.map(\.0) && zip(after, before).allSatisfy { $0.1 == $1.1 })
        #expect(checkFinished(small, layout) == small.points.count)

        // The command line says the same, naming the path, with exit status 1.
        let r = try #require(try runSim(["run", "scenarios/lowrank/r8_iteration_scaling_eta.yaml", "--smoke", "--out", disk.path, "--jobs", "1"]))
        #expect(
            r.status == 1 && r.stderr.contains("error: cannot create directory \(disk.path)/runs") && r.stderr.contains("Read-only file system"), "\(r.stderr)")
    }

    @Test("two sim run processes on one sweep directory: both succeed, no point runs twice, the result equals a single run")
    func concurrentRuns() throws {
        let scenario = "scenarios/lowrank/r8_iteration_scaling_alpha.yaml"
        let args = ["run", scenario, "--smoke", "--set", "sweep.seeds=6", "--jobs", "1", "--no-render"]
        let shared = makeTempDirectory("concurrent"), alone = makeTempDirectory("concurrent-alone")
        let sim = try #require(simExecutable())
        let a = SimProcess(sim, args + ["--out", shared.path]), b = SimProcess(sim, args + ["--out", shared.path])
        try a.start(); try b.start()
        let ra = a.wait(timeout: 300), rb = b.wait(timeout: 300)
        #expect(ra.status == 0 && rb.status == 0, "\(ra.stderr)\n\(rb.stderr)")
        let single = try #require(try runSim(args + ["--out", alone.path], timeout: 300))
        #expect(single.status == 0, "\(single.stderr)")

        func count(_ text: String, _ pattern: String) -> Int {
            guard let r = text.range(of: pattern, options: .regularExpression) else { return 0 }
            return Int(text[r].prefix { $0.isNumber }) ?? 0
        }
        let total = count(single.stdout, "[0-9]+ points")
        let ranA = count(ra.stdout, "[0-9]+ run now"), ranB = count(rb.stdout, "[0-9]+ run now")
        #expect(ranA > 0 && ranB > 0, "the two processes did not overlap (\(ranA) and \(ranB) points): the test did not exercise concurrency")
        #expect(
            total == 18 && ranA + ranB == total,
            "each point must run exactly once across the two processes: \(ranA) + \(ranB) of \(total)\n\(ra.stdout)\n\(rb.stdout)")

        let dirs = try FileManager.default.contentsOfDirectory(atPath: shared.appendingPathComponent("runs/r8_iteration_scaling_alpha").path)
        #expect(dirs.count == 1)
        let sweep = shared.appendingPathComponent("runs/r8_iteration_scaling_alpha/\(dirs[0])")
        let reference = alone.appendingPathComponent("runs/r8_iteration_scaling_alpha/\(dirs[0])")
        let status = try SweepStatus.scan([sweep])
        #expect(status.isComplete && status.count(.done) == total)
        // No torn or missing file: the records and the aggregate are byte-identical to the single run's.
        expectSameFiles(sweep.appendingPathComponent("aggregate"), reference.appendingPathComponent("aggregate"), "aggregate of two concurrent runs")
        let records = names(in: sweep.appendingPathComponent("points"), suffix: ".json")
        #expect(records.count == total && records == names(in: reference.appendingPathComponent("points"), suffix: ".json"))
        for n in records {
            #expect(
                FileManager.default.contents(atPath: sweep.appendingPathComponent("points/\(n)").path)
                    == FileManager.default.contents(atPath: reference.appendingPathComponent("points/\(n)").path), "\(n) differs")
        }
        #expect(names(in: sweep.appendingPathComponent("points"), suffix: ".running").isEmpty)
        #expect(
            ((try? FileManager.default.contentsOfDirectory(atPath: sweep.appendingPathComponent("points").path)) ?? []).allSatisfy { !$0.hasPrefix(".") },
            "temporaries left behind")
    }
}
