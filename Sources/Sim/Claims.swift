import Foundation
import Numerics

/// A theorem's claim as data: what the paper predicts, in its symbols; which scenario measures it;
/// the statistic computed from that scenario's aggregated results; and the rule that turns the
/// measurement into a verdict.
///
/// The same declaration drives `sim verify` (the report) and the claims test (`ClaimsTests`), so a
/// test and the report cannot disagree: both call `evaluate` on the same scenario's results.
public struct Claim: Sendable {
    /// `<paper>.<spec id>`, e.g. `lowrank.P2a`.
    public var id: String
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

    public init(id: String, paper: String, statement: String, prediction: String, statistic: String,
                scenario: String, figure: String?, rule: VerdictRule, knownIssue: String? = nil,
                measure: @escaping @Sendable (AggregateResults) throws -> ClaimMeasurement) {
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

/// A measured statistic: value with its 95% confidence interval over seeds.
public struct ClaimMeasurement: Sendable, Equatable {
    public var value: Double
    /// 95% interval (t over seeds for a mean; ± t·SE for a fitted slope). Equal to `value` when
    /// it cannot be formed (one seed, or all seeds identical).
    public var ciLow: Double
    public var ciHigh: Double
    /// Replicates (seeds) per sweep point behind the value.
    public var seeds: Int
    /// The numbers behind the statistic, for the report (e.g. "T* = 238 / 122 / 84").
    public var detail: String

    public init(value: Double, ciLow: Double, ciHigh: Double, seeds: Int, detail: String = "") {
        self.value = value
        self.ciLow = ciLow.isFinite ? ciLow : value
        self.ciHigh = ciHigh.isFinite ? ciHigh : value
        self.seeds = seeds; self.detail = detail
    }

    /// The summary of a metric over seeds: mean and its t-interval.
    public init(_ s: Summary, detail: String = "") {
        self.init(value: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh, seeds: s.n, detail: detail)
    }

    /// The exponent of a power law y ∝ x^k fitted by least squares in log–log space, with the
    /// interval exponent ± t(0.975, n−2)·SE.
    public static func powerLawSlope(x: [Double], y: [Double], seeds: Int, detail: String = "") throws -> ClaimMeasurement {
        let keep = x.indices.filter { x[$0] > 0 && y[$0] > 0 && x[$0].isFinite && y[$0].isFinite }
        guard keep.count >= 2, let fit = Statistics.powerLawFit(x: keep.map { x[$0] }, y: keep.map { y[$0] }) else {
            throw RecipeError("fewer than two positive finite points to fit a power law (y = \(y.map { fmt($0) }))")
        }
        let t = keep.count > 2 ? Statistics.tCritical(level: 0.95, degreesOfFreedom: Double(keep.count - 2)) : .nan
        let half = t * fit.exponentSE
        return ClaimMeasurement(value: fit.exponent, ciLow: fit.exponent - half, ciHigh: fit.exponent + half,
                                seeds: seeds, detail: detail)
    }

    /// a − b for two means measured on separate curves or groups: the half-widths of their intervals
    /// add in quadrature (an approximation: per-seed pairs are not kept by the aggregate).
    public static func difference(_ a: SeriesSummary.Point, _ b: SeriesSummary.Point, seeds: Int, detail: String) -> ClaimMeasurement {
        func half(_ p: SeriesSummary.Point) -> Double { let h = (p.ciHigh - p.ciLow) / 2; return h.isFinite ? h : 0 }
        let h = (half(a) * half(a) + half(b) * half(b)).squareRoot(), v = a.mean - b.mean
        return ClaimMeasurement(value: v, ciLow: v - h, ciHigh: v + h, seeds: seeds, detail: detail)
    }

    /// Value ± half-width rendered for tables: "1.11 [0.93, 1.29]".
    public var text: String {
        if ciLow == value && ciHigh == value { return fmt(value, 3) }
        return "\(fmt(value, 3)) [\(fmt(ciLow, 3)), \(fmt(ciHigh, 3))]"
    }
}

public enum ClaimVerdict: String, Sendable, Codable, CaseIterable {
    case holds = "holds"
    case holdsWithinBand = "holds within band"
    case doesNotHold = "does not hold"
    case notRun = "not run"

    /// The claim is supported (exactly or within its stated tolerance).
    public var isSupported: Bool { self == .holds || self == .holdsWithinBand }
}

/// How a measurement is judged.
///
/// - `equals(t, band)`: the theory predicts the value t; `band` is the tolerance the spec accepts
///   (finite sizes, a bound rather than an exact rate). holds: the 95% interval contains t;
///   holds within band: the value lies in the band; else does not hold.
/// - `atLeast(x)` / `atMost(x)`: holds when the whole interval clears x; within band when the value
///   does but the interval straddles x; else does not hold.
/// - `inRange(r)`: holds when the interval lies inside r; within band when the value does.
public enum VerdictRule: Sendable, Equatable {
    case equals(Double, band: ClosedRange<Double>)
    case atLeast(Double)
    case atMost(Double)
    case inRange(ClosedRange<Double>)

    public func verdict(_ m: ClaimMeasurement) -> ClaimVerdict {
        guard m.value.isFinite else { return .doesNotHold }
        switch self {
        case .equals(let t, let band):
            if m.ciLow <= t && t <= m.ciHigh { return .holds }
            return band.contains(m.value) ? .holdsWithinBand : .doesNotHold
        case .atLeast(let x):
            if m.ciLow >= x { return .holds }
            return m.value >= x ? .holdsWithinBand : .doesNotHold
        case .atMost(let x):
            if m.ciHigh <= x { return .holds }
            return m.value <= x ? .holdsWithinBand : .doesNotHold
        case .inRange(let r):
            if r.contains(m.ciLow) && r.contains(m.ciHigh) { return .holds }
            return r.contains(m.value) ? .holdsWithinBand : .doesNotHold
        }
    }

    /// "= 1 (accepted band [0.6, 1.6])", "≥ 0.9", …
    public var text: String {
        switch self {
        case .equals(let t, let band): return "= \(fmt(t, 3)) (accepted band [\(fmt(band.lowerBound, 3)), \(fmt(band.upperBound, 3))])"
        case .atLeast(let x): return "≥ \(fmt(x, 3))"
        case .atMost(let x): return "≤ \(fmt(x, 3))"
        case .inRange(let r): return "∈ [\(fmt(r.lowerBound, 3)), \(fmt(r.upperBound, 3))]"
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

    public init(claim: Claim, measurement: ClaimMeasurement?, verdict: ClaimVerdict, reason: String?) {
        self.claim = claim; self.measurement = measurement; self.verdict = verdict; self.reason = reason
    }
}

/// Every paper's claims, in paper then declaration order (each experiment declares its paper's).
public enum ClaimRegistry {
    public static var all: [Claim] {
        var seen = Set<String>()
        var out: [Claim] = []
        for e in builtinExperiments where !seen.contains(e.paper) {
            seen.insert(e.paper)
            out += e.claims
        }
        return out
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
    /// The metric of the first group matching `coordinates` as a claim measurement.
    public func claimMetric(_ name: String, _ coordinates: [String: ParamValue] = [:], detail: String = "") throws -> ClaimMeasurement {
        guard let g = group(coordinates) else {
            throw RecipeError("no finished runs at \(coordinates.isEmpty ? "the scenario's point" : coordinates.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ", ")) in \(scenarioName)")
        }
        let s = try metric(name, in: g)
        guard s.n > 0 else { throw RecipeError("metric '\(name)' has no finite values in \(scenarioName)") }
        return ClaimMeasurement(s, detail: detail)
    }

    /// A metric computed per seed from the values of one group (e.g. a difference of two metrics),
    /// summarised over seeds with its t-interval.
    public func claimPerSeed(_ coordinates: [String: ParamValue] = [:], detail: String = "",
                             _ f: (_ metric: (String) throws -> [Double]) throws -> [Double]) throws -> ClaimMeasurement {
        guard let g = group(coordinates) else { throw RecipeError("no finished runs in \(scenarioName)") }
        let values = try f { name in try metric(name, in: g).values }
        let s = Summary(values: values)
        guard s.n > 0 else { throw RecipeError("no finite per-seed values in \(scenarioName)") }
        return ClaimMeasurement(s, detail: detail)
    }
}

/// A series' mean and t-interval at one x. (The aggregate keeps no per-seed values of series
/// points, so claims on a series point use its mean and interval.)
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
