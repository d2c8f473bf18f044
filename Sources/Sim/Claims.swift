import Foundation
import ProvableNumerics

/// A theorem's claim as data: what the paper predicts, in its symbols; which scenario measures it;
/// the statistic computed from that scenario's aggregated results; and the rule that turns the
/// measurement into a verdict.
///
/// The same declaration drives `sim verify` (the report) and the claims test (`ClaimsTests`), so a
/// test and the report cannot disagree: both call `evaluate` on the same scenario's results.
public struct Claim: Sendable {
    /// `<paper>.<spec id>`, e.g. `lowrank.P2a`.
    public var id: String
    /// For a cell of a claims × relaxations map (a `for_each` claim, id `<claim>@<value>`; a declared
    /// id cannot contain `@`): the row's claim and the column's value.
    public var matrixCell: (claim: String, column: String)? {
        guard let at = id.firstIndex(of: "@") else { return nil }
        return (String(id[..<at]), String(id[id.index(after: at)...]))
    }
    public var paper: String
    /// One sentence in plain words: what the theorem says.
    public var statement: String
    /// The prediction in the paper's symbols, e.g. "slope of log T* vs log 1/α_* = 1".
    public var prediction: String
    /// What is computed from the runs, e.g. "least-squares slope of log mean T* over 6 α_* values".
    public var statistic: String
    /// Scenario file (relative to the package root) whose sweep the statistic reads.
    public var scenario: String
    /// Id of the figure (in that scenario's `figures:`) that shows it.
    public var figure: String?
    public var rule: VerdictRule
    /// A documented non-reproduction: the test records it as a known issue instead of failing,
    /// the report shows the verdict as measured, with this explanation.
    public var knownIssue: String?
    /// The statistic, from the scenario's aggregated results.
    public var measure: @Sendable (AggregateResults) throws -> ClaimMeasurement

    public init(
        id: String, paper: String, statement: String, prediction: String, statistic: String,
        scenario: String, figure: String?, rule: VerdictRule, knownIssue: String? = nil,
        measure: @escaping @Sendable (AggregateResults) throws -> ClaimMeasurement
    ) {
        self.id = id; self.paper = paper; self.statement = statement; self.prediction = prediction
        self.statistic = statistic; self.scenario = scenario; self.figure = figure; self.rule = rule
        self.knownIssue = knownIssue; self.measure = measure
    }

    /// Measure and judge. A statistic that cannot be computed (missing runs or series) is `notRun`
    /// with the reason, never a silent pass.
    public func evaluate(_ results: AggregateResults) -> ClaimOutcome {
        do {
            let m = try measure(results)
            return ClaimOutcome(claim: self, measurement: m, verdict: rule.verdict(m), reason: nil)
        } catch {
            return ClaimOutcome(claim: self, measurement: nil, verdict: .notRun, reason: "\(error)")
        }
    }
}

/// How the 95% interval of a claim statistic was formed (a `claims.tsv` column).
public enum IntervalMethod: String, Sendable, Codable {
    /// Student t over seeds: mean ± t(0.975, n−1)·sd/√n.
    case t = "t"
    /// Seeds resampled with replacement, independently per sweep point (`Bootstrap.defaultResamples`
    /// resamples, seeded by the claim id); percentile interval ∪ t-scaled bootstrap SE (see `Bootstrap`).
    case bootstrap = "bootstrap"
    /// No sampling interval: the statistic is computed once (e.g. a count on a fixed grid).
    case none = "none"
    /// Wilson score interval of a fraction of seeds (`fraction:` claims in scenario files).
    case wilson = "wilson"
}

/// A measured statistic: value with its 95% confidence interval over seeds.
public struct ClaimMeasurement: Sendable, Equatable {
    public var value: Double
    /// 95% interval (see `method`). ±∞ when it could not be bounded (too many bootstrap resamples
    /// without a value, fewer than two seeds): such a measurement is inconclusive, never a pass.
    public var ciLow: Double
    public var ciHigh: Double
    public var method: IntervalMethod
    /// Replicates (seeds) per sweep point behind the value (the fewest over the points used).
    public var seeds: Int
    /// The numbers behind the statistic, for the report (e.g. "T* = 238 / 122 / 84").
    public var detail: String

