import Foundation
import ProvableNumerics
import Plots

/// The learners' working precision (`ProvableNumerics.Precision`), visible to the CLI through Sim.
public typealias Precision = ProvableNumerics.Precision

/// How hard `sim verify` looks.
///
/// - `smoke`: each scenario's `smoke:` block — seconds, checks the plumbing; verdicts are not
///   evidence (the report says so).
/// - `standard`: the scenarios as committed — what `sim reproduce` runs and the figures show.
/// - `full`: the committed scenarios with twice the seeds (narrower intervals; about twice the time).
public enum Fidelity: String, CaseIterable, Sendable {
    case smoke, standard, full

    /// Scenario options of this fidelity for a scenario committed with `seeds` seeds per point.
    public func options(standardSeeds seeds: Int) -> ScenarioOptions {
        switch self {
        case .smoke: return ScenarioOptions(smoke: true)
        case .standard: return ScenarioOptions()
        case .full: return ScenarioOptions(overrides: ["sweep.seeds=\(2 * seeds)"])
        }
    }
}

/// One scenario a set of claims needs: its plan at the chosen fidelity, the aggregated results, and
/// the figures rendered for the report.
public struct VerifiedScenario: Sendable {
    public var path: String
    public var plan: Plan?
    public var results: AggregateResults?
    public var figures: [String: FigureFiles]
    public var runs: Int
    public var executed: Int
    /// From its first point's start to its last point's end in the shared pool (0: nothing ran).
    public var seconds: Double
    /// Why the scenario could not be run or aggregated (its claims are then `notRun`).
    public var error: String?
}

/// The outcome of verifying a set of claims.
public struct Verification: Sendable {
    public var fidelity: Fidelity
    /// The learners' working precision (`precision: float` reaches only the experiments that offer it).
    public var precision: Precision
    public var outcomes: [ClaimOutcome]
    public var scenarios: [VerifiedScenario]
    public var manifest: VerificationManifest
    public var seconds: Double
    /// The package root the claims' scenario paths are relative to (for links from the report).
    public var root: URL

    public func scenario(_ path: String) -> VerifiedScenario? { scenarios.first { $0.path == path } }
    /// Code fingerprint → runs behind the report's numbers (more than one: the report mixes code versions).
    public var codeFingerprints: [String: Int] {
        var codes: [String: Int] = [:]
        for s in scenarios { for (k, n) in s.results?.codeFingerprints ?? [:] { codes[k, default: 0] += n } }
        return codes
    }
    public func count(_ v: ClaimVerdict) -> Int { outcomes.filter { $0.verdict == v }.count }
}

/// Version, commit, BLAS, threads, date: what the report's reader needs to reproduce it.
public struct VerificationManifest: Sendable, Codable {
    public var version: String
    /// The fingerprint of the binary that wrote the report (`BuildInfo.codeFingerprint`).
    public var codeFingerprint: String? = SimVersion.code
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var blas: String
    public var blasCore: String
    public var blasThreads: Int
    public var jobs: Int
    public var processors: Int
    public var date: String
    public var host: String
    public var os: String
    public var argv: [String]
}

public struct VerifyOptions: Sendable {
    /// Runs go to `<out>/runs/` (finished points there are reused).
    public var out: URL
    /// Scenario paths in claims are relative to this directory (the package root).
    public var root: URL
    public var jobs: Int
    public var fidelity: Fidelity
    /// Working precision for every scenario whose experiment has a `precision` parameter (low-rank,
    /// ICL); the others run as committed. Float runs share their Double twins' seeds.
    public var precision: Precision
    /// Figures of each claim's scenario are rendered here, under `<paper>/` (nil: not rendered).
    public var figuresDirectory: URL?
    public var progress: ProgressMode
    public var cancellation: CancellationFlag
    /// Called once the scenarios are loaded, before any point runs (for a status line).
    public var onStart: (@Sendable (_ scenarios: Int, _ runs: Int) -> Void)?
    /// `--until-conclusive`: re-run the scenarios of inconclusive claims with more seeds (at most doubling
    /// per round, finished points reused) until each claim is conclusive or has `maxSeeds` seeds per point.
    public var untilConclusive: Bool = false
    /// `--reuse-stale`: keep finished points produced by other code (the report lists the fingerprints).
    public var reuseStale: Bool = false
    public var maxSeeds: Int = 40
    /// Called before each `--until-conclusive` round: (round, [(scenario, seeds)]).
    public var onExtend: (@Sendable (_ round: Int, _ scenarios: [(String, Int)]) -> Void)?

