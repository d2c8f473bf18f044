import Foundation
import ProvableNumerics

/// Claims declared in a scenario file's `claims:` block, with a small statistic vocabulary, so that
/// most theorem predictions need no Swift:
///
/// ```yaml
/// claims:
///   - id: asgd.rate_T
///     statement: "The tail-averaged iterate's excess risk falls as 1/T."
///     prediction: "exponent −1 in T"
///     figure: ASGD_rate_T
///     measure: {exponent: excess_risk, against: T}
///     kind: exact            # exact | bound | mechanism
///     predicted: -1
///     band: [-1.1, -0.9]     # null for an open side
///     rationale: "why the band is what it is, from the theory"
/// ```
///
/// `measure` is exactly one of
/// - `{metric: M, at: {k: v, …}}` — the metric's mean over seeds at one point, t interval;
/// - `{exponent: M, against: AXIS}` — the power-law exponent of M's mean against a swept parameter,
///   bootstrap interval over seeds;
/// - `{difference: M, a: {…}, b: {…}}` — the mean over seeds of M(a) − M(b), paired by replicate
///   (the same replicate index at both points), t interval;
/// - `{fraction: M, at_least: X | at_most: X, at: {…}}` — the fraction of seeds whose M meets the
///   condition, Wilson 95% interval;
/// - `{argmax: M, over: AXIS}` — the axis value where M's mean is largest, bootstrap interval;
/// - `{difference: [M1, M2], at: {…}}`, `{ratio: [M1, M2], at: {…}}`, `{gap_closed: [M, M0], at: {…}}`
///   — per seed M1 − M2, M1 / M2, or (M − M0)/(1 − M0) (the share of the distance to 1 that M closed
///   from M0, e.g. attention mass from its initial value), mean over seeds, t interval;
/// - `{series: S, x: X, minus: M, at: {…}}` — each seed's value of curve S at x (minus that seed's
///   metric M when `minus` is given, e.g. the loss after pruning minus the unpruned loss), mean over
///   seeds, t interval;
/// - `{worst: M, side: smallest | largest}` — over the sweep's configurations (robustness scenarios),
///   the worst mean of M, with a bootstrap interval that resamples every configuration's seeds.
/// `statistic` (the report's description) is generated from `measure` unless given.
public struct ClaimDeclaration: Sendable {
    public enum Statistic: Sendable, Equatable {
        case metric(String, at: [String: ParamValue])
        case exponent(String, against: String)
        case difference(String, a: [String: ParamValue], b: [String: ParamValue])
        case fraction(String, atLeast: Double?, atMost: Double?, at: [String: ParamValue])
        case argmax(String, over: String)
        /// Per seed, in one group: M1 − M2, M1 / M2, (M − M0)/(1 − M0).
        case perSeed(PerSeed, String, String, at: [String: ParamValue])
        case series(String, x: Double, minus: String?, at: [String: ParamValue])
        case worst(String, largest: Bool)
    }
    public enum PerSeed: String, Sendable { case difference, ratio, gapClosed = "gap_closed" }

    public var id: String
    public var statement: String
    public var prediction: String
    public var statistic: String?
    public var figure: String?
    public var measure: Statistic
    public var rule: VerdictRule
    public var knownIssue: String?

    /// The claim, reading the sweep of the scenario at `scenario` (relative to the package root).
    public func claim(paper: String, scenario: String) -> Claim {
        let m = measure
        return Claim(id: id, paper: paper, statement: statement, prediction: prediction,
                     statistic: statistic ?? Self.describe(m), scenario: scenario, figure: figure, rule: rule,
                     knownIssue: knownIssue) { r in try Self.evaluate(m, r) }
    }

    static func coordinates(_ at: [String: ParamValue]) -> String {
        at.isEmpty ? "" : " at " + at.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
    }

