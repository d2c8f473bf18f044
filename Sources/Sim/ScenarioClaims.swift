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
/// - `{mean: Q, at: {…}}` — the mean over seeds of a per-seed quantity Q (`ClaimQuantity`: a metric,
///   `{series: S, x: X}`, `{param: P}`, a number, and `difference`, `ratio`, `gap_closed`, `sum`,
///   `product`, `min`, `max`, `abs`, `log10` of them), t interval; a coordinate may name a parameter,
///   `at: {shell: {param: z_m}}`;
/// - `{median: Q, at: {…}}` — the median over seeds, bootstrap interval;
/// - `{smallest: Q | [Q, …], among: {k: [v1, v2, …]}, at: {…}}` (or `largest:`) — the smallest mean
///   among several points and/or quantities, with the t interval of the one picked (the weakest of
///   several cases that must all hold);
/// - `{exponent: Q, against: AXIS, among: {…}}` — the power-law exponent of Q's mean against a swept
///   parameter or a ratio of two (`{ratio: [L, n_rel]}`), bootstrap interval over seeds;
/// - `{exponent: {threshold: Q, at_most: X | at_least: X, over: P}, against: AXIS}` — the exponent of
///   a threshold crossing (T*, N*): per value of AXIS, the smallest P whose mean Q meets the condition;
/// - `{difference: M, a: {…}, b: {…}}` — the mean over seeds of M(a) − M(b), paired by replicate
///   (the same replicate index at both points), t interval; with `paired: false`, the difference of
///   the two means with a bootstrap interval (independent seeds);
/// - `{fraction: M, at_least: X | at_most: X, at: {…}}` — the fraction of seeds whose M meets the
///   condition, Wilson 95% interval;
/// - `{argmax: M, over: AXIS}` — the axis value where M's mean is largest, bootstrap interval;
/// - `{difference: [M1, M2], at: {…}}`, `{ratio: [M1, M2], at: {…}}`, `{gap_closed: [M, M0], at: {…}}`
///   — per seed M1 − M2, M1 / M2, or (M − M0)/(1 − M0) (the share of the distance to 1 that M closed
///   from M0, e.g. attention mass from its initial value), mean over seeds, t interval;
/// - `{series: S, x: X, minus: M, at: {…}}` — each seed's value of curve S at x (minus that seed's
///   metric M when `minus` is given, e.g. the loss after pruning minus the unpruned loss), mean over
///   seeds, t interval;
/// - `{worst: Q, side: smallest | largest | farthest, from: X}` — over the sweep's configurations
///   (robustness scenarios), the worst mean of Q, with a bootstrap interval that resamples every
///   configuration's seeds.
/// `statistic` (the report's description) is generated from `measure` unless given.
public struct ClaimDeclaration: Sendable {
    public enum Statistic: Sendable, Equatable {
        case metric(String, at: [String: ParamValue])
        /// Against a swept parameter or a ratio of two; a metric against a parameter is `exponentClaim`.
        case exponent(ClaimQuantity, against: ClaimAxis, among: Among?)
        /// The exponent of a threshold crossing (T*, N*): per value of the fit axis, the smallest value
        /// of `over` whose mean quantity meets the condition.
        case thresholdExponent(ClaimQuantity, atLeast: Double?, atMost: Double?, over: String, against: ClaimAxis, among: Among?)
        /// Paired by replicate (t interval), or of two independent means (bootstrap) when `paired` is false.
        case difference(String, a: [String: ParamValue], b: [String: ParamValue], paired: Bool)
        case fraction(String, atLeast: Double?, atMost: Double?, at: [String: ParamValue])
        case argmax(String, over: String)
        /// Per seed, in one group: M1 − M2, M1 / M2, (M − M0)/(1 − M0).
        case perSeed(PerSeed, String, String, at: [String: ParamValue])
        case series(String, x: Double, minus: String?, at: [String: ParamValue])
        case worst(ClaimQuantity, Robustness.Worst)
        /// The mean over seeds of a per-seed quantity at one point (t interval); `parameterAt` takes a
        /// coordinate's value from a parameter of the sweep (`at: {shell: {param: z_m}}`).
        case mean(ClaimQuantity, at: [String: ParamValue], parameterAt: [String: String])
        /// The median over seeds (bootstrap interval).
        case median(ClaimQuantity, at: [String: ParamValue])
        /// The smallest (or largest) mean among several quantities and/or points, with the t interval
        /// of the one picked: the weakest of several cases that all must hold.
        case extreme(largest: Bool, [ClaimQuantity], among: Among?, at: [String: ParamValue])
    }
    /// The points an `extreme` compares: every value of one parameter.
    public struct Among: Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var values: [ParamValue]
        public var description: String { "\(key) ∈ {\(values.map(\.description).joined(separator: ", "))}" }
        /// The groups at one of the values (all groups when there is no restriction). Applied inside a
        /// bootstrap's statistic, not before it, so every group's seeds are resampled as without it.
        static func groups(_ a: Among?, _ r: AggregateResults) -> [AggregateGroup] {
            guard let a else { return r.groups }
            return r.groups.filter { g in a.values.contains { AggregateResults.sameValue(g.coordinates[a.key] ?? g.parameters[a.key], $0) } }
        }
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