    /// A NaN bound means "no interval could be formed": it becomes unbounded (−∞ or +∞), unless the
    /// method is `.none` (a statistic without sampling error), whose interval is the value itself.
    public init(value: Double, ciLow: Double, ciHigh: Double, method: IntervalMethod, seeds: Int, detail: String = "") {
        self.value = value
        if method == .none {
            self.ciLow = value; self.ciHigh = value
        } else {
            self.ciLow = ciLow.isNaN ? -.infinity : ciLow
            self.ciHigh = ciHigh.isNaN ? .infinity : ciHigh
        }
        self.method = method; self.seeds = seeds; self.detail = detail
    }

    /// The summary of a metric over seeds: mean and its t-interval. Identical seeds give a
    /// zero-width interval (sd = 0); a single seed gives an unbounded one.
    public init(_ s: Summary, detail: String = "") {
        self.init(value: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh, method: .t, seeds: s.n, detail: detail)
    }

    /// Value and interval rendered for tables: "1.11 [0.93, 1.29]".
    public var text: String {
        if method == .none || (ciLow == value && ciHigh == value) { return fmt(value, 3) }
        return "\(fmt(value, 3)) [\(fmt(ciLow, 3)), \(fmt(ciHigh, 3))]"
    }
}

/// What the theory gives, which decides how the band is read.
public enum ClaimKind: String, Sendable, Codable, CaseIterable {
    /// An exact value or rate (e.g. an exponent of −1): the band is a stated finite-size tolerance
    /// around the prediction; "holds" needs the interval inside the band *and* covering the prediction.
    case exact
    /// A one-sided bound (a sufficient sample complexity or iteration count, an upper-bound order):
    /// the measured quantity must not exceed it (an exponent no steeper than predicted).
    case bound
    /// An ordering or mechanism (a sign, Θ(1) against a baseline, a concentration): the band is
    /// the side of a reference the mechanism puts the quantity on.
    case mechanism
}

/// The five verdicts, as equivalence tests on the 95% interval.
public enum ClaimVerdict: String, Sendable, Codable, CaseIterable {
    /// The interval lies inside the band (and contains an exact prediction).
    case holds = "holds"
    /// The interval lies inside the band but excludes the exact prediction.
    case holdsWithinBand = "holds within band"
    /// The interval straddles a band edge or the bound: more seeds or grid points are needed.
    case inconclusive = "inconclusive"
    /// The interval lies entirely outside the band (on the wrong side of the bound).
    case doesNotHold = "does not hold"
    case notRun = "not run"

    /// The claim is supported by its interval (exactly or within its stated tolerance).
    public var isSupported: Bool { self == .holds || self == .holdsWithinBand }
}

/// How a measurement is judged: the claim's kind, its prediction and the accepted band, with the
/// finite-size argument the band comes from. The band is fixed by the theory and that argument,
/// never by the run it judges.
public struct VerdictRule: Sendable, Equatable {
    public var kind: ClaimKind
    /// The predicted value for an exact claim; for a bound or mechanism, the bound (reference) itself.
    public var prediction: Double
    /// Accepted band; ±∞ on the open side of a one-sided rule.
    public var bandLow: Double
    public var bandHigh: Double
    /// Why the band is what it is (the finite-size argument), in one or two sentences.
    public var rationale: String

    public init(kind: ClaimKind, prediction: Double, bandLow: Double, bandHigh: Double, rationale: String) {
        precondition(bandLow <= bandHigh, "band [\(bandLow), \(bandHigh)] is empty")
        self.kind = kind; self.prediction = prediction; self.bandLow = bandLow; self.bandHigh = bandHigh; self.rationale = rationale
    }

