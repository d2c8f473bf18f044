import BuildInfo
import Foundation
import ProvableNumerics

/// How to run a plan.
public struct RunOptions: Sendable {
    /// Output root; the sweep goes to `<out>/runs/<scenario>/<sweep-id>/`.
    public var out: URL
    /// Worker threads (runs in parallel). Default: active processor count.
    public var jobs: Int
    public var progress: ProgressMode
    /// Set it (e.g. from SIGINT) to stop handing out points and ask running ones to stop.
    public var cancellation: CancellationFlag
    /// Recorded in the manifest.
    public var argv: [String]
    /// Called from worker threads as points start and end (tests, custom reporting).
    public var onEvent: (@Sendable (RunEvent) -> Void)?
    /// Run only this slice of the plan (`sim run --shard i/n`); nil: every point.
    public var shard: Shard?
    /// `--reuse-stale`: reuse finished points whose record was produced by other code (another
    /// fingerprint, or none), with a warning, instead of re-running them.
    public var reuseStale: Bool
    /// The fingerprint new records get and reused ones must carry (tests substitute another).
    public var fingerprint: String

    public init(
        out: URL, jobs: Int = ProcessInfo.processInfo.activeProcessorCount, progress: ProgressMode = .auto,
        cancellation: CancellationFlag = CancellationFlag(), argv: [String] = CommandLine.arguments,
        shard: Shard? = nil, reuseStale: Bool = false, fingerprint: String = BuildInfo.codeFingerprint,
        onEvent: (@Sendable (RunEvent) -> Void)? = nil
    ) {
        self.out = out; self.jobs = max(1, jobs); self.progress = progress; self.cancellation = cancellation
        self.argv = argv; self.shard = shard; self.reuseStale = reuseStale; self.fingerprint = fingerprint
        self.onEvent = onEvent
    }
}

/// What happened to one point during a run (delivered to `RunOptions.onEvent`).
public enum RunEvent: Sendable {
    case started(PlanPoint)
    case finished(PlanPoint, RunResult.Status)
    case failed(PlanPoint, String)
    /// The run noticed the cancellation flag and stopped; it is marked `.interrupted`, no result is recorded.
    case cancelled(PlanPoint)
}

/// A point that did not produce a usable result, for summaries.
public struct PointIssue: Sendable, CustomStringConvertible {
    public var id: String
    public var replicate: Int
    public var coordinates: String
    public var message: String
    public var description: String {
        "\(id) (\(coordinates.isEmpty ? "" : coordinates + ", ")replicate \(replicate)): \(message)"
    }
}

/// The outcome of `Runner.run`.
public struct SweepReport: Sendable {
    public var layout: RunLayout
    public var sweepID: String
    /// The slice this invocation ran (nil: the whole plan); counts below are the shard's.
    public var shard: Shard?
    public var total: Int
    /// Points already finished (matching record + done marker) before this invocation.
    public var skipped: Int
    /// Of `skipped`: records from other code reused because of `--reuse-stale`.
    public var staleReused: Int = 0
    /// Finished points whose record came from other code (another fingerprint): run again now.
    public var staleRerun: Int = 0
    /// Points run to completion now (ok or diverged).
    public var executed: Int
    public var failed: [PointIssue]
    /// Every diverged point of the plan (this invocation's and earlier ones').
    public var diverged: [PointIssue]
    /// Points neither finished nor failed (interrupted or never started).
    public var remaining: Int
    /// Points that were running when the sweep was cancelled; marked `.interrupted`.
    public var interrupted: Int = 0
    /// Points another live process on this host was running (two `sim run` on one sweep directory):
    /// this invocation waited for them instead of running them twice.
    public var finishedElsewhere: Int = 0
    /// The output location failed (disk full, read-only, permission): the sweep stopped; every point
    /// finished before is kept (its record was written before its `.done` marker).
    public var storageFailure: String? = nil
    /// Points a killed earlier invocation left running (stale `.running` markers), marked `.interrupted` and re-run.
    public var recovered: Int = 0
    public var cancelled: Bool
    public var elapsedSeconds: Double