    static func describe(_ s: Statistic) -> String {
        switch s {
        case .metric(let m, let at): return "mean over seeds of \(m)\(coordinates(at)) (t interval)"
        case .exponent(let m, let axis): return "least-squares exponent of the mean \(m) against \(axis) (bootstrap over seeds)"
        case .difference(let m, let a, let b):
            return "mean over seeds of \(m)\(coordinates(a)) − \(m)\(coordinates(b)), paired by replicate (t interval)"
        case .fraction(let m, let lo, let hi, let at):
            let condition = [lo.map { "≥ \(fmt($0))" }, hi.map { "≤ \(fmt($0))" }].compactMap { $0 }.joined(separator: " and ")
            return "fraction of seeds with \(m) \(condition)\(coordinates(at)) (Wilson interval)"
        case .argmax(let m, let axis): return "the \(axis) where the mean \(m) is largest (bootstrap over seeds)"
        case .perSeed(let op, let m1, let m2, let at):
            let f = op == .difference ? "\(m1) − \(m2)" : op == .ratio ? "\(m1) / \(m2)" : "(\(m1) − \(m2)) / (1 − \(m2))"
            return "mean over seeds of \(f)\(coordinates(at)) (t interval)"
        case .series(let name, let x, let minus, let at):
            return "mean over seeds of \(name) at x = \(fmt(x))\(minus.map { " − \($0)" } ?? "")\(coordinates(at)) (t interval)"
        case .worst(let m, let largest):
            return "the \(largest ? "largest" : "smallest") mean \(m) over the configurations (bootstrap over every configuration's seeds)"
        }
    }

    static func evaluate(_ s: Statistic, _ r: AggregateResults) throws -> ClaimMeasurement {
        switch s {
        case .metric(let m, let at):
            return try r.claimMetric(m, at)
        case .exponent(let m, let axis):
            return try r.exponentClaim(m, against: axis)
        case .difference(let m, let a, let b):
            let x = try r.metric(m, in: try r.claimGroup(a)).values, y = try r.metric(m, in: try r.claimGroup(b)).values
            guard x.count == y.count, !x.isEmpty else {
                throw RecipeError("\(m): \(x.count) replicates\(coordinates(a)) against \(y.count)\(coordinates(b)); a paired difference needs the same seeds count at both points")
            }
            let d = zip(x, y).map { $0 - $1 }
            return ClaimMeasurement(Summary(values: d), detail: "\(m) = \(fmt(Statistics.mean(x), 3))\(coordinates(a)), \(fmt(Statistics.mean(y), 3))\(coordinates(b))")
        case .fraction(let m, let lo, let hi, let at):
            let values = try r.metric(m, in: try r.claimGroup(at)).values.filter(\.isFinite)
            guard !values.isEmpty else { throw RecipeError("\(m) has no finite values\(coordinates(at)) in \(r.scenarioName)") }
            let k = values.filter { v in (lo.map { v >= $0 } ?? true) && (hi.map { v <= $0 } ?? true) }.count
            let (p, low, high) = wilson(k, values.count)
            return ClaimMeasurement(value: p, ciLow: low, ciHigh: high, method: .wilson, seeds: values.count, detail: "\(k) of \(values.count) seeds")
        case .argmax(let m, let axis):
            func best(_ r: AggregateResults) -> Double {
                let points = r.groups.compactMap { g -> (Double, Double)? in
                    guard let x = (g.coordinates[axis] ?? g.parameters[axis])?.doubleValue, let y = g.metrics[m]?.mean, y.isFinite else { return nil }
                    return (x, y)
                }
                return points.max { $0.1 < $1.1 }?.0 ?? .nan
            }
            guard r.groups.count >= 2 else { throw RecipeError("argmax of \(m) over \(axis) needs at least two points in \(r.scenarioName)") }
            return try r.bootstrap(detail: "\(m) largest at \(axis) = \(fmt(best(r)))") { best($0) }
        case .perSeed(let op, let m1, let m2, let at):
            return try r.claimPerSeed(at) { m in
                zip(try m(m1), try m(m2)).map { a, b in
                    switch op {
                    case .difference: return a - b
                    case .ratio: return a / b
                    case .gapClosed: return (a - b) / (1 - b)
                    }
                }
            }
        case .series(let name, let x, let minus, let at):
            let g = try r.claimGroup(at)
            var values = try r.perSeed(series: name, at: x, in: g)
            if let minus {
                let b = try r.metric(minus, in: g).values
                guard b.count == values.count else { throw RecipeError("\(name) has \(values.count) seeds, \(minus) \(b.count)") }
                values = zip(values, b).map { $0 - $1 }
            }
            return ClaimMeasurement(Summary(values: values))
        case .worst(let m, let largest):
            let name = { (g: AggregateGroup) in g.coordinates.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") }
            return try Robustness.worst(r, largest ? .largest : .smallest, name: name) { g in Robustness.values(g, m) }
        }
    }

    /// Wilson score interval (95%) for k successes in n trials: an honest interval for a fraction of
    /// a few seeds (never zero width: 3 of 3 gives [0.44, 1]).
    static func wilson(_ k: Int, _ n: Int) -> (Double, Double, Double) {
        let z = 1.959963984540054, nn = Double(n), p = Double(k) / nn
        let denominator = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denominator
        let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denominator
        return (p, max(0, centre - half), min(1, centre + half))
    }
}

extension ScenarioLoader {
    static let claimKeys = ["id", "statement", "prediction", "statistic", "figure", "measure", "kind", "predicted", "band",
                            "rationale", "known_issue"]
    static let measureKeys = ["metric", "exponent", "difference", "fraction", "argmax", "ratio", "gap_closed", "series", "worst"]