    /// The theory predicts the value t; `band` is the finite-size tolerance around it.
    public static func exact(_ t: Double, band: ClosedRange<Double>, _ rationale: String) -> VerdictRule {
        VerdictRule(kind: .exact, prediction: t, bandLow: band.lowerBound, bandHigh: band.upperBound, rationale: rationale)
    }
    /// The quantity must be ≥ x (its whole interval).
    public static func atLeast(_ x: Double, _ kind: ClaimKind = .mechanism, _ rationale: String) -> VerdictRule {
        VerdictRule(kind: kind, prediction: x, bandLow: x, bandHigh: .infinity, rationale: rationale)
    }
    /// The quantity must be ≤ x (its whole interval).
    public static func atMost(_ x: Double, _ kind: ClaimKind = .mechanism, _ rationale: String) -> VerdictRule {
        VerdictRule(kind: kind, prediction: x, bandLow: -.infinity, bandHigh: x, rationale: rationale)
    }
    /// The quantity must lie in r (e.g. a Θ(1) fraction); `reference` is what the report marks.
    public static func inRange(_ r: ClosedRange<Double>, _ kind: ClaimKind = .mechanism, reference: Double? = nil, _ rationale: String) -> VerdictRule {
        VerdictRule(
            kind: kind, prediction: reference ?? (r.lowerBound + r.upperBound) / 2, bandLow: r.lowerBound, bandHigh: r.upperBound,
            rationale: rationale)
    }

    var oneSided: Bool { bandLow == -.infinity || bandHigh == .infinity }

    /// The equivalence test: where the interval sits relative to the band.
    public func verdict(_ m: ClaimMeasurement) -> ClaimVerdict {
        let lo = m.ciLow, hi = m.ciHigh
        guard m.value.isFinite, !lo.isNaN, !hi.isNaN else { return .inconclusive }
        if hi < bandLow || lo > bandHigh { return .doesNotHold }
        guard lo >= bandLow && hi <= bandHigh else { return .inconclusive }
        if kind == .exact && !oneSided && !(lo <= prediction && prediction <= hi) { return .holdsWithinBand }
        return .holds
    }

    /// For an inconclusive measurement: about how many seeds per point would make the interval clear
    /// the edge it straddles, if the spread stays as measured (half-width ∝ 1/√n). nil when the
    /// point estimate sits on the edge or outside the band (more seeds cannot make it hold there).
    public func seedsNeeded(_ m: ClaimMeasurement) -> Int? {
        guard verdict(m) == .inconclusive, m.value.isFinite, m.seeds >= 2, m.ciLow.isFinite, m.ciHigh.isFinite else { return nil }
        // The edge the interval straddles on the value's side, and the half-width available up to it.
        var needed: [Double] = []
        if m.ciLow < bandLow && m.value > bandLow { needed.append((m.value - m.ciLow) / (m.value - bandLow)) }
        if m.ciHigh > bandHigh && m.value < bandHigh { needed.append((m.ciHigh - m.value) / (bandHigh - m.value)) }
        if m.value <= bandLow || m.value >= bandHigh {
            // Outside (or on) the band: more seeds would settle "does not hold" instead.
            let edge = m.value <= bandLow ? bandLow : bandHigh
            let half = m.value <= bandLow ? m.ciHigh - m.value : m.value - m.ciLow
            guard abs(m.value - edge) > 0 else { return nil }
            needed.append(half / abs(m.value - edge))
        }
        guard let ratio = needed.max(), ratio.isFinite else { return nil }
        // × (1 − 1e-12): a ratio of 2.0000000000000004 means 4× the seeds, not one more.
        return Int((Double(m.seeds) * ratio * ratio * (1 - 1e-12)).rounded(.up))
    }

    /// "= 1, band [0.6, 1.6]", "≥ 0.9", "∈ [0.4, 0.9]".
    public var text: String {
        switch (bandLow == -.infinity, bandHigh == .infinity) {
        case (false, true): return "≥ \(fmt(bandLow, 3))"
        case (true, false): return "≤ \(fmt(bandHigh, 3))"
        case (true, true): return "any value"
        case (false, false):
            if kind == .exact { return "= \(fmt(prediction, 3)), band [\(fmt(bandLow, 3)), \(fmt(bandHigh, 3))]" }
            return "∈ [\(fmt(bandLow, 3)), \(fmt(bandHigh, 3))]"
        }
    }
}

/// A claim judged on one scenario's results.
public struct ClaimOutcome: Sendable {
    public var claim: Claim
    public var measurement: ClaimMeasurement?
    public var verdict: ClaimVerdict
    /// Why it was not run (missing results, a statistic that could not be computed).
    public var reason: String?
    /// Seeds per point the scenario was extended to by `sim verify --until-conclusive` (nil: as committed).
    public var extendedTo: Int?

