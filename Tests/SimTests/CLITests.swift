import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// The `sim` executable itself, run as a subprocess from the package root: bad input, sharding
/// with `sim aggregate`, SIGKILL / SIGTERM in the middle of a sweep, `sim slurm`.
@Suite("sim executable", .serialized)
struct CLITests {

    @Test("bad scenario files: exit status 1, stderr `error: <file>:<line>…` naming the key, never a crash")
    func badInputs() throws {
        let dir = writeScenarioFiles([
            "syntax.yaml": "experiment: lowrank.train\nparams: {d: 20\nsweep: {}\n",
            "unknown_key.yaml": "experiment: lowrank.train\nparams:\n  tua: 0.1\n",
            "wrong_type.yaml": "experiment: lowrank.train\nparams:\n  m: lots\n",
            "alpha.yaml": "experiment: lowrank.train\nparams:\n  n_rel: 0\n",
            "d_below_m.yaml": "experiment: lowrank.train\nparams:\n  d: 5\n  M: 10\n",
            "empty_zip.yaml": "experiment: lowrank.train\nsweep:\n  zip: {tau: []}\n",
            "experiment.yaml": "experiment: lowrank.trian\n",
            "cycle.yaml": "base: cycle.yaml\nexperiment: lowrank.train\n",
            "huge.yaml": "experiment: lowrank.train\nsweep:\n  seeds: 999999999\n",
            "nan.yaml": "experiment: lowrank.train\nparams:\n  tau: .nan\n",
            "truncated.yaml": "experiment: lowrank.train\nparams: {d: 2",
        ])
        let cases: [(String, String?, Int?)] = [  // file, key mentioned, line
            ("syntax.yaml", nil, 3), ("unknown_key.yaml", "params.tua", 3), ("wrong_type.yaml", "params.m", 3),
            ("alpha.yaml", "params.n_rel", 3), ("d_below_m.yaml", "params.d", 3), ("empty_zip.yaml", "sweep.zip.tau", 3),
            ("experiment.yaml", "experiment", 1), ("cycle.yaml", "base", 1), ("huge.yaml", "sweep", 2),
            ("nan.yaml", "params.tau", 3), ("truncated.yaml", nil, 2),
        ]
        for (file, key, line) in cases {
            let path = dir.appendingPathComponent(file).path
            for command in [["validate", path], ["run", path, "--out", makeTempDirectory().path, "--no-render"]] {
                guard let r = try runSim(command) else { return }
                #expect(r.status == 1, "\(command): status \(r.status)\n\(r.stderr)")
                #expect(r.stderr.hasPrefix("error: "), "\(command): \(r.stderr)")
                let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
                #expect(first.contains(file), "\(command): the message does not name the file: \(first)")
                if let line { #expect(first.contains("\(file):\(line)"), "\(command): no line \(line): \(first)") }
                if let key { #expect(first.contains("`\(key)`"), "\(command): no key \(key): \(first)") }
            }
        }
        // Other bad input: a missing file, a bad --set, a bad shard.
        let missing = try #require(try runSim(["validate", "/nonexistent/x.yaml"]))
        #expect(missing.status == 1 && missing.stderr.hasPrefix("error: ") && missing.stderr.contains("/nonexistent/x.yaml"))
        let badSet = try #require(try runSim(["validate", "scenarios/lowrank/r1_update_spectra.yaml", "--set", "params.tau=-1"]))
        #expect(badSet.status == 1 && badSet.stderr.hasPrefix("error: --set params.tau=-1: `params.tau`"), "\(badSet.stderr)")
        let badShard = try #require(try runSim(["run", "scenarios/lowrank/r1_update_spectra.yaml", "--shard", "3/3"]))
        #expect(badShard.status != 0 && badShard.stderr.contains("shard index must be in 0…2"), "\(badShard.stderr)")
        let notADir = try #require(try runSim(["status", "/nonexistent/runs"]))
        #expect(notADir.status == 1 && notADir.stderr.hasPrefix("error: "), "\(notADir.stderr)")
    }

    @Test("3 shards into 3 --out roots, merged by `sim aggregate`, equal a single run byte for byte")
    func shardsMergeToSingleRun() throws {
        let scenario = "scenarios/lowrank/r8_iteration_scaling_eta.yaml"
        let common = ["--smoke", "--no-render", "--set", "params.T=300"]
        let single = makeTempDirectory("single")
        guard let r0 = try runSim(["run", scenario, "--out", single.path, "--jobs", "2"] + common) else { return }
        #expect(r0.status == 0, "\(r0.stderr)")
        var outs: [URL] = []
        for i in 0..<3 {
            let out = makeTempDirectory("shard\(i)")
            let r = try #require(try runSim(["run", scenario, "--out", out.path, "--jobs", "1", "--shard", "\(i)/3"] + common))
            #expect(r.status == 0 && r.stdout.contains("[shard \(i)/3]"), "\(r.stdout)\n\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("figures").path), "a shard builds no figures")
            outs.append(out)
        }
        // Not done yet from any single shard's point of view; complete when the three are merged.
        let partial = try #require(try runSim(["status", "--check", outs[0].path]))
        #expect(partial.status == 3 && partial.stdout.contains("pending"), "\(partial.stdout)")
        let status = try #require(try runSim(["status", "--check"] + outs.map(\.path)))
        #expect(status.status == 0 && status.stdout.contains("done 6 · diverged 0 · running 0 · failed 0 · interrupted 0 · pending 0"), "\(status.stdout)")

        let merged = makeTempDirectory("merged")
        let agg = try #require(try runSim(["aggregate", "--to", merged.path] + outs.map(\.path)))
        #expect(agg.status == 0 && agg.stdout.contains("3 shards"), "\(agg.stdout)\n\(agg.stderr)")
        let sweepDirs = SweepDirectory.find(under: single)
        try #require(sweepDirs.count == 1)
        expectSameFiles(RunLayout(sweepDirectory: sweepDirs[0]).aggregateDirectory, merged, "sim run vs sim aggregate of 3 shards")
        // Records too.
        for out in outs {
            let d = try #require(SweepDirectory.find(under: out).first)
            for n in names(in: RunLayout(sweepDirectory: d).pointsDirectory, suffix: ".json") {
                #expect(
                    FileManager.default.contents(atPath: d.appendingPathComponent("points/\(n)").path)
                        == FileManager.default.contents(atPath: sweepDirs[0].appendingPathComponent("points/\(n)").path), "\(n)")
            }
        }
    }

    /// Start a sweep, wait until `after` points are done, send `signal`; returns the process
    /// output, the sweep directory and the number of `.done` markers at the moment of the signal.
    private func interrupt(_ args: [String], out: URL, after: Int, signal: Int32) throws -> (ProcessOutput, URL, Int)? {
        guard let sim = simExecutable() else { Issue.record("sim executable not found"); return nil }
        let p = SimProcess(sim, args + ["--out", out.path])
        try p.start()
        var doneAtSignal = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && p.process.isRunning {
            if let d = SweepDirectory.find(under: out).first {
                let n = names(in: RunLayout(sweepDirectory: d).pointsDirectory, suffix: ".done").count
                if n >= after { kill(p.pid, signal); break }
            }
            usleep(2_000)
        }
        let output = p.wait(timeout: 60)
        guard let dir = SweepDirectory.find(under: out).first else { Issue.record("no sweep directory"); return nil }
        doneAtSignal = names(in: RunLayout(sweepDirectory: dir).pointsDirectory, suffix: ".done").count
        return (output, dir, doneAtSignal)
    }

    @Test("SIGKILL mid-sweep loses no finished point; SIGTERM stops cleanly (143, interrupted markers); resumed aggregates equal an uninterrupted run")
    func killAndResume() throws {
        let scenario = "scenarios/lowrank/r8_iteration_scaling_alpha.yaml"
        let args = ["run", scenario, "--smoke", "--no-render", "--jobs", "2", "--set", "sweep.seeds=4"]
        let reference = makeTempDirectory("ref")
        guard let ref = try runSim(args + ["--out", reference.path]) else { return }
        #expect(ref.status == 0, "\(ref.stderr)")
        let refAggregate = RunLayout(sweepDirectory: try #require(SweepDirectory.find(under: reference).first)).aggregateDirectory

        // SIGKILL: no chance to clean up.
        let killed = makeTempDirectory("killed")
        let (k, kdir, doneBefore) = try #require(
            try interrupt(
                ["run", scenario, "--smoke", "--no-render", "--jobs", "2", "--set", "sweep.seeds=4"],
                out: killed, after: 3, signal: SIGKILL))
        #expect(k.status == SIGKILL, "the sweep finished before it could be killed (status \(k.status))")
        #expect(doneBefore >= 3 && doneBefore < 12)
        let st = try SweepStatus.scan([kdir])
        #expect(st.count(.done) == doneBefore && st.count(.running) == 0)
        // Points in flight at the kill: a .running marker and no .done (a point killed between its
        // .done and the marker's removal is done).
        let kpoints = RunLayout(sweepDirectory: kdir).pointsDirectory
        let inFlight = names(in: kpoints, suffix: ".running").filter {
            !FileManager.default.fileExists(atPath: kpoints.appendingPathComponent($0.replacingOccurrences(of: ".running", with: ".done")).path)
        }
        #expect(st.count(.interrupted) == inFlight.count)
        let resumed = try #require(try runSim(["run", "--resume", kdir.path, "--no-render", "--jobs", "2"]))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("\(doneBefore) already done"), "points lost after SIGKILL: \(resumed.stdout)")
        expectSameFiles(refAggregate, RunLayout(sweepDirectory: kdir).aggregateDirectory, "aggregate after SIGKILL + resume")

        // SIGTERM: graceful — exit 143, in-flight points marked interrupted, nothing half-written.
        let termed = makeTempDirectory("termed")
        let (t, tdir, _) = try #require(try interrupt(args, out: termed, after: 2, signal: SIGTERM))
        #expect(t.status == 143, "status \(t.status): \(t.stderr)")
        #expect(t.stderr.contains("SIGTERM") && t.stderr.contains("error: interrupted (SIGTERM)"), "\(t.stderr)")
        let points = RunLayout(sweepDirectory: tdir).pointsDirectory
        #expect(names(in: points, suffix: ".running").isEmpty)
        #expect(names(in: points, suffix: ".json").count == names(in: points, suffix: ".done").count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: points.path).allSatisfy { !$0.contains(".tmp-") })
        let tst = try SweepStatus.scan([tdir])
        #expect(tst.count(.interrupted) == names(in: points, suffix: ".interrupted").count)
        let again = try #require(try runSim(args + ["--out", termed.path]))  // plain re-run resumes too
        #expect(again.status == 0 && again.stdout.contains("\(tst.count(.done)) already done"), "\(again.stdout)")
        expectSameFiles(refAggregate, RunLayout(sweepDirectory: tdir).aggregateDirectory, "aggregate after SIGTERM + re-run")
        #expect(names(in: points, suffix: ".interrupted").isEmpty)
    }

    @Test("`sim reproduce all` runs every paper directory (presets/ and scenario-less folders skipped) in name order and ends with the total wall time")
    func reproduceAll() throws {
        let root = writeScenarioFiles([
            "zeta/b.yaml": "experiment: lowrank.train\nparams: {T: 20, n_test: 50}\nsweep: {seeds: 2}\n",
            "alpha/a.yaml": "experiment: moe.finetune\nparams: {T: 20, n_test: 50, log_every: 0}\nsweep: {seeds: 2}\n",
            "alpha/presets/p.yaml": "experiment: lowrank.train\nparams: {T: 1000000}\n",
            "notes/readme.txt": "not a paper\n",
        ])
        let out = makeTempDirectory("reproduce-all")
        guard let r = try runSim(["reproduce", "all", "--scenarios", root.path, "--out", out.path, "--no-render", "--jobs", "2"]) else { return }
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("all: 2 papers, 2 scenarios"), "\(r.stdout)")
        #expect(r.stdout.contains("total wall time: "), "\(r.stdout)")
        let a = try #require(r.stdout.range(of: "\nalpha: 1 scenario; "), "\(r.stdout)")
        let z = try #require(r.stdout.range(of: "\nzeta: 1 scenario; "), "\(r.stdout)")
        #expect(a.lowerBound < z.lowerBound, "papers not in name order")
        #expect(SweepDirectory.find(under: out).count == 2)
        let unknown = try #require(try runSim(["reproduce", "nopaper", "--scenarios", root.path, "--out", out.path]))
        #expect(unknown.status == 1 && unknown.stderr.contains("papers with scenarios"), "\(unknown.stderr)")
    }