    /// Set by `for_each`: the claim reads only the points where this parameter has this value.
    public var restriction: (key: String, value: ParamValue)?

    /// The claim, reading the sweep of the scenario at `scenario` (relative to the package root).
    public func claim(paper: String, scenario: String) -> Claim {
        let m = measure, restriction = restriction
        let where_ = restriction.map { " (at \($0.key) = \($0.value))" } ?? ""
        return Claim(
            id: id, paper: paper, statement: statement, prediction: prediction,
            statistic: statistic ?? (Self.describe(m) + where_), scenario: scenario, figure: figure, rule: rule,
            knownIssue: knownIssue
        ) { r in
            guard let (key, value) = restriction else { return try Self.evaluate(m, r) }
            var only = r
            only.groups = r.groups.filter { AggregateResults.sameValue($0.coordinates[key] ?? $0.parameters[key], value) }
            guard !only.groups.isEmpty else { throw RecipeError("no point of \(r.scenarioName) has \(key) = \(value)") }
            return try Self.evaluate(m, only)
        }
    }

    /// This claim for one value of `key`: id `<id>@<value>`, `{value}` in its texts replaced.
    func restricted(to key: String, _ value: ParamValue) -> ClaimDeclaration {
        var c = self
        let v = "\(value)"
        func sub(_ s: String) -> String { s.replacingOccurrences(of: "{value}", with: v) }
        c.id = "\(id)@\(v)"
        c.statement = sub(statement); c.prediction = sub(prediction); c.statistic = statistic.map(sub)
        c.rule.rationale = sub(rule.rationale)
        c.restriction = (key, value)
        return c
    }

    static func coordinates(_ at: [String: ParamValue]) -> String {
        at.isEmpty ? "" : " at " + at.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ")
    }