    /// All points have a result (ok or diverged).
    public var isComplete: Bool { remaining == 0 && failed.isEmpty }

    public var summary: String {
        var s = "\(layout.sweepDirectory.path)\(shard.map { " [shard \($0)]" } ?? ""): \(total) points — \(skipped) already done, \(executed) run now"
        if !failed.isEmpty { s += ", \(failed.count) failed" }
        if !diverged.isEmpty { s += ", \(diverged.count) diverged" }
        if remaining > 0 { s += ", \(remaining) not finished" }
        if interrupted > 0 { s += " (\(interrupted) interrupted while running)" }
        if finishedElsewhere > 0 { s += "; \(finishedElsewhere) run by another process on this sweep directory" }
        s += " (\(ProgressReporter.duration(elapsedSeconds)))"
        if staleRerun > 0 {
            s +=
                "\n  re-ran \(staleRerun) finished point\(staleRerun == 1 ? "" : "s") whose record came from other code (code fingerprint ≠ \(BuildInfo.codeFingerprint))"
        }
        if staleReused > 0 {
            s +=
                "\n  warning: --reuse-stale: \(staleReused) point\(staleReused == 1 ? "" : "s") reused from other code (code fingerprint ≠ \(BuildInfo.codeFingerprint)); the results mix code versions"
        }
        if recovered > 0 { s += "\n  resumed \(recovered) point\(recovered == 1 ? "" : "s") a killed earlier run had left unfinished" }
        for f in failed { s += "\n  failed   \(f)" }
        for d in diverged { s += "\n  diverged \(d)" }
        if let storageFailure {
            s +=
                "\n  stopped: \(storageFailure)\n  the \(skipped + executed) finished points are kept; fix the output location (free space, permissions) and re-run the same command to resume"
        }
        if cancelled { s += "\n  interrupted: re-run the same command (or `sim run --resume \(layout.sweepDirectory.path)`) to resume" }
        return s
    }
}

/// Runs a plan's points in parallel, resumably.
///
/// - Parallelism is across runs: OpenBLAS is pinned to one thread, and `jobs` worker threads each
///   take the next unfinished point. A point's result depends only on its parameters and seed, so
///   the records are byte-identical whatever `jobs` is.
/// - Each result is written atomically (temp file + rename) and then marked done; a re-run skips
///   points whose record matches the plan's parameters and seed, and re-runs the rest (including
///   earlier failures).
/// - A run that throws is recorded as `<id>.failed` and the sweep continues; diverged runs
///   (`RunResult.status == .diverged`) are ordinary results, listed in the report with their step.
/// - While a point runs, `<id>.running` holds the pid and host. Cancellation stops the hand-out;
///   running points see `RunContext.isCancelled`, throw `RunCancelled`, and are marked
///   `<id>.interrupted`. A process killed outright (SIGKILL, power loss) leaves `.running`
///   markers whose pid is gone: the next invocation marks them interrupted and re-runs them, and
///   removes the temporaries the dead process left.
/// - With `RunOptions.shard` only that slice of the plan runs (see `Shard`); the directory layout,
///   `plan.tsv` and records are the same as for a whole run, so shards written to one shared
///   directory — or to several, merged by `Aggregator.aggregate(sweepDirectories:)` — aggregate
///   to the same bytes as an unsharded run.
public enum Runner {

    public static func run(_ plan: Plan, options: RunOptions) throws -> SweepReport {
        try run([plan], options: options)[0]
    }