    @Test("`sim bench peak`: one-core dgemm peak, last line `dgemm peak (1 core): X GFLOP/s`")
    func benchPeak() throws {
        guard let r = try runSim(["bench", "peak"]) else { return }
        #expect(r.status == 0, "\(r.stderr)")
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("dgemm peak (1 core): ") && last.hasSuffix(" GFLOP/s"), "\(last)")
        let value = Double(last.dropFirst("dgemm peak (1 core): ".count).dropLast(" GFLOP/s".count)) ?? 0
        #expect(value > 0.1, "\(last)")
    }

    @Test("sim slurm writes an array script calling `sim run --shard $SLURM_ARRAY_TASK_ID/n`, an aggregate job and submit.sh")
    func slurmScripts() throws {
        let out = makeTempDirectory("slurm")
        guard
            let r = try runSim([
                "slurm", "scenarios/lowrank/r8_iteration_scaling_eta.yaml", "--smoke", "--set", "params.T=600",
                "--shards", "3", "--out", out.path, "--partition", "debug", "--time", "00:10:00",
                "--cpus-per-task", "2", "--array-limit", "2",
            ])
        else { return }
        #expect(r.status == 0, "\(r.stderr)")
        let dir = try #require(
            FileManager.default.enumerator(atPath: out.path)?.allObjects.compactMap { $0 as? String }
                .first { $0.hasSuffix("array.sbatch") }
        ).replacingOccurrences(of: "/array.sbatch", with: "")
        let base = out.appendingPathComponent(dir)
        let array = try String(contentsOf: base.appendingPathComponent("array.sbatch"), encoding: .utf8)
        for expected in [
            "#SBATCH --array=0-2%2", "#SBATCH --partition=debug", "#SBATCH --time=00:10:00", "#SBATCH --cpus-per-task=2",
            "--shard \"${SLURM_ARRAY_TASK_ID}/3\"", "--jobs \"${SLURM_CPUS_PER_TASK:-2}\"",
            " run scenarios/lowrank/r8_iteration_scaling_eta.yaml --out \(out.standardizedFileURL.path) --smoke --set params.T=600",
            "#SBATCH --chdir=\(packageRoot.path)",
        ] {
            #expect(array.contains(expected), "array.sbatch lacks `\(expected)`:\n\(array)")
        }
        let aggregate = try String(contentsOf: base.appendingPathComponent("aggregate.sbatch"), encoding: .utf8)
        #expect(aggregate.contains(" status ") && aggregate.contains(" plot scenarios/lowrank/r8_iteration_scaling_eta.yaml"), "\(aggregate)")
        let submit = try String(contentsOf: base.appendingPathComponent("submit.sh"), encoding: .utf8)
        #expect(submit.contains("--dependency=afterany:${array} aggregate.sbatch"), "\(submit)")
        for f in ["array.sbatch", "aggregate.sbatch", "submit.sh"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-n", base.appendingPathComponent(f).path]
            try p.run(); p.waitUntilExit()
            #expect(p.terminationStatus == 0, "bash -n \(f)")
        }
    }
}