    static func describe(_ s: Statistic) -> String {
        switch s {
        case .metric(let m, let at): return "mean over seeds of \(m)\(coordinates(at)) (t interval)"
        case .exponent(let q, let axis, let among):
            return "least-squares exponent of the mean \(q) against \(axis)\(among.map { " at \($0)" } ?? "") (bootstrap over seeds)"
        case .thresholdExponent(let q, let lo, let hi, let over, let axis, let among):
            return
                "\(over)* = the smallest \(over) whose mean \(q) is \(condition(lo, hi)), per \(axis)\(among.map { " (\($0))" } ?? ""); least-squares log–log exponent of \(over)* against \(axis) (bootstrap over seeds)"
        case .difference(let m, let a, let b, let paired):
            return paired
                ? "mean over seeds of \(m)\(coordinates(a)) − \(m)\(coordinates(b)), paired by replicate (t interval)"
                : "mean \(m)\(coordinates(a)) minus mean \(m)\(coordinates(b)), independent seeds (bootstrap over seeds)"
        case .fraction(let m, let lo, let hi, let at):
            return "fraction of seeds with \(m) \(condition(lo, hi))\(coordinates(at)) (Wilson interval)"
        case .argmax(let m, let axis): return "the \(axis) where the mean \(m) is largest (bootstrap over seeds)"
        case .perSeed(let op, let m1, let m2, let at):
            let f = op == .difference ? "\(m1) − \(m2)" : op == .ratio ? "\(m1) / \(m2)" : "(\(m1) − \(m2)) / (1 − \(m2))"
            return "mean over seeds of \(f)\(coordinates(at)) (t interval)"
        case .series(let name, let x, let minus, let at):
            return "mean over seeds of \(name) at x = \(fmt(x))\(minus.map { " − \($0)" } ?? "")\(coordinates(at)) (t interval)"
        case .worst(let q, let w):
            let which: String
            switch w {
            case .smallest: which = "smallest"
            case .largest: which = "largest"
            case .farthest(let t): which = "farthest from \(fmt(t))"
            }
            return "per seed \(q), mean over seeds per configuration; the \(which) over the configurations (bootstrap over every configuration's seeds)"
        case .mean(let q, let at, let refs):
            let r = refs.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
            let where_ = (at.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" } + r).joined(separator: ", ")
            return "mean over seeds of \(q)\(where_.isEmpty ? "" : " at " + where_) (t interval)"
        case .median(let q, let at): return "median over seeds of \(q)\(coordinates(at)) (bootstrap over seeds)"
        case .extreme(let largest, let qs, let among, let at):
            let of = qs.map(\.description).joined(separator: ", ")
            let over = among.map { " among \($0.key) ∈ {\($0.values.map(\.description).joined(separator: ", "))}" } ?? ""
            return "the \(largest ? "largest" : "smallest") mean over seeds of \(of)\(over)\(coordinates(at)) (t interval of that one)"
        }
    }

    static func condition(_ lo: Double?, _ hi: Double?) -> String {
        [lo.map { "≥ \(fmt($0))" }, hi.map { "≤ \(fmt($0))" }].compactMap { $0 }.joined(separator: " and ")
    }

    /// `at` with the coordinates that name a parameter (`{param: z_m}`) replaced by that parameter's
    /// value, which must be the same at every point of the sweep.
    static func resolve(_ at: [String: ParamValue], _ refs: [String: String], _ r: AggregateResults) throws -> [String: ParamValue] {
        var out = at
        for (key, p) in refs {
            let values = r.groups.compactMap { $0.coordinates[p] ?? $0.parameters[p] }
            guard let v = values.first else { throw RecipeError("`\(key): {param: \(p)}`: no point of \(r.scenarioName) has a parameter `\(p)`") }
            guard values.allSatisfy({ AggregateResults.sameValue($0, v) }) else {
                throw RecipeError("`\(key): {param: \(p)}`: `\(p)` differs between the points of \(r.scenarioName), so it names no single coordinate")
            }
            out[key] = v
        }
        return out
    }

    static func evaluate(_ s: Statistic, _ r: AggregateResults) throws -> ClaimMeasurement {
        switch s {
        case .metric(let m, let at):
            return try r.claimMetric(m, at)
        case .exponent(let q, let axis, let among):
            if case .metric(let m) = q, case .parameter(let p) = axis, among == nil { return try r.exponentClaim(m, against: p) }
            func points(_ r: AggregateResults) -> [(x: Double, y: Double)] {
                Among.groups(among, r).compactMap { g in axis.value(g).map { (x: $0, y: q.mean(in: g, of: r)) } }.sorted { $0.x < $1.x }
            }
            let p = points(r)
            guard p.count >= 2 else { throw RecipeError("fewer than two values of \(axis) to fit an exponent against in \(r.scenarioName)") }
            return try r.bootstrap(detail: "\(q) = " + p.map { "\(fmt($0.y, 3)) at \(axis) = \(fmt($0.x, 3))" }.joined(separator: ", ")) { r in
                let p = points(r)
                return ClaimStatistics.exponent(x: p.map(\.x), y: p.map(\.y))
            }
        case .thresholdExponent(let q, let lo, let hi, let over, let axis, let among):
            func crossings(_ r: AggregateResults) -> [(x: Double, t: Double)] {
                let groups = Among.groups(among, r)
                return Array(Set(groups.compactMap(axis.value))).sorted().map { x in
                    let column = groups.filter { axis.value($0) == x }.compactMap { g in
                        (g.coordinates[over] ?? g.parameters[over])?.doubleValue.map { (x: $0, y: q.mean(in: g, of: r)) }
                    }
                    return (x, ClaimStatistics.threshold(column) { v in (lo.map { v >= $0 } ?? true) && (hi.map { v <= $0 } ?? true) })
                }
            }
            let c = crossings(r)
            guard c.count >= 2 else { throw RecipeError("fewer than two values of \(axis) to fit an exponent against in \(r.scenarioName)") }
            return try r.bootstrap(
                detail: "\(over)* = " + c.map { "\($0.t.isFinite ? fmt($0.t) : "> max") at \(axis) = \(fmt($0.x, 3))" }.joined(separator: ", ")
            ) { r in
                let c = crossings(r)
                return ClaimStatistics.exponent(x: c.map(\.x), y: c.map(\.t))
            }
        case .difference(let m, let a, let b, false):
            let ma = try r.metric(m, in: try r.claimGroup(a)).mean, mb = try r.metric(m, in: try r.claimGroup(b)).mean
            return try r.bootstrap(detail: "\(m) = \(fmt(ma, 3))\(coordinates(a)), \(fmt(mb, 3))\(coordinates(b))") { r in
                try r.metric(m, in: try r.claimGroup(a)).mean - r.metric(m, in: try r.claimGroup(b)).mean
            }
        case .difference(let m, let a, let b, true):
            let x = try r.metric(m, in: try r.claimGroup(a)).values, y = try r.metric(m, in: try r.claimGroup(b)).values
            guard x.count == y.count, !x.isEmpty else {
                throw RecipeError(
                    "\(m): \(x.count) replicates\(coordinates(a)) against \(y.count)\(coordinates(b)); a paired difference needs the same seeds count at both points"
                )
            }
            let d = zip(x, y).map { $0 - $1 }
            return ClaimMeasurement(
                Summary(values: d), detail: "\(m) = \(fmt(Statistics.mean(x), 3))\(coordinates(a)), \(fmt(Statistics.mean(y), 3))\(coordinates(b))")
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
        case .worst(let q, let w):
            let name = { (g: AggregateGroup) in g.coordinates.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: ", ") }
            return try Robustness.worst(r, w, name: name) { g in try q.values(in: g, of: r) }
        case .mean(let q, let at, let refs):
            let g = try r.claimGroup(try resolve(at, refs, r))
            let s = try q.summary(in: g, of: r)
            guard s.n > 0 else { throw RecipeError("\(q) has no finite per-seed values in \(r.scenarioName)") }
            return ClaimMeasurement(s, detail: q.leaves.count > 1 ? q.detail(in: g, of: r) : "")
        case .median(let q, let at):
            let all = try q.values(in: try r.claimGroup(at), of: r)
            return try r.bootstrap(detail: "per seed: " + all.map { fmt($0, 3) }.joined(separator: ", ")) { r in
                Statistics.median(try q.values(in: try r.claimGroup(at), of: r))
            }
        case .extreme(let largest, let qs, let among, let at):
            let points = among.map { a in a.values.map { v in (a.key + " = \(v)", at.merging([a.key: v]) { $1 }) } } ?? [("", at)]
            var candidates: [(name: String, summary: Summary)] = []
            for (label, point) in points {
                let g = try r.claimGroup(point)
                for q in qs {
                    let name = [label, qs.count > 1 ? q.description : ""].filter { !$0.isEmpty }.joined(separator: ", ")
                    candidates.append((name, try q.summary(in: g, of: r)))
                }
            }
            let pick = largest ? candidates.max { $0.summary.mean < $1.summary.mean }! : candidates.min { $0.summary.mean < $1.summary.mean }!
            return ClaimMeasurement(
                pick.summary,
                detail: candidates.map { "\($0.name): \(fmt($0.summary.mean, 4))" }.joined(separator: ", ")
                    + "; \(largest ? "largest" : "smallest"): \(pick.name)")
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
    static let claimKeys = [
        "id", "statement", "prediction", "statistic", "figure", "measure", "kind", "predicted", "band",
        "rationale", "known_issue", "for_each",
    ]
    static let measureKeys = [
        "metric", "mean", "median", "exponent", "difference", "fraction", "argmax", "ratio", "gap_closed", "series",
        "worst", "smallest", "largest",
    ]

    /// Decode a `claims:` block. Every error names the file, line and key path.
    static func claims(_ node: ConfigNode, figures: [FigureRequest]) throws -> [ClaimDeclaration] {
        guard case .sequence(let items, _) = node else {
            throw ScenarioError(
                .wrongType, at: node.location, key: "claims",
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
                    throw ScenarioError(
                        .wrongType, at: v.location, key: "\(kp).\(key)", "expected a non-empty string, found \(v.kindDescription) `\(v.shortText)`")
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
            guard let id = try text("id"), id.contains("."),
                id.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0) })
            else {
                throw ScenarioError(
                    .wrongType, at: idNode.location, key: "\(kp).id",
                    "expected a claim id `<paper>.<name>` (letters, digits, `.`, `_`, `-`), found `\(idNode.shortText)`")
            }
            if let prev = seen[id] {
                throw ScenarioError(.invalidSweep, at: idNode.location, key: "\(kp).id", "claim id `\(id)` is already declared at \(prev)")
            }
            seen[id] = idNode.location
            _ = try required("statement"); _ = try required("prediction")
            let figure = try text("figure")
            if let figure, !figures.contains(where: { $0.id == figure }) {
                throw ScenarioError(
                    .wrongType, at: m["figure"]!.location, key: "\(kp).figure",
                    "no figure `\(figure)` in this scenario's figures: (\(figures.map(\.id).joined(separator: ", ")))")
            }
            let measure = try statistic(try required("measure"), keyPath: "\(kp).measure")

            let kindNode = try required("kind")
            guard let kindText = try text("kind"), let kind = ClaimKind(rawValue: kindText) else {
                throw ScenarioError(
                    .wrongType, at: kindNode.location, key: "\(kp).kind",
                    "expected one of \(ClaimKind.allCases.map(\.rawValue).joined(separator: ", ")), found `\(kindNode.shortText)`")
            }
            let predictedKey = "\(kp).predicted"
            guard let predicted = try number(try required("predicted"), predictedKey) else {
                throw ScenarioError(.wrongType, at: m["predicted"]!.location, key: predictedKey, "expected a number, found null")
            }
            let bandNode = try required("band")
            guard case .sequence(let ends, _) = bandNode, ends.count == 2 else {
                throw ScenarioError(
                    .wrongType, at: bandNode.location, key: "\(kp).band",
                    "expected [low, high] (null for an open side), found \(bandNode.kindDescription) `\(bandNode.shortText)`")
            }
            let lo = try number(ends[0], "\(kp).band[0]") ?? -.infinity, hi = try number(ends[1], "\(kp).band[1]") ?? .infinity
            guard lo <= hi, lo.isFinite || hi.isFinite else {
                throw ScenarioError(.outOfRange, at: bandNode.location, key: "\(kp).band", "the band [\(fmt(lo)), \(fmt(hi))] is empty or open on both sides")
            }
            guard let rationale = try text("rationale") else {
                throw ScenarioError(
                    .missingKey, at: m.location, key: "\(kp).rationale",
                    "the required key `rationale` is missing: say why the band is what it is, from the theory")
            }
            let declaration = ClaimDeclaration(
                id: id, statement: try text("statement")!, prediction: try text("prediction")!,
                statistic: try text("statistic"), figure: figure, measure: measure,
                rule: VerdictRule(kind: kind, prediction: predicted, bandLow: lo, bandHigh: hi, rationale: rationale),
                knownIssue: try text("known_issue"))
            guard let each = m["for_each"] else {
                out.append(declaration)
                continue
            }
            // `for_each: {P: [v1, v2, …]}`: one claim per value, `<id>@<v>`, judged on the points at P = v
            // only; `{value}` in its texts stands for v (a claims × relaxations matrix, docs/relaxations.md).
            let em = try mapping(each, keyPath: "\(kp).for_each")
            guard em.entries.count == 1, let e = em.entries.first, case .sequence(let items, _) = e.value, !items.isEmpty else {
                throw ScenarioError(
                    .wrongType, at: each.location, key: "\(kp).for_each",
                    "expected one parameter and a list of its values, {parameter: [v1, v2, …]}, found `\(each.shortText)`")
            }
            for (j, item) in items.enumerated() {
                let value = try item.genericParamValue(keyPath: "\(kp).for_each.\(e.key)[\(j)]")
                let eachID = "\(id)@\(value)"
                if let prev = seen[eachID] {
                    throw ScenarioError(.invalidSweep, at: item.location, key: "\(kp).for_each", "claim id `\(eachID)` is already declared at \(prev)")
                }
                seen[eachID] = item.location
                out.append(declaration.restricted(to: e.key, value))
            }
        }
        return out
    }

