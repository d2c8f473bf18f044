import BuildInfo
import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Issue 14, part 2: every record names the code that produced it, and only a binary with the same
/// code fingerprint reuses it.
@Suite("Code fingerprints: stale records are re-run, --reuse-stale keeps them with a warning")
struct FingerprintTests {
    init() { ToyExperiment.register() }

    private static let other = "0123456789abcdef"

    private func plan(_ tag: String) throws -> Plan {
        Plan(
            scenario: try loadScenario(
                """
                experiment: test.quadratic
                params: {tag: \(tag), length: 4}
                sweep:
                  grid: {a: [1, 2, 3]}
                  seeds: 2
                """))
    }

    private func options(_ out: URL, reuseStale: Bool = false) -> RunOptions {
        RunOptions(out: out, jobs: 2, progress: .silent, argv: ["test"], reuseStale: reuseStale)
    }

    /// Replace nothing but the `code_fingerprint` value of the given records (all when nil).
    private func setFingerprint(_ code: String, in layout: RunLayout, points: [PlanPoint]) throws {
        for p in points {
            let url = layout.record(p.id)
            let text = try String(contentsOf: url, encoding: .utf8)
            let edited = text.replacingOccurrences(of: "\"code_fingerprint\":\"\(BuildInfo.codeFingerprint)\"", with: "\"code_fingerprint\":\"\(code)\"")
            #expect(edited != text, "no fingerprint in \(url.lastPathComponent)")
            try edited.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    private func records(_ layout: RunLayout, _ plan: Plan) throws -> [Data] {
        try plan.points.map { try Data(contentsOf: layout.record($0.id)) }
    }

    @Test("a record whose fingerprint differs is re-run; the new record equals the original")
    func staleRecordsRerun() throws {
        let plan = try plan("fp-rerun-\(UUID())"), out = makeTempDirectory()
        let layout = RunLayout(out: out, plan: plan)
        let first = try Runner.run(plan, options: options(out))
        #expect(first.executed == plan.points.count)
        let original = try records(layout, plan)
        let decoded = try Store.decoder().decode(PointRecord.self, from: original[0])
        #expect(decoded.code == BuildInfo.codeFingerprint)
        #expect(BuildInfo.codeFingerprint.count == 16 && BuildInfo.codeFingerprint.allSatisfy(\.isHexDigit))

        // Unchanged: nothing runs.
        let again = try Runner.run(plan, options: options(out))
        #expect(again.executed == 0 && again.staleRerun == 0)

        // Only the fingerprint of two records edited: exactly those two re-run.
        try setFingerprint(Self.other, in: layout, points: Array(plan.points.prefix(2)))
        let status = try SweepStatus.scan([layout.sweepDirectory])
        #expect(status.stale == 2 && status.codes[Self.other] == 2)
        #expect(status.summary.contains("stale 2"), "\(status.summary)")
        let rerun = try Runner.run(plan, options: options(out))
        #expect(rerun.executed == 2 && rerun.staleRerun == 2 && rerun.skipped == plan.points.count - 2)
        #expect(rerun.summary.contains("re-ran 2 finished points whose record came from other code"), "\(rerun.summary)")
        #expect(try records(layout, plan) == original, "a re-run stale point must give the same bytes back")
        #expect(try SweepStatus.scan([layout.sweepDirectory]).stale == 0)

        // A record from before fingerprints (no key at all) is stale too.
        let url = layout.record(plan.points[0].id)
        let text = try String(contentsOf: url, encoding: .utf8)
        try text.replacingOccurrences(of: ",\"code_fingerprint\":\"\(BuildInfo.codeFingerprint)\"", with: "").write(to: url, atomically: true, encoding: .utf8)
        #expect(try SweepStatus.scan([layout.sweepDirectory]).codes[PointRecord.unknownCode] == 1)
        #expect(try Runner.run(plan, options: options(out)).executed == 1)
    }

    @Test("--reuse-stale reuses records from other code with a warning; status, aggregate and report show the mix")
    func reuseStale() throws {
        let plan = try plan("fp-reuse-\(UUID())"), out = makeTempDirectory()
        let layout = RunLayout(out: out, plan: plan)
        _ = try Runner.run(plan, options: options(out))
        try setFingerprint(Self.other, in: layout, points: Array(plan.points.prefix(3)))

        let reused = try Runner.run(plan, options: options(out, reuseStale: true))
        #expect(reused.executed == 0 && reused.staleReused == 3 && reused.staleRerun == 0)
        #expect(reused.summary.contains("warning: --reuse-stale: 3 points reused from other code"), "\(reused.summary)")

        let status = try SweepStatus.scan([layout.sweepDirectory])
        #expect(status.stale == 3)
        #expect(
            status.summary.contains("\(Self.other) (3)") && status.summary.contains("\(BuildInfo.codeFingerprint) (\(plan.points.count - 3), this binary)"),
            "\(status.summary)")

        let results = try Aggregator.aggregate(plan, out: out)
        #expect(results.codeFingerprints == [Self.other: 3, BuildInfo.codeFingerprint: plan.points.count - 3])
        let fromDirectory = try Aggregator.aggregate(sweepDirectories: [layout.sweepDirectory])
        #expect(fromDirectory.codeFingerprints == results.codeFingerprints)
        #expect(results.notices.contains { $0.hasPrefix("these results mix 2 code versions") }, "\(results.notices)")
        #expect(fromDirectory.notices.contains { $0.hasPrefix("these results mix 2 code versions") }, "\(fromDirectory.notices)")

        // The report lists every fingerprint and marks the mix at the top of each format.
        let mixed = verification(plan, results)
        let warning = try #require(VerificationReport.codeWarning(mixed))
        #expect(warning.hasPrefix("MIXED CODE"))
        let dir = makeTempDirectory("report")
        #expect(VerificationReport.markdown(mixed, relativeTo: dir).contains("> **MIXED CODE"))
        #expect(VerificationReport.html(mixed, relativeTo: dir).contains("data-code-warning=\"1\""))
        let tsvHead = VerificationReport.claimsTSV(mixed).split(separator: "\n")[0]
        #expect(tsvHead.contains(Self.other) && tsvHead.contains("(MIXED/STALE)"), "\(tsvHead)")

        // Without --reuse-stale the stale points run again and the report is clean.
        #expect(try Runner.run(plan, options: options(out)).executed == 3)
        let clean = verification(plan, try Aggregator.aggregate(plan, out: out))
        #expect(VerificationReport.codeWarning(clean) == nil)
        #expect(VerificationReport.codeLine(clean).contains("\(BuildInfo.codeFingerprint) (\(plan.points.count) runs, this binary)"))
    }

    private func verification(_ plan: Plan, _ results: AggregateResults) -> Verification {
        let s = VerifiedScenario(
            path: plan.scenario.path, plan: plan, results: results, figures: [:], runs: plan.points.count,
            executed: 0, seconds: 0, error: nil)
        return Verification(
            fidelity: .smoke, precision: .double, outcomes: [], scenarios: [s],
            manifest: Verifier.manifest(options: VerifyOptions(out: makeTempDirectory())), seconds: 0, root: packageRoot)
    }

    @Test("the build's fingerprint is the documented recipe over the source tree, and a copy without git (a tarball) gives the same")
    func recipeMatchesBuild() throws {
        func fingerprint(of root: URL) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = [packageRoot.appendingPathComponent("Plugins/CodeFingerprint/fingerprint.sh").path, root.path, "/dev/stdout"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let here = try fingerprint(of: packageRoot)
        #expect(
            here == BuildInfo.codeFingerprint,
            "the binary under test was built from other sources than this tree (rebuild), or the plugin and fingerprint.sh disagree")
        // A release tarball: the same files elsewhere, no .git, no .build.
        let copy = makeTempDirectory("tarball")
        for item in ["Sources", "Plugins", "Package.swift", "Package.resolved"]
        where FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(item).path) {
            try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(item), to: copy.appendingPathComponent(item))
        }
        #expect(try fingerprint(of: copy) == here)
        // Any edit under Sources/ changes it.
        let edited = copy.appendingPathComponent("Sources/Sim/Claims.swift")
        try (try String(contentsOf: edited, encoding: .utf8) + "\n").write(to: edited, atomically: true, encoding: .utf8)
        #expect(try fingerprint(of: copy) != here)
        // fingerprint.sh splits its file list on whitespace: no path may contain any.
        for dir in ["Sources", "Plugins"] {
            let e = FileManager.default.enumerator(atPath: packageRoot.appendingPathComponent(dir).path)
            while let rel = e?.nextObject() as? String {
                let clean = !rel.unicodeScalars.contains { CharacterSet.whitespacesAndNewlines.contains($0) }
                #expect(clean, "\(dir)/\(rel): fingerprint.sh cannot hash a path with whitespace")
            }
        }
    }

    @Test("sim --version names the code fingerprint")
    func versionShowsFingerprint() throws {
        let r = try #require(try runSim(["--version"]))
        #expect(r.stdout.contains("(code \(BuildInfo.codeFingerprint))"), "\(r.stdout)")
    }
}