    /// Run several plans through **one** pool of `jobs` workers (`sim reproduce`): points are handed
    /// out in plan order, so a worker that would idle while another finishes the last, long point of
    /// one scenario starts on the next scenario instead. Each plan gets its own sweep directory and
    /// report, exactly as if it had been run alone (records are identical: they depend only on each
    /// point's parameters and seed); with several plans a report's `elapsedSeconds` is the span from
    /// its first point's start to its last point's end (0 if nothing ran). Plans that
    /// share a sweep directory (the same scenario twice) are run one after the other instead.
    public static func run(_ plans: [Plan], options: RunOptions) throws -> [SweepReport] {
        let directories = plans.map { RunLayout(out: options.out, plan: $0).sweepDirectory.standardizedFileURL.path }
        if Set(directories).count < directories.count {
            return try plans.map { try run([$0], options: options)[0] }
        }
        BLASInfo.useSingleThread()
        let start = Date()
        var prepared: [Prepared] = []
        for plan in plans { prepared.append(try prepare(plan, options: options)) }

        let jobList = prepared.enumerated().flatMap { i, p in p.pending.map { Job(plan: i, point: $0) } }
        let state = WorkState(pending: jobList, plans: plans.count)
        let label = plans.count == 1 ? plans[0].scenario.name : "\(plans.count) scenarios"
        let progress = ProgressReporter(label: label, total: jobList.count, mode: options.progress)
        let jobs = min(options.jobs, max(1, jobList.count))
        if !jobList.isEmpty {
            let finished = DispatchSemaphore(value: 0)
            let contexts = prepared.map { WorkerPlan(plan: $0.plan, layout: $0.layout, commit: $0.commit) }
            for w in 0..<jobs {
                let t = Thread {
                    worker(plans: contexts, state: state, options: options, progress: progress)
                    finished.signal()
                }
                t.name = "sim-worker-\(w)"
                t.stackSize = 16 << 20  // runs may keep sizeable stack frames; Foundation's default is small
                t.start()
            }
            var waiting = jobs
            while waiting > 0 {
                if finished.wait(timeout: .now() + .milliseconds(500)) == .success { waiting -= 1 } else { progress.tick() }
            }
            progress.finish()
        }

        let elapsed = Date().timeIntervalSince(start)
        return prepared.enumerated().map { i, p in
            let outcome = state.snapshot(plan: i)
            let diverged = (p.diverged + outcome.diverged).sorted { $0.id < $1.id }
            return SweepReport(
                layout: p.layout, sweepID: p.plan.sweepID, shard: options.shard, total: p.total, skipped: p.skipped,
                staleReused: p.staleReused, staleRerun: p.staleRerun, executed: outcome.executed, failed: outcome.failed.sorted { $0.id < $1.id },
                diverged: diverged, remaining: p.pending.count - outcome.executed - outcome.failed.count - outcome.elsewhere,
                interrupted: outcome.interrupted, finishedElsewhere: outcome.elsewhere,
                storageFailure: state.storageFailure, recovered: p.recovered,
                cancelled: options.cancellation.isCancelled,
                elapsedSeconds: plans.count == 1 ? elapsed : outcome.span)
        }
    }

    /// A plan's directory set up for running: manifest written, stale markers recovered, finished
    /// points sorted out.
    private struct Prepared {
        var plan: Plan
        var layout: RunLayout
        var commit: String?
        var total: Int
        var pending: [PlanPoint]
        var diverged: [PointIssue]
        var skipped: Int
        var staleReused: Int
        var staleRerun: Int
        var recovered: Int
    }

    private static func prepare(_ plan: Plan, options: RunOptions) throws -> Prepared {
        let layout = RunLayout(out: options.out, plan: plan)
        try Store.createDirectory(layout.pointsDirectory)
        try Store.writeAtomically(plan.scenario.resolvedYAML(), to: layout.resolvedScenario)
        try Store.writeAtomically(plan.tsv(), to: layout.planFile)
        let mine = options.shard.map { $0.select(plan.points) } ?? plan.points
        let manifest = makeManifest(plan: plan, options: options, shardPoints: mine.count)
        try Store.writeAtomically(try Store.encoder().encode(manifest), to: layout.manifest(shard: options.shard))
        let recovered = recoverStaleMarkers(layout: layout)

        // Which points are already finished?
        var pending: [PlanPoint] = []
        var diverged: [PointIssue] = []
        var staleReused = 0, staleRerun = 0
        for p in mine {
            let existing = existingResult(of: p, plan: plan, layout: layout)
            if let existing, existing.code != options.fingerprint {
                if !options.reuseStale { staleRerun += 1; pending.append(p); continue }
                staleReused += 1
            }
            switch existing?.status {
            case .ok?: continue
            case .diverged(let step, let note)?: diverged.append(issue(p, plan, divergenceText(step: step, note: note)))
            case nil: pending.append(p)
            }
        }
        return Prepared(
            plan: plan, layout: layout, commit: manifest.gitCommit, total: mine.count, pending: pending,
            diverged: diverged, skipped: mine.count - pending.count, staleReused: staleReused,
            staleRerun: staleRerun, recovered: recovered)
    }