    static func statistic(_ node: ConfigNode, keyPath kp: String) throws -> ClaimDeclaration.Statistic {
        let m = try mapping(node, keyPath: kp)
        let present = measureKeys.filter { m[$0] != nil }
        guard present.count == 1, let which = present.first else {
            throw ScenarioError(
                .wrongType, at: m.location, key: kp,
                "expected exactly one of \(measureKeys.joined(separator: ", ")), found \(present.isEmpty ? "none" : present.joined(separator: " and "))")
        }
        // `difference` with a list compares two metrics of one point; with a name, one metric at two points.
        var pairDifference = false
        if which == "difference", case .sequence? = m["difference"] { pairDifference = true }
        let allowed: [String: [String]] = [
            "metric": ["metric", "at"], "exponent": ["exponent", "against", "among"],
            "mean": ["mean", "at"], "median": ["median", "at"],
            "smallest": ["smallest", "among", "at"], "largest": ["largest", "among", "at"],
            "difference": pairDifference ? ["difference", "at"] : ["difference", "a", "b", "paired"],
            "fraction": ["fraction", "at_least", "at_most", "at"],
            "argmax": ["argmax", "over"], "ratio": ["ratio", "at"], "gap_closed": ["gap_closed", "at"],
            "series": ["series", "x", "minus", "at"], "worst": ["worst", "side", "from"],
        ]
        try checkKeys(m, allowed: allowed[which]!, keyPath: kp)
        func name(_ key: String) throws -> String {
            guard let v = m[key] else { throw ScenarioError(.missingKey, at: m.location, key: "\(kp).\(key)", "the required key `\(key)` is missing") }
            guard case .scalar(let s) = v, !s.value.isNull, !s.text.isEmpty else {
                throw ScenarioError(.wrongType, at: v.location, key: "\(kp).\(key)", "expected a name, found \(v.kindDescription) `\(v.shortText)`")
            }
            return s.text
        }
        func point(_ key: String, required: Bool) throws -> [String: ParamValue] {
            let (values, refs) = try pointWithReferences(key, required: required)
            if let (k, _) = refs.first {
                throw ScenarioError(
                    .wrongType, at: m[key]!.location, key: "\(kp).\(key).\(k)",
                    "a coordinate named by a parameter (`{param: …}`) is allowed only in `mean`'s `at`")
            }
            return values
        }
        /// A point `{parameter: value, …}`; a value `{param: P}` stands for the sweep's value of P.
        func pointWithReferences(_ key: String, required: Bool) throws -> ([String: ParamValue], [String: String]) {
            guard let v = m[key] else {
                if required {
                    throw ScenarioError(
                        .missingKey, at: m.location, key: "\(kp).\(key)", "the required key `\(key)` (a point: {parameter: value, …}) is missing")
                }
                return ([:], [:])
            }
            let pm = try mapping(v, keyPath: "\(kp).\(key)")
            var out: [String: ParamValue] = [:], refs: [String: String] = [:]
            for e in pm.entries {
                let ekp = "\(kp).\(key).\(e.key)"
                if case .mapping = e.value {
                    let rm = try mapping(e.value, keyPath: ekp)
                    try checkKeys(rm, allowed: ["param"], keyPath: ekp)
                    guard case .scalar(let s)? = rm["param"], !s.text.isEmpty else {
                        throw ScenarioError(.wrongType, at: e.value.location, key: ekp, "expected a value or {param: NAME}, found `\(e.value.shortText)`")
                    }
                    refs[e.key] = s.text
                } else {
                    out[e.key] = try e.value.genericParamValue(keyPath: ekp)
                }
            }
            return (out, refs)
        }
        func among() throws -> ClaimDeclaration.Among? {
            guard let v = m["among"] else { return nil }
            let am = try mapping(v, keyPath: "\(kp).among")
            guard am.entries.count == 1, let e = am.entries.first, case .sequence(let items, _) = e.value, !items.isEmpty else {
                throw ScenarioError(
                    .wrongType, at: v.location, key: "\(kp).among",
                    "expected one parameter and a list of its values, {parameter: [v1, v2, …]}, found `\(v.shortText)`")
            }
            return ClaimDeclaration.Among(key: e.key, values: try items.enumerated().map { try $1.genericParamValue(keyPath: "\(kp).among.\(e.key)[\($0)]") })
        }
        func quantities(_ key: String) throws -> [ClaimQuantity] {
            if case .sequence(let items, _)? = m[key] {
                guard !items.isEmpty else { throw ScenarioError(.wrongType, at: m[key]!.location, key: "\(kp).\(key)", "expected at least one quantity") }
                return try items.enumerated().map { try quantity($1, keyPath: "\(kp).\(key)[\($0)]") }
            }
            return [try quantity(m[key]!, keyPath: "\(kp).\(key)")]
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
                case .scalar(let a) = items[0], case .scalar(let b) = items[1], !a.text.isEmpty, !b.text.isEmpty
            else {
                throw ScenarioError(
                    .wrongType, at: m[key]?.location ?? m.location, key: "\(kp).\(key)",
                    "expected two metric names [M1, M2], found \(m[key]?.shortText ?? "nothing")")
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
            guard let x = try bound("x") else {
                throw ScenarioError(.missingKey, at: m.location, key: "\(kp).x", "the required key `x` (where on the curve) is missing")
            }
            let minus = m["minus"] == nil ? nil : try name("minus")
            return .series(try name("series"), x: x, minus: minus, at: try point("at", required: false))
        case "worst":
            let side = try name("side")
            let q = try quantity(m["worst"]!, keyPath: "\(kp).worst")
            switch side {
            case "largest", "smallest":
                if m["from"] != nil { throw ScenarioError(.unknownKey, at: m["from"]!.location, key: "\(kp).from", "`from` goes with `side: farthest`") }
                return .worst(q, side == "largest" ? .largest : .smallest)
            case "farthest":
                guard let t = try bound("from") else {
                    throw ScenarioError(.missingKey, at: m.location, key: "\(kp).from", "`side: farthest` needs `from: X`, the predicted value")
                }
                return .worst(q, .farthest(from: t))
            default:
                throw ScenarioError(.wrongType, at: m["side"]!.location, key: "\(kp).side", "expected largest, smallest or farthest, found `\(side)`")
            }
        case "metric": return .metric(try name("metric"), at: try point("at", required: false))
        case "mean":
            let (at, refs) = try pointWithReferences("at", required: false)
            return .mean(try quantity(m["mean"]!, keyPath: "\(kp).mean"), at: at, parameterAt: refs)
        case "median": return .median(try quantity(m["median"]!, keyPath: "\(kp).median"), at: try point("at", required: false))
        case "smallest", "largest":
            return .extreme(largest: which == "largest", try quantities(which), among: try among(), at: try point("at", required: false))
        case "exponent":
            let ekp = "\(kp).exponent"
            guard let againstNode = m["against"] else {
                throw ScenarioError(.missingKey, at: m.location, key: "\(kp).against", "the required key `against` (the axis) is missing")
            }
            let axis = try axis(againstNode, keyPath: "\(kp).against")
            let restrict = try among()
            if case .mapping = m["exponent"]!, let tm = try? mapping(m["exponent"]!, keyPath: ekp), tm["threshold"] != nil {
                try checkKeys(tm, allowed: ["threshold", "over", "at_least", "at_most"], keyPath: ekp)
                func limit(_ key: String) throws -> Double? {
                    guard let v = tm[key] else { return nil }
                    guard case .scalar(let s) = v, let x = s.number, x.isFinite else {
                        throw ScenarioError(.wrongType, at: v.location, key: "\(ekp).\(key)", "expected a number, found \(v.kindDescription) `\(v.shortText)`")
                    }
                    return x
                }
                let lo = try limit("at_least"), hi = try limit("at_most")
                guard lo != nil || hi != nil else {
                    throw ScenarioError(.missingKey, at: tm.location, key: ekp, "a threshold needs a condition: `at_least: X`, `at_most: X` or both")
                }
                guard case .scalar(let over)? = tm["over"], !over.text.isEmpty else {
                    throw ScenarioError(
                        .missingKey, at: tm.location, key: "\(ekp).over",
                        "the required key `over` (the parameter whose smallest passing value is the threshold) is missing")
                }
                return .thresholdExponent(
                    try quantity(tm["threshold"]!, keyPath: "\(ekp).threshold"), atLeast: lo, atMost: hi, over: over.text, against: axis, among: restrict)
            }
            return .exponent(try quantity(m["exponent"]!, keyPath: ekp), against: axis, among: restrict)
        case "difference":
            var paired = true
            if let p = m["paired"] {
                guard case .scalar(let s) = p, case .bool(let b) = s.value else {
                    throw ScenarioError(.wrongType, at: p.location, key: "\(kp).paired", "expected true or false, found `\(p.shortText)`")
                }
                paired = b
            }
            return .difference(try name("difference"), a: try point("a", required: true), b: try point("b", required: true), paired: paired)
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