    public init(claim: Claim, measurement: ClaimMeasurement?, verdict: ClaimVerdict, reason: String?) {
        self.claim = claim; self.measurement = measurement; self.verdict = verdict; self.reason = reason
    }
}

/// Every registered paper's claims, in paper (registration) then declaration order: the claims its
/// experiments declare in Swift (`Experiment.claims`, on one experiment of the paper), then those
/// declared in the `claims:` blocks of its scenario files (`<root>/scenarios/<paper>/`, presets
/// excluded, in file order).
public enum ClaimRegistry {
    /// The package root whose `scenarios/` hold the scenario-file claims; claims name their scenario
    /// relative to it. `sim verify --root` sets it; the working directory by default.
    nonisolated(unsafe) public static var root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

    public static var all: [Claim] {
        let experiments = ExperimentRegistry.all
        let files = scenarioClaims()
        return ExperimentRegistry.papers.flatMap { paper in
            (experiments.first { $0.paper == paper && !$0.claims.isEmpty }?.claims ?? []) + files.claims.filter { $0.paper == paper }
        }
    }

    /// Claims declared in scenario files under `root`, and the files that failed to load (with their
    /// error, which `sim verify` reports instead of silently leaving their claims out).
    public static func scenarioClaims() -> (claims: [Claim], errors: [(path: String, error: String)]) {
        var claims: [Claim] = [], errors: [(String, String)] = []
        let scenarios = root.appendingPathComponent("scenarios")
        for paper in ExperimentRegistry.papers {
            let dir = scenarios.appendingPathComponent(paper)
            guard let e = FileManager.default.enumerator(atPath: dir.path) else { continue }
            var files: [String] = []
            while let rel = e.nextObject() as? String {
                guard rel.hasSuffix(".yaml") || rel.hasSuffix(".yml"), !rel.split(separator: "/").contains("presets") else { continue }
                files.append(rel)
            }
            for rel in files.sorted() {
                let url = dir.appendingPathComponent(rel)
                // Cheap filter: only files with a top-level `claims:` are loaded.
                guard let text = try? String(contentsOf: url, encoding: .utf8),
                    text.split(separator: "\n").contains(where: { $0.hasPrefix("claims:") })
                else { continue }
                let relative = "scenarios/\(paper)/\(rel)"
                do {
                    let scenario = try ScenarioLoader.load(url.path)
                    claims += scenario.claims.map { $0.claim(paper: scenario.experiment.paper, scenario: relative) }
                } catch {
                    errors.append((relative, "\(error)"))
                }
            }
        }
        return (claims, errors)
    }

    public static var papers: [String] {
        var seen: [String] = []
        for c in all where !seen.contains(c.paper) { seen.append(c.paper) }
        return seen
    }

    public static func claims(paper: String) -> [Claim] { all.filter { $0.paper == paper } }
}

// MARK: - helpers for claim statistics

extension AggregateResults {
    /// The metric of the first group matching `coordinates` as a claim measurement (t interval).
    public func claimMetric(_ name: String, _ coordinates: [String: ParamValue] = [:], detail: String = "") throws -> ClaimMeasurement {
        let g = try claimGroup(coordinates)
        let s = try metric(name, in: g)
        guard s.n > 0 else { throw RecipeError("metric '\(name)' has no finite values in \(scenarioName)") }
        return ClaimMeasurement(s, detail: detail)
    }

    /// The group matching `coordinates`, or an error naming them. A coordinate whose value has a
    /// different numeric kind than the plan's (int 160 vs double 160.0) still matches by value.
    public func claimGroup(_ coordinates: [String: ParamValue] = [:]) throws -> AggregateGroup {
        let match = groups.first { g in
            coordinates.allSatisfy { k, v in AggregateResults.sameValue(g.coordinates[k] ?? g.parameters[k], v) }
        }
        guard let g = match else {
            throw RecipeError(
                "no finished runs at \(coordinates.isEmpty ? "the scenario's point" : coordinates.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ", ")) in \(scenarioName)"
            )
        }
        return g
    }