    /// What a finished point's record says, for deciding whether to run it.
    enum Status { case ok, diverged(step: Int?, note: String?) }
    struct Existing {
        var status: Status
        /// The record's code fingerprint (nil: written before fingerprints existed).
        var code: String?
    }

    /// Status of a finished point, or nil if it must (re-)run: the done marker exists and the
    /// record decodes and matches the plan's experiment, canonical parameters, replicate and seed
    /// (a record left by an older configuration, or torn by a crash, is re-run, never reused).
    /// Whether its code fingerprint is current is the caller's decision (`--reuse-stale`).
    static func existingResult(of p: PlanPoint, plan: Plan, layout: RunLayout) -> Existing? {
        guard FileManager.default.fileExists(atPath: layout.done(p.id).path),
            let data = FileManager.default.contents(atPath: layout.record(p.id).path),
            let header = try? Store.decoder().decode(RecordHeader.self, from: data),
            header.canonical == p.canonical, header.seed == p.seed, header.replicate == p.replicate,
            header.experiment == plan.experiment.name, header.pointID == p.id
        else { return nil }
        switch header.result.status {
        case .ok: return Existing(status: .ok, code: header.code)
        case .diverged: return Existing(status: .diverged(step: header.result.divergedAtStep, note: header.result.note), code: header.code)
        }
    }

    /// Status of a finished point, or nil if it must (re-)run (see `existingResult`; records from
    /// other code count as unfinished unless `reuseStale`).
    static func existingStatus(
        of p: PlanPoint, plan: Plan, layout: RunLayout, reuseStale: Bool = false,
        fingerprint: String = BuildInfo.codeFingerprint
    ) -> RunResult.Status? {
        guard let e = existingResult(of: p, plan: plan, layout: layout), reuseStale || e.code == fingerprint else { return nil }
        switch e.status {
        case .ok: return .ok
        case .diverged: return .diverged
        }
    }

    /// The fields of a point record that decide whether it is current (series are skipped).
    private struct RecordHeader: Decodable {
        struct Result: Decodable {
            var status: RunResult.Status
            var divergedAtStep: Int?
            var note: String?
        }
        var experiment: String
        var pointID: String
        var canonical: String
        var replicate: Int
        var seed: UInt64
        var result: Result
        var code: String?
        enum CodingKeys: String, CodingKey { case experiment, pointID = "point_id", canonical, replicate, seed, result, code = "code_fingerprint" }
    }

    /// "diverged at step 12: batch loss nan at step 12 (η = 5)".
    static func divergenceText(step: Int?, note: String?) -> String {
        var s = "diverged"
        if let step { s += " at step \(step)" }
        if let note, !note.isEmpty { s += ": \(note)" }
        return s
    }