    /// Decode a `claims:` block. Every error names the file, line and key path.
    static func claims(_ node: ConfigNode, figures: [FigureRequest]) throws -> [ClaimDeclaration] {
        guard case .sequence(let items, _) = node else {
            throw ScenarioError(.wrongType, at: node.location, key: "claims",
                                "expected a list of claims ({id, statement, prediction, measure, kind, predicted, band, rationale}), found \(node.kindDescription)")
        }
        var out: [ClaimDeclaration] = []
        var seen: [String: SourceLocation] = [:]
        for (i, item) in items.enumerated() {
            let kp = "claims[\(i)]"
            let m = try mapping(item, keyPath: kp)
            try checkKeys(m, allowed: claimKeys, keyPath: kp)
            func required(_ key: String) throws -> ConfigNode {
                guard let v = m[key] else {
                    throw ScenarioError(.missingKey, at: m.location, key: "\(kp).\(key)", "the required key `\(key)` is missing from this claim")
                }
                return v
            }
            func text(_ key: String) throws -> String? {
                guard let v = m[key] else { return nil }
                guard case .scalar(let s) = v, !s.value.isNull, !s.text.isEmpty else {
                    throw ScenarioError(.wrongType, at: v.location, key: "\(kp).\(key)", "expected a non-empty string, found \(v.kindDescription) `\(v.shortText)`")
                }
                return s.text
            }
            func number(_ v: ConfigNode, _ key: String) throws -> Double? {
                guard case .scalar(let s) = v else {
                    throw ScenarioError(.wrongType, at: v.location, key: key, "expected a number, found \(v.kindDescription)")
                }
                if s.value.isNull { return nil }
                guard let x = s.number, !x.isNaN else {
                    throw ScenarioError(.wrongType, at: v.location, key: key, "expected a number, found `\(s.text)`")
                }
                return x
            }
            let idNode = try required("id")
            guard let id = try text("id"), id.contains("."), id.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) }) else {
                throw ScenarioError(.wrongType, at: idNode.location, key: "\(kp).id", "expected a claim id `<paper>.<name>` (letters, digits, `.`, `_`, `-`), found `\(idNode.shortText)`")
            }
            if let prev = seen[id] {
                throw ScenarioError(.invalidSweep, at: idNode.location, key: "\(kp).id", "claim id `\(id)` is already declared at \(prev)")
            }
            seen[id] = idNode.location
            _ = try required("statement"); _ = try required("prediction")
            let figure = try text("figure")
            if let figure, !figures.contains(where: { $0.id == figure }) {
                throw ScenarioError(.wrongType, at: m["figure"]!.location, key: "\(kp).figure",
                                    "no figure `\(figure)` in this scenario's figures: (\(figures.map(\.id).joined(separator: ", ")))")
            }
            let measure = try statistic(try required("measure"), keyPath: "\(kp).measure")