    /// A metric computed per seed from the values of one group (e.g. a difference of two metrics,
    /// or of two curves at one x: see `perSeed(series:at:in:)`), summarised over seeds with its t-interval.
    public func claimPerSeed(
        _ coordinates: [String: ParamValue] = [:], detail: String = "",
        _ f: (_ metric: (String) throws -> [Double]) throws -> [Double]
    ) throws -> ClaimMeasurement {
        let g = try claimGroup(coordinates)
        let values = try f { name in try metric(name, in: g).values }
        let s = Summary(values: values)
        guard s.n > 0 else { throw RecipeError("no finite per-seed values in \(scenarioName)") }
        return ClaimMeasurement(s, detail: detail)
    }

    /// Each seed's value of a series at x (aligned with the group's metric values; NaN where a seed
    /// lacks the series or the point): lets a claim pair two curves per seed.
    public func perSeed(series name: String, at x: Double, in g: AggregateGroup) throws -> [Double] {
        let s = try series(name, in: g)
        guard let i = s.x.firstIndex(where: { abs($0 - x) < 1e-9 }) else {
            throw RecipeError("x = \(fmt(x)) is not on the grid of series '\(name)' \(s.x.map { fmt($0) })")
        }
        guard !s.replicateY.isEmpty else { throw RecipeError("series '\(name)' has no per-seed values (aggregate written before they were kept)") }
        return s.replicateY.map { i < $0.count ? $0[i] : .nan }
    }

    /// The fewest finished (not diverged) seeds behind any group with results.
    public var fewestSeeds: Int {
        groups.map { $0.replicates - $0.diverged }.filter { $0 > 0 }.min() ?? 0
    }

    /// A statistic of the whole sweep (a fitted exponent, a threshold, a ratio of means) with its
    /// bootstrap interval over seeds: the statistic is recomputed on `resamples` copies of the results
    /// in which every group's seeds are drawn with replacement (the same draw for all metrics and
    /// series of a group, so paired quantities stay paired). See `Bootstrap` for the interval.
    public func bootstrap(
        resamples: Int = Bootstrap.defaultResamples, detail: String = "",
        _ statistic: (AggregateResults) throws -> Double
    ) throws -> ClaimMeasurement {
        let estimate = try statistic(self)
        var rng = RNG(seed: SeedDerivation.hash("bootstrap\n\(scenarioName)"), stream: "bootstrap")
        var values: [Double] = []
        values.reserveCapacity(resamples)
        for _ in 0..<resamples {
            let r = resampled(&rng)
            values.append((try? statistic(r)) ?? .nan)
        }
        let seeds = fewestSeeds
        let ci = Bootstrap.interval(estimate: estimate, resampled: values, seeds: seeds)
        let failed = values.filter { !$0.isFinite }.count
        let note = failed == 0 ? "" : "\(failed) of \(resamples) resamples gave no value"
        return ClaimMeasurement(
            value: estimate, ciLow: ci.lower, ciHigh: ci.upper, method: .bootstrap, seeds: seeds,
            detail: [detail, note].filter { !$0.isEmpty }.joined(separator: "; "))
    }

    /// One bootstrap resample: each group's finished seeds drawn with replacement. Summaries carry
    /// the resampled values and their mean (sd and intervals are not recomputed: NaN).
    public func resampled(_ rng: inout RNG) -> AggregateResults {
        var out = self
        for gi in out.groups.indices {
            let g = groups[gi]
            let k = g.replicates - g.diverged
            guard k > 0 else { continue }
            let idx = Bootstrap.draw(k, &rng)
            for (name, s) in g.metrics where s.values.count == k {
                let v = idx.map { s.values[$0] }
                out.groups[gi].metrics[name] = Summary(
                    n: v.lazy.filter { $0.isFinite }.count, mean: Statistics.mean(v),
                    sd: .nan, ciLow: .nan, ciHigh: .nan, values: v)
            }
            for (name, s) in g.series where s.replicateY.count == k {
                let curves = idx.map { s.replicateY[$0] }
                var mean = [Double](repeating: .nan, count: s.x.count)
                for i in mean.indices {
                    var sum = 0.0, n = 0
                    for c in curves where i < c.count && c[i].isFinite { sum += c[i]; n += 1 }
                    if n > 0 { mean[i] = sum / Double(n) }
                }
                let nan = [Double](repeating: .nan, count: s.x.count)
                out.groups[gi].series[name] = SeriesSummary(x: s.x, mean: mean, sd: nan, ciLow: nan, ciHigh: nan, n: s.n, replicateY: curves)
            }
        }
        return out
    }
}

