import ArgumentParser
import Foundation
import Sim

/// `sim verify`: every claim of a paper (or all papers), predicted against measured, as a report.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Run what each paper's claims need (finished points are reused) and write report/index.md and a self-contained report/index.html.",
        discussion: """
            One row per claim: the prediction in the paper's symbols, the measured value with its 95% interval over seeds, \
            the verdict (holds / holds within band / inconclusive / does not hold / not run: equivalence tests of the interval against \
            the claim's band), its figure and scenario. \
            Fidelity: smoke = each scenario's smoke: block (seconds, plumbing only); standard = the scenarios as committed \
            (what `sim reproduce` runs); full = twice the seeds. Exit status 0 when every claim was evaluated, whatever \
            its verdict (with --strict: 3 when a claim without a documented known issue is not supported: does not hold or is \
            inconclusive; cells of a claims × relaxations map, ids <claim>@<value>, are findings outside the theorem's \
            assumptions and are checked with --baseline instead); 2 when a \
            scenario failed (some runs or figures), listed under Scenarios in the report; with --baseline: 4 when a claim the \
            baseline supported is no longer supported (or was removed), or a value moved by more than --max-shift of the \
            baseline's interval half-widths (the comparison is also written to <report>/baseline.tsv).
            """)

    @Argument(help: "Paper key (e.g. lowrank, icl, graph, moe), `all`, or a scenario file (its `claims:` block only).")
    var paper: String = "all"

    @Option(name: .long, help: "smoke | standard | full.")
    var fidelity: String = "standard"

    @Option(name: .long, help: "double | float: the learners' working precision, for the papers that offer it (low-rank, ICL).")
    var precision: String = "double"

    @Option(name: .long, help: "Output root: runs go to <out>/runs/ (finished points there are reused).")
    var out: String = "."

    @Option(name: .long, help: "Report directory (index.md, index.html, claims.tsv, figures/).")
    var report: String = "report"

    @Option(
        name: .long,
        help:
            "Package root (the directory holding scenarios/): claims name their scenarios relative to it. Default: $PROVABLE_ROOT, else the nearest directory at or above the working directory that holds scenarios/."
    )
    var root: String?

    @Option(name: .long, help: "Runs in parallel. Default: processor count.")
    var jobs: Int?

    @Flag(
        name: .long,
        help: "Re-run the scenarios of inconclusive claims with more seeds (finished points reused) until each is conclusive or reaches --max-seeds.")
    var untilConclusive = false

    @Option(name: .long, help: "With --until-conclusive: the most seeds per sweep point (default 40).")
    var maxSeeds: Int = 40

    @Flag(name: .long, help: "Exit with status 3 when a claim without a documented known issue does not hold or is inconclusive.")
    var strict = false

    @Option(
        name: .long,
        help:
            "A claims.tsv (or a report directory holding one) to compare with: per claim the verdict change and the value's shift in baseline half-widths; exit 4 on a regression."
    )
    var baseline: String?

    @Option(name: .long, help: "With --baseline: the largest accepted |shift| of a value, in baseline interval half-widths (default 3).")
    var maxShift: Double = BaselineComparison.defaultMaxShift

    @Flag(name: .long, help: "Reuse finished points produced by other code (another code fingerprint) instead of re-running them; the report marks the mix.")
    var reuseStale = false

    func validate() throws {
        if !(maxShift > 0) { throw ValidationError("--max-shift must be positive, got \(maxShift)") }
        if maxSeeds < 2 { throw ValidationError("--max-seeds must be at least 2, got \(maxSeeds)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard Fidelity(rawValue: fidelity) != nil else {
            throw ValidationError("--fidelity must be one of \(Fidelity.allCases.map(\.rawValue).joined(separator: ", ")), got `\(fidelity)`")
        }
        guard Precision(rawValue: precision) != nil else {
            throw ValidationError("--precision must be one of \(Precision.allCases.map(\.rawValue).joined(separator: ", ")), got `\(precision)`")
        }
    }

    func run() throws {
        let root = try CLI.rooted { try PackageRoot.discover(explicit: self.root) }
        ClaimRegistry.root = URL(fileURLWithPath: root).standardizedFileURL
        let claims: [Claim]
        if paper.hasSuffix(".yaml") || paper.hasSuffix(".yml") {
            // One scenario file's own claims, named relative to the root when it lies inside it.
            let url = URL(fileURLWithPath: paper).standardizedFileURL
            let scenario = try ScenarioLoader.load(url.path)
            let rootPath = ClaimRegistry.root.path + "/"
            let relative = url.path.hasPrefix(rootPath) ? String(url.path.dropFirst(rootPath.count)) : url.path
            claims = scenario.claims.map { $0.claim(paper: scenario.experiment.paper, scenario: relative) }
            guard !claims.isEmpty else { throw CLIError("\(paper) declares no claims (no `claims:` block)") }
        } else {
            let failed = ClaimRegistry.scenarioClaims().errors
            if let first = failed.first {
                throw CLIError("the claims of \(failed.count) scenario file(s) could not be read; the first: \(first.error)")
            }
            claims = paper == "all" ? ClaimRegistry.all : ClaimRegistry.claims(paper: paper)
            guard !claims.isEmpty else {
                throw CLIError(
                    "no claims declared for paper `\(paper)`; papers with claims: \(ClaimRegistry.papers.joined(separator: ", ")), or `all`, or a scenario file"
                )
            }
        }
        // Read the baseline before anything runs: a wrong path fails in a second, not after the sweep.
        let base = try baseline.map { path -> Baseline in
            let b = try Baseline.load(path)
            if let f = b.fidelity, f != fidelity {
                throw CLIError("--baseline \(b.path) was verified at fidelity \(f), this run is \(fidelity): compare like with like (use --fidelity \(f))")
            }
            return b
        }
        let reportURL = URL(fileURLWithPath: report)
        let cancellation = CancellationFlag()
        InterruptHandler.install(cancelling: cancellation)
        let options = VerifyOptions(
            out: URL(fileURLWithPath: out), root: URL(fileURLWithPath: root),
            jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
            fidelity: Fidelity(rawValue: fidelity)!, precision: Precision(rawValue: precision)!,
            figuresDirectory: reportURL.appendingPathComponent("figures"),
            cancellation: cancellation,
            onStart: { n, runs in
                FileHandle.standardError.write(Data("verify: \(claims.count) claims need \(n) scenarios, \(runs) runs (finished points are reused)\n".utf8))
            })
        var opts = options
        opts.untilConclusive = untilConclusive
        opts.maxSeeds = maxSeeds
        opts.reuseStale = reuseStale
        opts.onExtend = { round, list in
            FileHandle.standardError.write(
                Data("verify: --until-conclusive round \(round): \(list.map { "\($0.0) → \($0.1) seeds" }.joined(separator: ", "))\n".utf8))
        }
        let v = Verifier.run(claims, options: opts)
        let files = try VerificationReport.write(v, to: reportURL)
        print("")
        for o in v.outcomes {
            let value = o.measurement?.text ?? (o.reason ?? "")
            func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
            let needed = o.measurement.flatMap { o.verdict == .inconclusive ? o.claim.rule.seedsNeeded($0) : nil }
            print(
                pad(o.claim.id, 18) + pad(o.verdict.rawValue, 18) + pad(value, 34) + "vs " + o.claim.rule.text
                    + (needed.map { "  (≈ \($0) seeds needed)" } ?? "")
                    + (o.claim.knownIssue != nil && !o.verdict.isSupported ? "  (known non-reproduction)" : ""))
        }
        print("\n\(VerificationReport.summaryLine(v)) (\(fidelity), \(String(format: "%.0f", v.seconds)) s)")
        for f in files { print("report: \(f.path)") }
        if cancellation.isCancelled { throw ExitCode(128 + (InterruptHandler.receivedSignal ?? SIGINT)) }
        // A scenario that failed is an error; a statistic the chosen fidelity cannot form (e.g. a smoke
        // run without the ratio a claim reads) is reported as not run, with its reason, and is not.
        if v.scenarios.contains(where: { $0.error != nil }) { throw ExitCode(2) }
        if let base {
            let comparison = BaselineComparison(baseline: base, outcomes: v.outcomes, maxShift: maxShift)
            print("")
            print(comparison.table)
            let file = reportURL.appendingPathComponent("baseline.tsv")
            try comparison.tsv.write(to: file, atomically: true, encoding: .utf8)
            print("baseline comparison: \(file.path)")
            if !comparison.passed { throw ExitCode(4) }
        }
        if strict,
            v.outcomes.contains(where: {
                ($0.verdict == .doesNotHold || $0.verdict == .inconclusive) && $0.claim.knownIssue == nil && $0.claim.matrixCell == nil
            })
        {
            throw ExitCode(3)
        }
    }
}