    /// Turn `.running` markers of dead processes on this host into `.interrupted` markers, and
    /// remove temporaries dead processes left. Returns the number of points recovered.
    static func recoverStaleMarkers(layout: RunLayout) -> Int {
        let dir = layout.pointsDirectory
        Store.removeStaleTemporaries(in: dir)
        Store.removeStaleTemporaries(in: layout.sweepDirectory)
        Store.removeStaleTemporaries(in: layout.aggregateDirectory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var recovered = 0
        for name in names where name.hasSuffix(".running") && !name.hasPrefix(".") {
            let url = dir.appendingPathComponent(name)
            let id = String(name.dropLast(".running".count))
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            let marker = try? Store.decoder().decode(RunningMarker.self, from: data)
            // Unreadable (torn) marker, or a process of this host that is gone: stale.
            if let marker, marker.isAlive != false { continue }
            if FileManager.default.fileExists(atPath: layout.done(id).path) { Store.remove(url); continue }
            let reason =
                marker.map { "process \($0.pid) on \($0.host) ended without finishing the point (killed?)" }
                ?? "an unreadable .running marker was left behind"
            let m = InterruptedMarker(date: Store.isoDate(), host: Store.hostName, pid: marker?.pid ?? 0, reason: reason)
            if let body = try? Store.encoder().encode(m), (try? Store.writeAtomically(body, to: layout.interrupted(id))) != nil {
                Store.remove(url)
                recovered += 1
            }
        }
        return recovered
    }

    private static func issue(_ p: PlanPoint, _ plan: Plan, _ message: String) -> PointIssue {
        PointIssue(id: p.id, replicate: p.replicate, coordinates: plan.coordinateText(p.coordinates), message: message)
    }

    private static func worker(plans: [WorkerPlan], state: WorkState, options: RunOptions, progress: ProgressReporter) {
        let flag = options.cancellation
        let isCancelled: @Sendable () -> Bool = { flag.isCancelled || state.storageFailure != nil }
        var running = RunningMarker.current()
        while !isCancelled(), let job = state.next() {
            let p = job.point, plan = plans[job.plan].plan, layout = plans[job.plan].layout, commit = plans[job.plan].commit
            let t0 = Date()
            running.started = Store.isoDate(t0)
            switch claim(p, plan: plan, layout: layout, marker: running, options: options) {
            case .finishedElsewhere:
                state.finishedElsewhere(job)
                progress.pointFinished(failed: false, diverged: false)
                continue
            case .busyElsewhere:
                state.deferToLater(job)
                continue
            case .failed(let error):
                state.storageFailed(error.description)
                continue
            case .claimed:
                break
            }
            options.onEvent?(.started(p))
            do {
                let result = try plan.experiment.run(p.parameters, context: RunContext(seed: p.seed, pointID: p.id, isCancelled: isCancelled))
                let record = PointRecord(
                    experiment: plan.experiment.name, pointID: p.id, canonical: p.canonical,
                    parameters: p.parameters, replicate: p.replicate, seed: p.seed, result: result,
                    code: options.fingerprint)
                // Record first, then the marker: a marker always has its complete record behind it.
                try Store.writeAtomically(try Store.encoder(pretty: false).encode(record), to: layout.record(p.id))
                let marker = CompletionMarker(
                    elapsedSeconds: Date().timeIntervalSince(t0), finished: Store.isoDate(),
                    host: Store.hostName, status: result.status, gitCommit: commit)
                try Store.writeAtomically(try Store.encoder().encode(marker), to: layout.done(p.id))
                Store.remove(layout.failed(p.id)); Store.remove(layout.interrupted(p.id)); Store.remove(layout.running(p.id))
                let divergence =
                    result.status == .diverged
                    ? issue(p, plan, divergenceText(step: result.divergedAtStep, note: result.note)) : nil
                state.finished(job, diverged: divergence)
                progress.pointFinished(failed: false, diverged: divergence != nil)
                if let divergence { progress.message("diverged: \(divergence)") }
                options.onEvent?(.finished(p, result.status))
            } catch is RunCancelled where isCancelled() {
                let m = InterruptedMarker(
                    date: Store.isoDate(), host: Store.hostName, pid: getpid(),
                    reason: flag.reason ?? state.storageFailure.map { "stopped: \($0)" } ?? "cancelled")
                if let body = try? Store.encoder().encode(m) { try? Store.writeAtomically(body, to: layout.interrupted(p.id)) }
                Store.remove(layout.running(p.id))
                state.cancelled(job)
                options.onEvent?(.cancelled(p))
            } catch let e as StoreError where e.isStorageFailure {
                // The output location is unusable (full, read-only): stop the sweep rather than fail
                // every remaining point the same way. No `.done` marker was written for this point.
                Store.remove(layout.running(p.id))
                state.storageFailed(e.description)
                progress.message("stopped: \(e.description)")
                options.onEvent?(.failed(p, e.description))
            } catch {
                let text = "\(error)"
                let body =
                    "point: \(p.id)\nreplicate: \(p.replicate)\nseed: \(p.seed)\nparameters: \(p.canonical)\n"
                    + "date: \(Store.isoDate())\nhost: \(Store.hostName)\nerror: \(text)\n"
                try? Store.writeAtomically(body, to: layout.failed(p.id))
                Store.remove(layout.interrupted(p.id)); Store.remove(layout.running(p.id))
                let i = issue(p, plan, text)
                state.failed(job, i)
                progress.pointFinished(failed: true, diverged: false)
                progress.message("failed: \(i)")
                options.onEvent?(.failed(p, text))
            }
        }
    }

    enum Claim { case claimed, busyElsewhere, finishedElsewhere, failed(StoreError) }

    /// Take a point before running it: create its `.running` marker exclusively. Another `sim run`
    /// on the same sweep directory that holds it (a live process of this host) keeps it — this one
    /// comes back to it after its other points (`WorkState.deferToLater`) and finds it finished, or
    /// takes it over if that process died. A marker of a dead process, an unreadable one, or one
    /// from another host (whose liveness cannot be checked; shards never share points) is taken over.
    /// A point another process finished since this one looked is not run again.
    static func claim(_ p: PlanPoint, plan: Plan, layout: RunLayout, marker: RunningMarker, options: RunOptions) -> Claim {
        func finished() -> Bool {
            guard let e = existingResult(of: p, plan: plan, layout: layout) else { return false }
            return options.reuseStale || e.code == options.fingerprint
        }
        do {
            let body = try Store.encoder().encode(marker)
            if try Store.createExclusively(body, at: layout.running(p.id)) {
                if finished() { Store.remove(layout.running(p.id)); return .finishedElsewhere }
                return .claimed
            }
            let holder = FileManager.default.contents(atPath: layout.running(p.id).path)
                .flatMap { try? Store.decoder().decode(RunningMarker.self, from: $0) }
            // A marker of this very process is a leftover (each point is handed out once per run), so
            // it is taken over like a dead one.
            if let holder, holder.isAlive == true, !(holder.pid == getpid() && holder.host == Store.hostName) {
                return finished() ? .finishedElsewhere : .busyElsewhere
            }
            if finished() { return .finishedElsewhere }
            try Store.writeAtomically(body, to: layout.running(p.id), durable: false)
            return .claimed
        } catch let e as StoreError {
            return .failed(e)
        } catch {
            return .failed(StoreError("cannot write \(layout.running(p.id).path): \(error)"))
        }
    }

    static func makeManifest(plan: Plan, options: RunOptions, shardPoints: Int? = nil) -> Manifest {
        var dir = URL(fileURLWithPath: plan.scenario.files.last ?? plan.scenario.path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) { dir = FileManager.default.currentDirectoryPath }
        let commit = git(["rev-parse", "HEAD"], in: dir)
        let dirty = commit == nil ? nil : git(["status", "--porcelain", "--untracked-files=no"], in: dir).map { !$0.isEmpty }
        let os = ProcessInfo.processInfo.operatingSystemVersionString
        return Manifest(
            gitCommit: commit, gitDirty: dirty, blasConfig: BLASInfo.config, blasCore: BLASInfo.coreName,
            blasThreads: BLASInfo.threads, jobs: options.jobs,
            processors: ProcessInfo.processInfo.activeProcessorCount, argv: options.argv,
            date: Store.isoDate(), host: Store.hostName, os: os, scenario: plan.scenario.path,
            scenarioFiles: plan.scenario.files, sweepID: plan.sweepID, points: plan.points.count,
            smoke: plan.scenario.smoke, overrides: plan.scenario.overrides,
            seedOption: plan.scenario.seedOverride, shard: options.shard?.description,
            shardPoints: shardPoints)
    }

    /// Output of `git <args>` run in `directory`, trimmed; nil outside a repository or without git.
    /// The directory is the scenario's, possibly a clone of someone else's repository: its
    /// `.git/config` could name a `core.fsmonitor` command, which `git status` would run, so that
    /// is switched off on the command line (which wins over the repository's config).
    static func git(_ args: [String], in directory: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-c", "core.fsmonitor=false", "-C", directory.isEmpty ? "." : directory] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One pending point of one of the plans being run.
private struct Job {
    var plan: Int
    var point: PlanPoint
}

/// What a worker needs to run a plan's points.
private struct WorkerPlan {
    var plan: Plan
    var layout: RunLayout
    var commit: String?
}

/// The shared queue of pending points and the per-plan tallies, behind one lock.
private final class WorkState: @unchecked Sendable {
    private struct Tally {
        var executed = 0
        var failed: [PointIssue] = []
        var diverged: [PointIssue] = []
        var interrupted = 0
        var elsewhere = 0
        var first: Date?
        var last: Date?
    }
    private let lock = NSLock()
    private let pending: [Job]
    private var nextIndex = 0
    private var tallies: [Tally]
    /// Points another process was running when a worker reached them, in the order they were met.
    private var deferred: [Job] = []
    private var failure: String?

    init(pending: [Job], plans: Int) { self.pending = pending; tallies = Array(repeating: Tally(), count: plans) }

    /// The next point to run: the plan's points in order, then the deferred ones again (after a short
    /// wait, so a worker polls another process's point a few times a second, not in a busy loop).
    func next() -> Job? {
        lock.lock()
        if nextIndex < pending.count {
            defer { nextIndex += 1; lock.unlock() }
            let j = pending[nextIndex]
            if tallies[j.plan].first == nil { tallies[j.plan].first = Date() }
            return j
        }
        guard !deferred.isEmpty else { lock.unlock(); return nil }
        let j = deferred.removeFirst()
        lock.unlock()
        Thread.sleep(forTimeInterval: 0.2)
        return j
    }
    func deferToLater(_ j: Job) { lock.lock(); deferred.append(j); lock.unlock() }
    func finishedElsewhere(_ j: Job) { lock.lock(); tallies[j.plan].elsewhere += 1; tallies[j.plan].last = Date(); lock.unlock() }
    /// The first storage failure (later ones are the same problem).
    var storageFailure: String? { lock.lock(); defer { lock.unlock() }; return failure }
    func storageFailed(_ text: String) { lock.lock(); if failure == nil { failure = text }; lock.unlock() }
    func finished(_ j: Job, diverged: PointIssue?) {
        lock.lock(); defer { lock.unlock() }
        tallies[j.plan].executed += 1; tallies[j.plan].last = Date()
        if let diverged { tallies[j.plan].diverged.append(diverged) }
    }
    func failed(_ j: Job, _ i: PointIssue) {
        lock.lock(); tallies[j.plan].failed.append(i); tallies[j.plan].last = Date(); lock.unlock()
    }
    func cancelled(_ j: Job) { lock.lock(); tallies[j.plan].interrupted += 1; tallies[j.plan].last = Date(); lock.unlock() }

    func snapshot(plan: Int) -> (executed: Int, failed: [PointIssue], diverged: [PointIssue], interrupted: Int, elsewhere: Int, span: Double) {
        lock.lock(); defer { lock.unlock() }
        let t = tallies[plan]
        let span = t.first.flatMap { f in t.last.map { $0.timeIntervalSince(f) } } ?? 0
        return (t.executed, t.failed, t.diverged, t.interrupted, t.elsewhere, max(span, 0))
    }
}