/// `sim` from any directory: the package root comes from `--root`, `$PROVABLE_ROOT`, or the nearest
/// directory above the working directory that holds `scenarios/`; without one it is a clear error.
@Suite("sim from anywhere", .serialized)
struct PackageRootTests {
    static func verdicts(_ report: URL) throws -> [String: Int] {
        let rows = try String(contentsOf: report.appendingPathComponent("claims.tsv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("claim\t") }
        return Dictionary(rows.map { (String($0.split(separator: "\t", omittingEmptySubsequences: false)[2]), 1) }, uniquingKeysWith: +)
    }

    @Test("sim verify from outside the repository (--root), from a subdirectory and with PROVABLE_ROOT: every claim runs")
    func verifyFromAnywhere() throws {
        let outside = makeTempDirectory("anywhere")
        let out = outside.appendingPathComponent("out").path
        let cases: [(cwd: URL, args: [String], env: [String: String])] = [
            (outside, ["--root", packageRoot.path], [:]),
            (packageRoot.appendingPathComponent("docs/papers"), [], [:]),
            (outside, [], [PackageRoot.environmentKey: packageRoot.path]),
        ]
        for (i, c) in cases.enumerated() {
            let report = outside.appendingPathComponent("report\(i)")
            let r = try #require(
                try runSim(
                    ["verify", "lowrank", "--fidelity", "smoke", "--out", out, "--report", report.path] + c.args,
                    timeout: 600, cwd: c.cwd, environment: c.env))
            #expect(r.status == 0, "\(c.args) from \(c.cwd.path): \(r.stderr)")
            let v = try Self.verdicts(report)
            #expect(v["not run"] == nil, "\(c.args) from \(c.cwd.path): \(v)")
            #expect(v.values.reduce(0, +) == ClaimRegistry.claims(paper: "lowrank").count, "\(v)")
        }
    }

    @Test("without a package root, or with a wrong one, sim says so and runs nothing")
    func missingRoot() throws {
        let outside = makeTempDirectory("noroot")
        for args in [[], ["--root", outside.path]] {
            let r = try #require(try runSim(["verify", "lowrank", "--fidelity", "smoke", "--out", outside.path] + args, cwd: outside))
            #expect(r.status == 1)
            #expect(r.stderr.contains(args.isEmpty ? "no package root" : "no scenarios/ directory there"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("runs").path))
        }
        // The lookup itself: the nearest ancestor holding scenarios/, relative so scenario paths stay relative.
        #expect(try PackageRoot.discover(explicit: nil, cwd: packageRoot.appendingPathComponent("docs/papers").path, environment: [:]) == "../..")
        #expect(try PackageRoot.discover(explicit: nil, cwd: packageRoot.path, environment: [:]) == ".")
    }
}

/// The release files agree with the binary: `sim --version`'s version is the newest CHANGELOG
/// entry and CITATION.cff's version.
@Suite("release files")
struct ReleaseFilesTests {
    @Test("CHANGELOG.md, CITATION.cff and sim --version name the same version")
    func versionsAgree() throws {
        let changelog = try String(contentsOf: packageRoot.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = changelog.split(separator: "\n").first { $0.hasPrefix("## ") }.map { String($0.dropFirst(3).split(separator: " ").first ?? "") }
        #expect(newest == SimVersion.string)
        let citation = try String(contentsOf: packageRoot.appendingPathComponent("CITATION.cff"), encoding: .utf8)
        #expect(citation.split(separator: "\n").contains("version: \(SimVersion.string)"))
        #expect(FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("LICENSE").path))
    }
}