    public init(
        out: URL, root: URL = URL(fileURLWithPath: "."), jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        fidelity: Fidelity = .standard, precision: Precision = .double, figuresDirectory: URL? = nil,
        progress: ProgressMode = .auto,
        cancellation: CancellationFlag = CancellationFlag(),
        onStart: (@Sendable (Int, Int) -> Void)? = nil
    ) {
        self.out = out; self.root = root; self.jobs = jobs; self.fidelity = fidelity; self.precision = precision
        self.figuresDirectory = figuresDirectory; self.progress = progress; self.cancellation = cancellation
        self.onStart = onStart
    }
}

/// Runs what a set of claims needs (each distinct scenario once, finished points reused) and
/// judges every claim on its scenario's results.
public enum Verifier {
    public static func run(_ claims: [Claim], options: VerifyOptions) -> Verification {
        let start = DispatchTime.now().uptimeNanoseconds
        var order: [String] = []
        for c in claims where !order.contains(c.scenario) { order.append(c.scenario) }
        var scenarios = order.map { VerifiedScenario(path: $0, figures: [:], runs: 0, executed: 0, seconds: 0) }

        // Load every scenario first (a bad file is reported on its claims, the others still run).
        var loaded: [(index: Int, plan: Plan)] = []
        for (i, path) in order.enumerated() {
            do {
                let plan = try load(path, options: options, seeds: nil)
                scenarios[i].plan = plan
                scenarios[i].runs = plan.points.count
                loaded.append((i, plan))
            } catch {
                scenarios[i].error = "\(error)"
            }
        }
        options.onStart?(loaded.count, loaded.reduce(0) { $0 + $1.plan.points.count })
        execute(loaded, into: &scenarios, options: options)

        var outcomes: [ClaimOutcome] = claims.map { c in
            let s = scenarios.first { $0.path == c.scenario }
            if let results = s?.results, !results.groups.isEmpty { return c.evaluate(results) }
            return ClaimOutcome(claim: c, measurement: nil, verdict: .notRun, reason: s?.error ?? "no finished runs of \(c.scenario)")
        }
        if options.untilConclusive { extendUntilConclusive(&outcomes, scenarios: &scenarios, options: options) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Verification(
            fidelity: options.fidelity, precision: options.precision, outcomes: outcomes, scenarios: scenarios,
            manifest: manifest(options: options), seconds: seconds, root: options.root)
    }

    /// A claim scenario at the options' fidelity and precision; `seeds` replaces its seeds per point.
    static func load(_ path: String, options: VerifyOptions, seeds: Int?) throws -> Plan {
        let file = path.hasPrefix("/") ? path : options.root.appendingPathComponent(path).path
        let committed = try ScenarioLoader.load(file)
        var scenarioOptions = options.fidelity.options(standardSeeds: committed.sweep.seeds)
        if options.precision != .double, committed.experiment.parameters.contains(where: { $0.name == "precision" }) {
            scenarioOptions.overrides.append("params.precision=\(options.precision.rawValue)")
        }
        if let seeds { scenarioOptions.overrides.append("sweep.seeds=\(seeds)") }
        return Plan(scenario: try ScenarioLoader.load(file, options: scenarioOptions))
    }

    /// Run the plans' points through one pool (finished points are skipped), aggregate each scenario
    /// and render its figures for the report.
    static func execute(_ loaded: [(index: Int, plan: Plan)], into scenarios: inout [VerifiedScenario], options: VerifyOptions) {
        do {
            let reports = try Runner.run(
                loaded.map(\.plan),
                options: RunOptions(
                    out: options.out, jobs: options.jobs, progress: options.progress,
                    cancellation: options.cancellation, reuseStale: options.reuseStale))
            for (k, (i, _)) in loaded.enumerated() {
                let report = reports[k]
                scenarios[i].executed += report.executed
                scenarios[i].seconds += report.elapsedSeconds
                var problems: [String] = []
                if !report.failed.isEmpty { problems.append("\(report.failed.count) of \(report.total) runs failed (first: \(report.failed[0].message))") }
                if let failure = report.storageFailure { problems.append("stopped: \(failure)") }
                if report.cancelled && report.remaining > 0 { problems.append("interrupted with \(report.remaining) runs unfinished") }
                scenarios[i].error = problems.isEmpty ? nil : problems.joined(separator: "; ")
            }
        } catch {
            for (i, _) in loaded { scenarios[i].error = "\(error)" }
        }

        for (i, plan) in loaded where scenarios[i].error == nil || scenarios[i].executed > 0 {
            do {
                let results = try Aggregator.aggregate(plan, out: options.out)
                try Aggregator.write(results, to: RunLayout(out: options.out, plan: plan).aggregateDirectory)
                scenarios[i].results = results
                guard let dir = options.figuresDirectory, !results.groups.isEmpty else { continue }
                let to = dir.appendingPathComponent(plan.experiment.paper)
                var problems: [String] = scenarios[i].error.map { [$0] } ?? []
                for request in plan.scenario.figures {
                    do {
                        scenarios[i].figures[request.id] = try FigureBuilder.build(
                            request, experiment: plan.experiment, results: results,
                            scenario: plan.scenario.path, to: to)
                    } catch {
                        problems.append("\(error)")
                    }
                }
                if !problems.isEmpty { scenarios[i].error = problems.joined(separator: "; ") }
            } catch {
                scenarios[i].error = (scenarios[i].error.map { $0 + "; " } ?? "") + "\(error)"
            }
        }
    }

    /// `--until-conclusive`: each round re-runs the scenarios of the claims still inconclusive with
    /// more seeds per point — the claims' own estimate of what they need (`VerdictRule.seedsNeeded`),
    /// at least one more and at most twice as many as before, never more than `maxSeeds` — and judges
    /// those claims again. New seeds are replicates `n, n+1, …` of the same points (derived from the
    /// scenario seed as always), so the committed replicates are reused and the result is deterministic.
    /// Claims that were already conclusive keep their standard-fidelity outcome.
    static func extendUntilConclusive(_ outcomes: inout [ClaimOutcome], scenarios: inout [VerifiedScenario], options: VerifyOptions) {
        var round = 0
        while !options.cancellation.isCancelled {
            var next: [Int: Int] = [:]  // scenario index → seeds per point
            for o in outcomes where o.verdict == .inconclusive {
                guard let i = scenarios.firstIndex(where: { $0.path == o.claim.scenario }), let plan = scenarios[i].plan else { continue }
                let n = plan.scenario.sweep.seeds
                guard n < options.maxSeeds else { continue }
                let wanted = o.measurement.flatMap { o.claim.rule.seedsNeeded($0) } ?? 2 * n
                next[i] = max(next[i] ?? 0, min(options.maxSeeds, 2 * n, max(n + 1, wanted)))
            }
            guard !next.isEmpty else { return }
            round += 1
            var loaded: [(index: Int, plan: Plan)] = []
            for (i, seeds) in next.sorted(by: { $0.key < $1.key }) {
                do {
                    let plan = try load(scenarios[i].path, options: options, seeds: seeds)
                    scenarios[i].plan = plan
                    scenarios[i].runs = plan.points.count
                    loaded.append((i, plan))
                } catch {
                    scenarios[i].error = "\(error)"
                }
            }
            options.onExtend?(round, loaded.map { (scenarios[$0.index].path, $0.plan.scenario.sweep.seeds) })
            execute(loaded, into: &scenarios, options: options)
            for k in outcomes.indices where outcomes[k].verdict == .inconclusive {
                guard let i = scenarios.firstIndex(where: { $0.path == outcomes[k].claim.scenario }), next[i] != nil,
                    let results = scenarios[i].results, !results.groups.isEmpty
                else { continue }
                var o = outcomes[k].claim.evaluate(results)
                o.extendedTo = scenarios[i].plan?.scenario.sweep.seeds
                outcomes[k] = o
            }
        }
    }

    static func manifest(options: VerifyOptions) -> VerificationManifest {
        let dir = options.root.path
        let commit = Runner.git(["rev-parse", "HEAD"], in: dir)
        let dirty = commit == nil ? nil : Runner.git(["status", "--porcelain", "--untracked-files=no"], in: dir).map { !$0.isEmpty }
        return VerificationManifest(
            version: SimVersion.string, gitCommit: commit, gitDirty: dirty, blas: BLASInfo.config,
            blasCore: BLASInfo.coreName, blasThreads: BLASInfo.threads, jobs: options.jobs,
            processors: ProcessInfo.processInfo.activeProcessorCount, date: Store.isoDate(),
            host: Store.hostName, os: ProcessInfo.processInfo.operatingSystemVersionString,
            argv: CommandLine.arguments)
    }
}