extension AggregateResults {
    /// The power-law exponent k of a metric's mean against a numeric parameter, mean ∝ axis^k, one
    /// group per value, with a bootstrap interval over seeds: the commonest scaling-law claim. Every
    /// group is required (a missing or non-positive mean makes the exponent NaN, never a quiet fit of
    /// the rest).
    public func exponentClaim(_ metric: String, against axis: String) throws -> ClaimMeasurement {
        func points(_ r: AggregateResults) -> (x: [Double], y: [Double]) {
            let gs = r.groups.compactMap { g in (g.coordinates[axis] ?? g.parameters[axis])?.doubleValue.map { (x: $0, g: g) } }
                .sorted { $0.x < $1.x }
            return (gs.map(\.x), gs.map { $0.g.metrics[metric]?.mean ?? .nan })
        }
        let p = points(self)
        guard p.x.count >= 2 else { throw RecipeError("fewer than two values of `\(axis)` to fit an exponent against in \(scenarioName)") }
        let detail = "\(metric) = " + zip(p.x, p.y).map { "\(fmt($1, 3)) at \(axis) = \(fmt($0))" }.joined(separator: ", ")
        return try bootstrap(detail: detail) { r in
            let p = points(r)
            return ClaimStatistics.exponent(x: p.x, y: p.y)
        }
    }
}

/// A series' mean and t-interval at one x.
extension SeriesSummary {
    public typealias Point = (mean: Double, ciLow: Double, ciHigh: Double)

    /// The point at x, or an error naming the grid when x is not on it.
    public func at(_ x: Double) throws -> Point {
        guard let i = self.x.firstIndex(where: { abs($0 - x) < 1e-9 }) else {
            throw RecipeError("x = \(fmt(x)) is not on the series grid \(self.x.map { fmt($0) })")
        }
        return (mean[i], ciLow[i], ciHigh[i])
    }
}

/// Statistics that claims share, written once: fitted exponents and thresholds on a grid.
public enum ClaimStatistics {
    /// Least-squares exponent k of y ∝ x^k in log–log space. Every point is required: a missing or
    /// non-positive y (a threshold beyond the grid) makes the exponent undefined (NaN), so a
    /// resample or a run that loses a point cannot quietly fit the rest.
    public static func exponent(x: [Double], y: [Double]) -> Double {
        guard x.count >= 2, x.count == y.count, zip(x, y).allSatisfy({ $0 > 0 && $1 > 0 && $0.isFinite && $1.isFinite }),
            let fit = Statistics.powerLawFit(x: x, y: y)
        else { return .nan }
        return fit.exponent
    }

    /// Least-squares slope of y on x; NaN unless every point is finite.
    public static func slope(x: [Double], y: [Double]) -> Double {
        guard x.count >= 2, x.count == y.count, zip(x, y).allSatisfy({ $0.isFinite && $1.isFinite }),
            let fit = Statistics.linearFit(x: x, y: y)
        else { return .nan }
        return fit.slope
    }

    /// The first grid value whose mean passes `passes` (grid sorted ascending), NaN when none does.
    public static func threshold(_ grid: [(x: Double, y: Double)], _ passes: (Double) -> Bool) -> Double {
        grid.sorted { $0.x < $1.x }.first { $0.y.isFinite && passes($0.y) }?.x ?? .nan
    }

    /// The finite-size tolerance of an exponent fitted to thresholds read off a geometric grid with
    /// ratio `step` between neighbouring values, at the points `x`: each threshold is known only up
    /// to one grid step (the true value lies in (y/step, y]), so each log y carries an error in
    /// [0, log step). A least-squares slope is Σ wᵢ log yᵢ with wᵢ = (uᵢ − ū)/Σ(u − ū)², u = log x;
    /// the largest slope error such errors can make is log(step)·Σ max(wᵢ, 0). (Two points a decade
    /// apart on a doubling grid: 0.30; five evenly spaced points over a decade: 0.36.)
    public static func gridTolerance(x: [Double], step: Double) -> Double {
        let u = x.map { log($0) }
        let mean = u.reduce(0, +) / Double(u.count)
        let sxx = u.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard sxx > 0 else { return .infinity }
        return log(step) * u.reduce(0) { $0 + max(0, ($1 - mean) / sxx) }
    }
}