            let kindNode = try required("kind")
            guard let kindText = try text("kind"), let kind = ClaimKind(rawValue: kindText) else {
                throw ScenarioError(.wrongType, at: kindNode.location, key: "\(kp).kind",
                                    "expected one of \(ClaimKind.allCases.map(\.rawValue).joined(separator: ", ")), found `\(kindNode.shortText)`")
            }
            let predictedKey = "\(kp).predicted"
            guard let predicted = try number(try required("predicted"), predictedKey) else {
                throw ScenarioError(.wrongType, at: m["predicted"]!.location, key: predictedKey, "expected a number, found null")
            }
            let bandNode = try required("band")
            guard case .sequence(let ends, _) = bandNode, ends.count == 2 else {
                throw ScenarioError(.wrongType, at: bandNode.location, key: "\(kp).band", "expected [low, high] (null for an open side), found \(bandNode.kindDescription) `\(bandNode.shortText)`")
            }
            let lo = try number(ends[0], "\(kp).band[0]") ?? -.infinity, hi = try number(ends[1], "\(kp).band[1]") ?? .infinity
            guard lo <= hi, lo.isFinite || hi.isFinite else {
                throw ScenarioError(.outOfRange, at: bandNode.location, key: "\(kp).band", "the band [\(fmt(lo)), \(fmt(hi))] is empty or open on both sides")
            }
            guard let rationale = try text("rationale") else {
                throw ScenarioError(.missingKey, at: m.location, key: "\(kp).rationale",
                                    "the required key `rationale` is missing: say why the band is what it is, from the theory")
            }
            out.append(ClaimDeclaration(id: id, statement: try text("statement")!, prediction: try text("prediction")!,
                                        statistic: try text("statistic"), figure: figure, measure: measure,
                                        rule: VerdictRule(kind: kind, prediction: predicted, bandLow: lo, bandHigh: hi, rationale: rationale),
                                        knownIssue: try text("known_issue")))
        }
        return out
    }

    static func statistic(_ node: ConfigNode, keyPath kp: String) throws -> ClaimDeclaration.Statistic {
        let m = try mapping(node, keyPath: kp)
        let present = measureKeys.filter { m[$0] != nil }
        guard present.count == 1, let which = present.first else {
            throw ScenarioError(.wrongType, at: m.location, key: kp,
                                "expected exactly one of \(measureKeys.joined(separator: ", ")), found \(present.isEmpty ? "none" : present.joined(separator: " and "))")
        }
        // `difference` with a list compares two metrics of one point; with a name, one metric at two points.
        var pairDifference = false
        if which == "difference", case .sequence? = m["difference"] { pairDifference = true }
        let allowed: [String: [String]] = ["metric": ["metric", "at"], "exponent": ["exponent", "against"],
                                           "difference": pairDifference ? ["difference", "at"] : ["difference", "a", "b"],
                                           "fraction": ["fraction", "at_least", "at_most", "at"],
                                           "argmax": ["argmax", "over"], "ratio": ["ratio", "at"], "gap_closed": ["gap_closed", "at"],
                                           "series": ["series", "x", "minus", "at"], "worst": ["worst", "side"]]
        try checkKeys(m, allowed: allowed[which]!, keyPath: kp)
        func name(_ key: String) throws -> String {
            guard let v = m[key] else { throw ScenarioError(.missingKey, at: m.location, key: "\(kp).\(key)", "the required key `\(key)` is missing") }
            guard case .scalar(let s) = v, !s.value.isNull, !s.text.isEmpty else {
                throw ScenarioError(.wrongType, at: v.location, key: "\(kp).\(key)", "expected a name, found \(v.kindDescription) `\(v.shortText)`")
            }
            return s.text
        }
        func point(_ key: String, required: Bool) throws -> [String: ParamValue] {
            guard let v = m[key] else {
                if required { throw ScenarioError(.missingKey, at: m.location, key: "\(kp).\(key)", "the required key `\(key)` (a point: {parameter: value, …}) is missing") }
                return [:]
            }
            let pm = try mapping(v, keyPath: "\(kp).\(key)")
            var out: [String: ParamValue] = [:]
            for e in pm.entries { out[e.key] = try e.value.genericParamValue(keyPath: "\(kp).\(key).\(e.key)") }
            return out
        }
        func bound(_ key: String) throws -> Double? {
            guard let v = m[key] else { return nil }
            guard case .scalar(let s) = v, let x = s.number, x.isFinite else {
                throw ScenarioError(.wrongType, at: v.location, key: "\(kp).\(key)", "expected a number, found \(v.kindDescription) `\(v.shortText)`")
            }
            return x
        }
        func pair(_ key: String) throws -> (String, String) {
            guard case .sequence(let items, let loc)? = m[key], items.count == 2,
                  case .scalar(let a) = items[0], case .scalar(let b) = items[1], !a.text.isEmpty, !b.text.isEmpty else {
                throw ScenarioError(.wrongType, at: m[key]?.location ?? m.location, key: "\(kp).\(key)", "expected two metric names [M1, M2], found \(m[key]?.shortText ?? "nothing")")
            }
            _ = loc
            return (a.text, b.text)
        }
        switch which {
        case "difference" where pairDifference:
            let (a, b) = try pair("difference")
            return .perSeed(.difference, a, b, at: try point("at", required: false))
        case "ratio":
            let (a, b) = try pair("ratio")
            return .perSeed(.ratio, a, b, at: try point("at", required: false))
        case "gap_closed":
            let (a, b) = try pair("gap_closed")
            return .perSeed(.gapClosed, a, b, at: try point("at", required: false))
        case "series":
            guard let x = try bound("x") else { throw ScenarioError(.missingKey, at: m.location, key: "\(kp).x", "the required key `x` (where on the curve) is missing") }
            let minus = m["minus"] == nil ? nil : try name("minus")
            return .series(try name("series"), x: x, minus: minus, at: try point("at", required: false))
        case "worst":
            let side = try name("side")
            guard side == "largest" || side == "smallest" else {
                throw ScenarioError(.wrongType, at: m["side"]!.location, key: "\(kp).side", "expected largest or smallest, found `\(side)`")
            }
            return .worst(try name("worst"), largest: side == "largest")
        case "metric": return .metric(try name("metric"), at: try point("at", required: false))
        case "exponent": return .exponent(try name("exponent"), against: try name("against"))
        case "difference": return .difference(try name("difference"), a: try point("a", required: true), b: try point("b", required: true))
        case "fraction":
            let lo = try bound("at_least"), hi = try bound("at_most")
            guard lo != nil || hi != nil else {
                throw ScenarioError(.missingKey, at: m.location, key: kp, "a fraction needs a condition: `at_least: X`, `at_most: X` or both")
            }
            return .fraction(try name("fraction"), atLeast: lo, atMost: hi, at: try point("at", required: false))
        default: return .argmax(try name("argmax"), over: try name("over"))
        }
    }
}
