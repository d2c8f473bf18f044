import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Every paper's claims, tested from their declarations (`LowRankClaims`, `ICLClaims`, `GraphClaims`,
/// `MoEClaims`): each claim's committed scenario runs at standard fidelity (the configuration the
/// figures and `sim verify` use) and the claim's own statistic and verdict rule decide the test.
/// The report is written from the same outcomes, so a test and the report cannot disagree.
@Suite("Paper claims, from their declarations", .serialized)
struct ClaimsTests {
    /// One verification per paper, computed on first use (the scenarios run once, into a temp dir).
    final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var byPaper: [String: Verification] = [:]
        let out = makeTempDirectory("claims")

        func verification(_ paper: String) -> Verification {
            lock.lock(); defer { lock.unlock() }
            if let v = byPaper[paper] { return v }
            let v = Verifier.run(
                ClaimRegistry.claims(paper: paper),
                options: VerifyOptions(
                    out: out, root: packageRoot, fidelity: .standard,
                    figuresDirectory: out.appendingPathComponent("report/figures"), progress: .silent))
            byPaper[paper] = v
            return v
        }

        /// Every paper's verification as one (what `sim verify all` reports).
        func all() -> Verification {
            let parts = ClaimRegistry.papers.map(verification)
            var v = parts[0]
            for p in parts.dropFirst() {
                v.outcomes += p.outcomes; v.scenarios += p.scenarios; v.seconds += p.seconds
            }
            return v
        }
    }
    static let cache = Cache()

    /// Evaluated at test discovery, possibly before any test ran: register the papers first, or the
    /// parameterized test below would silently have no cases.
    static let claimIDs: [String] = {
        _ = packageRoot; return ClaimRegistry.all.map(\.id)
    }()

    @Test("declarations: unique ids, existing scenarios and figures, every paper covered, bands contain the prediction")
    func declarations() throws {
        let claims = ClaimRegistry.all
        #expect(Set(claims.map(\.id)).count == claims.count, "duplicate claim ids")
        let expected = Set(paperDirectories())
        #expect(Set(ClaimRegistry.papers) == expected, "papers with claims \(ClaimRegistry.papers) vs papers with scenarios \(expected.sorted())")
        for c in claims {
            #expect(c.id.hasPrefix(c.paper + "."), "\(c.id) does not start with its paper `\(c.paper).`")
            let path = packageRoot.appendingPathComponent(c.scenario).path
            guard FileManager.default.fileExists(atPath: path) else { Issue.record("\(c.id): no scenario \(c.scenario)"); continue }
            let scenario = try ScenarioLoader.load(path)
            #expect(scenario.experiment.paper == c.paper, "\(c.id): scenario \(c.scenario) belongs to \(scenario.experiment.paper)")
            if let f = c.figure {
                #expect(scenario.figures.contains { $0.id == f }, "\(c.id): figure \(f) is not in \(c.scenario)'s figures")
            }
            if c.rule.kind == .exact {
                #expect(
                    c.rule.bandLow <= c.rule.prediction && c.rule.prediction <= c.rule.bandHigh, "\(c.id): band excludes the prediction \(c.rule.prediction)")
            }
            #expect(!c.statement.isEmpty && !c.prediction.isEmpty && !c.statistic.isEmpty && !c.rule.rationale.isEmpty)
        }
    }

    @Test("verdict rules: every branch of the equivalence test, for exact, one-sided and range rules")
    func verdictRules() {
        func m(_ v: Double, _ lo: Double, _ hi: Double, seeds: Int = 5) -> ClaimMeasurement {
            ClaimMeasurement(value: v, ciLow: lo, ciHigh: hi, method: .t, seeds: seeds)
        }
        let slope = VerdictRule.exact(1, band: 0.6...1.6, "test")
        #expect(slope.verdict(m(1.1, 0.9, 1.3)) == .holds)  // inside the band, covers 1
        #expect(slope.verdict(m(1.4, 1.3, 1.5)) == .holdsWithinBand)  // inside the band, misses 1
        #expect(slope.verdict(m(0.7, 0.65, 0.75)) == .holdsWithinBand)
        #expect(slope.verdict(m(1.5, 1.3, 1.7)) == .inconclusive)  // straddles the upper edge
        #expect(slope.verdict(m(0.7, 0.5, 0.9)) == .inconclusive)  // straddles the lower edge
        #expect(slope.verdict(m(1.0, 0.2, 2.0)) == .inconclusive)  // covers the prediction, but wider than the band
        #expect(slope.verdict(m(1.8, 1.7, 1.9)) == .doesNotHold)  // entirely above
        #expect(slope.verdict(m(0.3, 0.2, 0.5)) == .doesNotHold)  // entirely below
        #expect(slope.verdict(m(1.6, 1.6, 1.6)) == .holdsWithinBand)  // on the edge counts as inside
        #expect(slope.verdict(m(.nan, .nan, .nan)) == .inconclusive)  // nothing measured: not a pass
        #expect(slope.verdict(m(1.0, -.infinity, .infinity)) == .inconclusive)
        #expect(slope.verdict(m(1.0, .nan, .nan, seeds: 1)) == .inconclusive)  // one seed: no interval
        let atLeast = VerdictRule.atLeast(0.9, .mechanism, "test")
        #expect(atLeast.verdict(m(0.95, 0.92, 0.98)) == .holds)
        #expect(atLeast.verdict(m(0.92, 0.85, 0.99)) == .inconclusive)
        #expect(atLeast.verdict(m(0.8, 0.7, 0.85)) == .doesNotHold)
        #expect(atLeast.verdict(m(0.9, 0.9, 0.9)) == .holds)
        let atMost = VerdictRule.atMost(0.01, .bound, "test")
        #expect(atMost.verdict(m(0, 0, 0)) == .holds)  // identical seeds: a zero-width interval
        #expect(atMost.verdict(m(0.005, -0.002, 0.02)) == .inconclusive)
        #expect(atMost.verdict(m(0.05, 0.03, 0.07)) == .doesNotHold)
        let range = VerdictRule.inRange(0.4...0.9, .mechanism, "test")
        #expect(range.verdict(m(0.7, 0.6, 0.8)) == .holds)  // no exact prediction: never "within band"
        #expect(range.verdict(m(0.7, 0.35, 0.8)) == .inconclusive)
        #expect(range.verdict(m(0.95, 0.92, 1)) == .doesNotHold)
        let bound = VerdictRule(kind: .bound, prediction: 2, bandLow: 0, bandHigh: 2.6, rationale: "test")
        #expect(bound.verdict(m(1.2, 0.8, 1.6)) == .holds)  // a bound: flatter is fine, no "within band"
        #expect(bound.verdict(m(3.0, 2.2, 3.9)) == .inconclusive)
        #expect(bound.verdict(m(3.5, 3.0, 4.0)) == .doesNotHold)
        // A statistic without sampling error is its own interval.
        #expect(ClaimMeasurement(value: 0, ciLow: .nan, ciHigh: .nan, method: .none, seeds: 5).ciHigh == 0)
        // Only "holds" and "holds within band" are supported.
        #expect(ClaimVerdict.allCases.filter(\.isSupported) == [.holds, .holdsWithinBand])
    }

    @Test("seeds needed for an inconclusive claim: the half-width shrinks as 1/√n")
    func seedsNeeded() {
        let rule = VerdictRule.atLeast(0.15, .mechanism, "test")
        // value 0.2, lower half-width 0.1, distance to the bound 0.05: (0.1/0.05)² = 4 × 5 seeds.
        #expect(rule.seedsNeeded(ClaimMeasurement(value: 0.2, ciLow: 0.1, ciHigh: 0.3, method: .t, seeds: 5)) == 20)
        #expect(rule.seedsNeeded(ClaimMeasurement(value: 0.3, ciLow: 0.2, ciHigh: 0.4, method: .t, seeds: 5)) == nil)  // holds already
        // A value on the wrong side: the seeds that would settle "does not hold".
        #expect(rule.seedsNeeded(ClaimMeasurement(value: 0.1, ciLow: 0.0, ciHigh: 0.2, method: .t, seeds: 5)) == 20)
    }

    @Test("fidelity: smoke applies the smoke block, standard the committed file, full doubles the seeds")
    func fidelityOptions() throws {
        let path = packageRoot.appendingPathComponent("scenarios/lowrank/r8_iteration_scaling_alpha.yaml").path
        let committed = try ScenarioLoader.load(path)
        let full = try ScenarioLoader.load(path, options: Fidelity.full.options(standardSeeds: committed.sweep.seeds))
        let smoke = try ScenarioLoader.load(path, options: Fidelity.smoke.options(standardSeeds: committed.sweep.seeds))
        let standard = try ScenarioLoader.load(path, options: Fidelity.standard.options(standardSeeds: committed.sweep.seeds))
        #expect(full.sweep.seeds == 2 * committed.sweep.seeds)
        #expect(standard.sweep.seeds == committed.sweep.seeds && !standard.smoke)
        #expect(smoke.smoke && smoke.sweep.seeds < committed.sweep.seeds)
        #expect(Plan(scenario: full).points.count == 2 * Plan(scenario: committed).points.count)
    }

    @Test("claim holds at standard fidelity (its declaration's statistic and verdict rule)", arguments: claimIDs)
    func claimHolds(_ id: String) throws {
        let claim = try #require(ClaimRegistry.all.first { $0.id == id })
        let v = Self.cache.verification(claim.paper)
        let o = try #require(v.outcomes.first { $0.claim.id == id })
        let what =
            "\(id): \(o.verdict.rawValue); prediction \(claim.prediction) \(claim.rule.text); measured "
            + (o.measurement.map { "\($0.text) over \($0.seeds) seeds; \($0.detail)" } ?? "nothing: \(o.reason ?? "?")")
        // A documented non-reproduction is still measured: "not run" is never excused.
        #expect(o.verdict != .notRun, "\(what)")
        if claim.matrixCell != nil {
            // A cell of the claims × relaxations map (`for_each`) sits outside the theorem's
            // assumptions: breaking is a finding, not a failure. What must not happen silently is a
            // change of the map: a cell docs/claims-baseline.tsv records as supported must not now
            // fail, nor one it records as failing now hold. Inconclusive sits between the two (a cell
            // at its band's edge may land there on another machine's rounding) and fails neither way.
            let base = try Baseline.load(packageRoot.appendingPathComponent("docs/claims-baseline.tsv").path)
            let row = try #require(base.claims.first { $0.claim == id }, "\(id) is not in docs/claims-baseline.tsv")
            let was = try #require(ClaimVerdict(rawValue: row.verdict))
            let flipped = (was.isSupported && o.verdict == .doesNotHold) || (was == .doesNotHold && o.verdict.isSupported)
            #expect(!flipped, "\(what); the committed map says \(row.verdict)")
        } else if let known = claim.knownIssue {
            withKnownIssue("documented non-reproduction: \(known)", isIntermittent: true) {
                #expect(o.verdict.isSupported, "\(what)")
            }
        } else {
            // Inconclusive fails too: a claim that cannot tell is not supported.
            #expect(o.verdict.isSupported, "\(what)")
        }
    }

    /// The verdict recomputed from a `claims.tsv` row alone, independently of `VerdictRule`.
    static func verdictFromRow(_ row: [String: String]) -> String {
        guard let v = Double(row["value"]!), v.isFinite else { return row["ci_method"]!.isEmpty ? "not run" : "inconclusive" }
        func num(_ k: String) -> Double {
            switch row[k]! {
            case "inf": return .infinity;
            case "-inf": return -.infinity;
            case "nan": return .nan;
            default: return Double(row[k]!)!
            }
        }
        let lo = num("ci_lo"), hi = num("ci_hi"), bl = num("band_lo"), bh = num("band_hi"), p = num("prediction")
        if lo.isNaN || hi.isNaN { return "inconclusive" }
        if hi < bl || lo > bh { return "does not hold" }
        if lo < bl || hi > bh { return "inconclusive" }
        if row["kind"] == "exact" && bl.isFinite && bh.isFinite && !(lo <= p && p <= hi) { return "holds within band" }
        return "holds"
    }

    @Test("the report lists every claim once, with the verdict the claim test saw, and embeds every figure")
    func reportMatchesClaims() throws {
        let v = Self.cache.all()
        let dir = Self.cache.out.appendingPathComponent("report")
        try VerificationReport.write(v, to: dir)
        let tsv = try String(contentsOf: dir.appendingPathComponent("claims.tsv"), encoding: .utf8)
        let rows = tsv.split(separator: "\n").filter { !$0.hasPrefix("#") }.dropFirst().map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(rows.count == ClaimRegistry.all.count)
        let md = try String(contentsOf: dir.appendingPathComponent("index.md"), encoding: .utf8)
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        let header = try #require(tsv.split(separator: "\n").first { !$0.hasPrefix("#") }).split(separator: "\t").map(String.init)
        #expect(header == VerificationReport.tsvColumns)
        for cols in rows {
            let row = Dictionary(uniqueKeysWithValues: zip(header, cols))
            #expect(
                Self.verdictFromRow(row) == row["verdict"],
                "\(row["claim"] ?? "?"): recomputed \(Self.verdictFromRow(row)) from the row, printed \(row["verdict"] ?? "?")")
            #expect(["exact", "bound", "mechanism"].contains(row["kind"] ?? ""), "\(row["claim"] ?? "?"): kind \(row["kind"] ?? "?")")
        }
        for o in v.outcomes {
            let row = rows.filter { $0.first == o.claim.id }
            #expect(row.count == 1, "\(o.claim.id) appears \(row.count) times in claims.tsv")
            #expect(row.first?[2] == o.verdict.rawValue, "\(o.claim.id): report says \(row.first?[2] ?? "?"), the claim test saw \(o.verdict.rawValue)")
            #expect(md.contains("| **\(o.claim.id)** |"), "\(o.claim.id) missing from index.md")
            #expect(html.contains("data-claim-id=\"\(o.claim.id)\" data-verdict=\"\(o.verdict.rawValue)\""), "\(o.claim.id) missing from index.html")
        }
        // A forest plot per paper: inline SVG in the page, a gnuplot figure beside the report.
        for p in ClaimRegistry.papers {
            #expect(html.contains("<div class=\"forest\" data-paper=\"\(p)\"><svg"), "no forest plot for \(p) in index.html")
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("figures/\(p)/forest_\(p).tsv").path))
        }
        // Self-contained: figures are data URIs, nothing is fetched from elsewhere.
        let figures = Set(v.outcomes.compactMap { o in o.claim.figure.map { "\(o.claim.paper)/\($0)" } })
        // …plus the claims × relaxations verdict map of the "Beyond the assumptions" section.
        let map = RelaxationMatrix(v).isEmpty ? 0 : 1
        #expect(map == 1 && FileManager.default.fileExists(atPath: dir.appendingPathComponent("figures/relaxations.svg").path))
        #expect(html.contains("<h2 id=\"beyond\">Beyond the assumptions</h2>") && md.contains("## Beyond the assumptions"))
        #expect(html.components(separatedBy: "src=\"data:image/svg+xml;base64,").count - 1 == figures.count + map)
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<link "))
    }

    /// The CI gate against the last good state: this build's claims, at standard fidelity, against the
    /// committed `docs/claims-baseline.tsv` — in process (the failure lists every regression) and
    /// through `sim verify all --baseline` on the same runs (reused: same points, same code).
    @Test("no claim regresses against the committed baseline (docs/claims-baseline.tsv), in process and through sim verify --baseline")
    func committedBaseline() throws {
        let v = Self.cache.all()
        let base = try Baseline.load(packageRoot.appendingPathComponent("docs/claims-baseline.tsv").path)
        #expect(base.fidelity == "standard")
        let comparison = BaselineComparison(baseline: base, outcomes: v.outcomes)
        #expect(comparison.passed, "\(comparison.table)")
        #expect(
            Set(base.claims.map(\.claim)) == Set(v.outcomes.map(\.claim.id)),
            "the baseline and the declared claims differ: update docs/claims-baseline.tsv in a reviewed commit (sim verify all, then copy report/claims.tsv)")
        let report = makeTempDirectory("baseline-report")
        let r = try #require(
            try runSim(
                [
                    "verify", "all", "--out", Self.cache.out.path, "--report", report.path, "--jobs", "2",
                    "--baseline", "docs/claims-baseline.tsv",
                ], timeout: 1800))
        #expect(r.status == 0 && r.stdout.contains("no regression"), "\(r.stdout.suffix(3000))\n\(r.stderr.suffix(2000))")
    }

    /// Debian's `chromium` (CI installs it when it can; `.ci/run` says when it could not).
    static let chromium: String? = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { name -> String? in
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }.first

    @Test(
        "headless Chromium renders the report: every figure decodes and every claim row is present",
        .enabled(if: chromium != nil || ProcessInfo.processInfo.environment["PROVABLE_REQUIRE_CHROMIUM"] == "1"))
    func rendersInChromium() throws {
        let browser = try #require(Self.chromium, "PROVABLE_REQUIRE_CHROMIUM=1 but no chromium on PATH")
        let v = Self.cache.all()
        let dir = Self.cache.out.appendingPathComponent("report")
        try VerificationReport.write(v, to: dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom",
            dir.appendingPathComponent("index.html").absoluteString,
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let dom = String(decoding: data, as: UTF8.self)
        func attribute(_ name: String) -> Int? {
            guard let r = dom.range(of: "\(name)=\"") else { return nil }
            return Int(dom[r.upperBound...].prefix { $0 != "\"" })
        }
        let figures = try #require(attribute("data-figures"), "the page's load handler did not run (no data-figures on <body>)")
        #expect(figures > 0)
        #expect(attribute("data-figures-loaded") == figures, "\(attribute("data-figures-loaded") ?? -1) of \(figures) figures decoded")
        #expect(attribute("data-claim-rows") == ClaimRegistry.all.count)
    }

    @Test(
        "sim verify: smoke fidelity writes the report; --precision float reaches the report; an unknown paper, fidelity or precision is an error naming the choices"
    )
    func verifyCommand() throws {
        let out = makeTempDirectory("verify")
        let report = out.appendingPathComponent("report")
        let r = try #require(try runSim(["verify", "moe", "--fidelity", "smoke", "--out", out.path, "--report", report.path, "--jobs", "2"], timeout: 300))
        #expect(r.status == 0, "\(r.stderr)")
        for f in ["index.md", "index.html", "claims.tsv"] {
            #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent(f).path), "\(f) missing")
        }
        #expect(r.stdout.contains("moe.T2a"))
        let md = try String(contentsOf: report.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(md.contains("smoke (seconds-long smoke runs"))

        // --baseline: the run's own claims.tsv passes; the same file with one verdict flipped to one the
        // run does not reach fails with exit 4; a baseline of another fidelity is refused before running.
        let own = out.appendingPathComponent("own.tsv"), flippedFile = out.appendingPathComponent("flipped.tsv")
        try FileManager.default.copyItem(at: report.appendingPathComponent("claims.tsv"), to: own)
        let same = try #require(
            try runSim(
                [
                    "verify", "moe", "--fidelity", "smoke", "--out", out.path, "--report", report.path,
                    "--jobs", "2", "--baseline", own.path,
                ], timeout: 300))
        #expect(same.status == 0 && same.stdout.contains("no regression"), "\(same.stdout)\n\(same.stderr)")
        var lines = try String(contentsOf: own, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.first { !$0.hasPrefix("#") }).split(separator: "\t").map(String.init)
        let verdictColumn = try #require(header.firstIndex(of: "verdict"))
        var flippedClaim: String?
        for (i, line) in lines.enumerated() where !line.hasPrefix("#") && line != lines.first(where: { !$0.hasPrefix("#") }) && !line.isEmpty {
            var cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let now = try #require(ClaimVerdict(rawValue: cols[verdictColumn]))
            // Supported now → baseline says it did not hold (an improvement, fine); not supported now → baseline says it held (a regression).
            cols[verdictColumn] = now.isSupported ? ClaimVerdict.doesNotHold.rawValue : ClaimVerdict.holds.rawValue
            if !now.isSupported && flippedClaim == nil { flippedClaim = cols[0]; lines[i] = cols.joined(separator: "\t") }
        }
        if flippedClaim == nil {
            // Every smoke claim supported: flip the first one in the baseline to "holds" and its value far away instead.
            Issue.record("no unsupported claim at smoke fidelity to flip; the flipped-verdict path is covered by BaselineTests only")
        } else {
            try lines.joined(separator: "\n").write(to: flippedFile, atomically: true, encoding: .utf8)
            let flipped = try #require(
                try runSim(
                    [
                        "verify", "moe", "--fidelity", "smoke", "--out", out.path, "--report", report.path,
                        "--jobs", "2", "--baseline", flippedFile.path,
                    ], timeout: 300))
            #expect(flipped.status == 4, "\(flipped.stdout)\n\(flipped.stderr)")
            #expect(flipped.stdout.contains("FAIL: was holds, now") && flipped.stdout.contains("1 regression: \(flippedClaim!)"), "\(flipped.stdout)")
            let tsv = try String(contentsOf: report.appendingPathComponent("baseline.tsv"), encoding: .utf8)
            #expect(tsv.contains("\(flippedClaim!)\tholds\t"))
        }
        let otherFidelity = try #require(
            try runSim([
                "verify", "moe", "--fidelity", "smoke", "--out", out.path, "--report", report.path,
                "--baseline", "docs/claims-baseline.tsv",
            ]))
        #expect(otherFidelity.status == 1 && otherFidelity.stderr.contains("verified at fidelity standard, this run is smoke"), "\(otherFidelity.stderr)")
        let bad = try #require(try runSim(["verify", "nosuch", "--out", out.path, "--report", report.path]))
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("lowrank") && bad.stderr.contains("moe"), "\(bad.stderr)")
        let badFidelity = try #require(try runSim(["verify", "--fidelity", "huge"]))
        #expect(badFidelity.status != 0 && badFidelity.stderr.contains("smoke, standard, full"), "\(badFidelity.stderr)")
        let badPrecision = try #require(try runSim(["verify", "--precision", "half"]))
        #expect(badPrecision.status != 0 && badPrecision.stderr.contains("double, float"), "\(badPrecision.stderr)")
        // Float for the papers that offer it: the report says so, and the smoke claims still run.
        let float = try #require(
            try runSim(
                [
                    "verify", "lowrank", "--fidelity", "smoke", "--precision", "float", "--out", out.path,
                    "--report", report.path, "--jobs", "2",
                ], timeout: 300))
        #expect(float.status == 0, "\(float.stderr)")
        let floatMD = try String(contentsOf: report.appendingPathComponent("index.md"), encoding: .utf8)
        #expect(floatMD.contains("float for the learners that offer it"))
    }
}
