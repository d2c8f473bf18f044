import Foundation
import ProvableNumerics

/// A per-seed quantity of one sweep point, for claims declared in YAML: a metric, a curve's value
/// at one x, a parameter or a number, and arithmetic on them, evaluated seed by seed (the same
/// replicate index in every operand, so paired quantities stay paired).
///
/// ```yaml
/// attention_core                                              # a metric
/// {series: prune_magnitude_loss_a1, x: 0.2}                   # a curve at x
/// {param: relevant_per_class}                                 # a parameter (the same for every seed)
/// {gap_closed: [attention_core, attention_core_initial]}      # (a − b) / (1 − b)
/// {ratio: [{series: S, x: 0.2}, {sum: [baseline_loss, 0.001]}]}
/// {min: [E2_Q, E2_K, E2_V, E2_O]}   {log10: separation_ratio}   {abs: …}
/// ```
public indirect enum ClaimQuantity: Sendable, Equatable, CustomStringConvertible {
    case metric(String)
    case series(String, x: Double)
    case parameter(String)
    case constant(Double)
    /// `difference`, `ratio` and `gap_closed` take two operands; `sum`, `product`, `min` and `max` two or more.
    case combine(Operation, [ClaimQuantity])
    case apply(Function, ClaimQuantity)

    public enum Operation: String, Sendable, CaseIterable {
        case difference, ratio, gapClosed = "gap_closed", sum, product, min, max
        var binary: Bool { self == .difference || self == .ratio || self == .gapClosed }
    }
    public enum Function: String, Sendable, CaseIterable { case abs, log10 }

    public var description: String {
        switch self {
        case .metric(let m): return m
        case .series(let s, let x): return "\(s)(x = \(fmt(x)))"
        case .parameter(let p): return p
        case .constant(let c): return fmt(c)
        case .combine(let op, let qs):
            let d = qs.map { $0.operand }
            switch op {
            case .difference: return "\(d[0]) − \(d[1])"
            case .ratio: return "\(d[0]) / \(d[1])"
            case .gapClosed: return "(\(qs[0]) − \(qs[1])) / (1 − \(qs[1]))"
            case .sum: return d.joined(separator: " + ")
            case .product: return d.joined(separator: " · ")
            case .min, .max: return "\(op.rawValue)(\(qs.map(\.description).joined(separator: ", ")))"
            }
        case .apply(.abs, let q): return "|\(q)|"
        case .apply(.log10, let q): return "log₁₀(\(q))"
        }
    }

    /// Parenthesised when it is itself a sum, difference, ratio or product.
    var operand: String {
        if case .combine(let op, _) = self, op != .min, op != .max { return "(\(description))" }
        return description
    }

    /// The metrics and curves it reads, for a measurement's detail line.
    var leaves: [ClaimQuantity] {
        switch self {
        case .metric, .series: return [self]
        case .parameter, .constant: return []
        case .combine(_, let qs): return qs.flatMap(\.leaves)
        case .apply(_, let q): return q.leaves
        }
    }

    /// Per-seed values in group `g`, aligned by replicate.
    public func values(in g: AggregateGroup, of r: AggregateResults) throws -> [Double] {
        guard case .perSeed(let v) = try evaluate(g, r) else {
            throw RecipeError("the claim quantity `\(self)` reads no metric or curve, so it has no per-seed values")
        }
        return v
    }

    /// The mean over seeds in `g`: a metric's own aggregated mean, otherwise the mean of the per-seed values.
    func mean(in g: AggregateGroup, of r: AggregateResults) -> Double {
        if case .metric(let m) = self { return g.metrics[m]?.mean ?? .nan }
        return (try? values(in: g, of: r)).map(Statistics.mean) ?? .nan
    }

    /// The summary over seeds in `g`: a metric's aggregated summary as it is, otherwise one computed
    /// from the per-seed values.
    func summary(in g: AggregateGroup, of r: AggregateResults) throws -> Summary {
        if case .metric(let m) = self { return try r.metric(m, in: g) }
        return Summary(values: try values(in: g, of: r))
    }

    private enum Value { case scalar(Double), perSeed([Double]) }

    private func evaluate(_ g: AggregateGroup, _ r: AggregateResults) throws -> Value {
        switch self {
        case .metric(let m): return .perSeed(try r.metric(m, in: g).values)
        case .series(let s, let x): return .perSeed(try r.perSeed(series: s, at: x, in: g))
        case .constant(let c): return .scalar(c)
        case .parameter(let p):
            guard let v = (g.coordinates[p] ?? g.parameters[p])?.doubleValue else {
                throw RecipeError("parameter `\(p)` is not a number at this point of \(r.scenarioName)")
            }
            return .scalar(v)
        case .apply(let f, let q):
            let fn: (Double) -> Double = f == .abs ? { Swift.abs($0) } : { Foundation.log10($0) }
            switch try q.evaluate(g, r) {
            case .scalar(let v): return .scalar(fn(v))
            case .perSeed(let v): return .perSeed(v.map(fn))
            }
        case .combine(let op, let qs):
            let operands = try qs.map { try $0.evaluate(g, r) }
            let counts = Set(operands.compactMap { if case .perSeed(let v) = $0 { return v.count } else { return nil } })
            guard counts.count <= 1 else {
                throw RecipeError(
                    "`\(self)`: its operands have different numbers of seeds (\(counts.sorted().map(String.init).joined(separator: ", "))) in \(r.scenarioName)"
                )
            }
            func at(_ v: Value, _ i: Int) -> Double {
                switch v {
                case .scalar(let c): return c;
                case .perSeed(let a): return a[i]
                }
            }
            func combine(_ x: [Double]) -> Double {
                switch op {
                case .difference: return x[0] - x[1]
                case .ratio: return x[0] / x[1]
                case .gapClosed: return (x[0] - x[1]) / (1 - x[1])
                case .sum: return x.dropFirst().reduce(x[0], +)
                case .product: return x.dropFirst().reduce(x[0], *)
                case .min: return x.min()!
                case .max: return x.max()!
                }
            }
            guard let n = counts.first else { return .scalar(combine(operands.map { at($0, 0) })) }
            return .perSeed((0..<n).map { i in combine(operands.map { at($0, i) }) })
        }
    }

    /// "attention_core = 0.912, attention_core_initial = 0.083": the means of the metrics and curves it reads.
    func detail(in g: AggregateGroup, of r: AggregateResults) -> String {
        var seen: [ClaimQuantity] = []
        for l in leaves where !seen.contains(l) { seen.append(l) }
        return seen.map { "\($0) = \(fmt($0.mean(in: g, of: r), 3))" }.joined(separator: ", ")
    }
}

/// The x of an exponent fit: a swept parameter, or the ratio of two (1/α_* = L / n_rel).
public enum ClaimAxis: Sendable, Equatable, CustomStringConvertible {
    case parameter(String)
    case ratio(String, String)

    public var description: String {
        switch self {
        case .parameter(let p): return p
        case .ratio(let a, let b): return "\(a)/\(b)"
        }
    }

    func value(_ g: AggregateGroup) -> Double? {
        func v(_ p: String) -> Double? { (g.coordinates[p] ?? g.parameters[p])?.doubleValue }
        switch self {
        case .parameter(let p): return v(p)
        case .ratio(let a, let b): return v(a).flatMap { x in v(b).map { x / $0 } }
        }
    }
}

extension ScenarioLoader {
    static let quantityKeys = ["series", "param"] + ClaimQuantity.Operation.allCases.map(\.rawValue) + ClaimQuantity.Function.allCases.map(\.rawValue)

    /// Decode a per-seed quantity: a metric name, a number, or a one-key mapping (see `ClaimQuantity`).
    static func quantity(_ node: ConfigNode, keyPath kp: String) throws -> ClaimQuantity {
        if case .scalar(let s) = node {
            guard !s.value.isNull, !s.text.isEmpty else {
                throw ScenarioError(.wrongType, at: node.location, key: kp, "expected a metric name, a number or a quantity mapping, found `\(node.shortText)`")
            }
            if let x = s.number, x.isFinite { return .constant(x) }
            return .metric(s.text)
        }
        let m = try mapping(node, keyPath: kp)
        let present = quantityKeys.filter { m[$0] != nil }
        guard present.count == 1, let which = present.first else {
            throw ScenarioError(
                .wrongType, at: m.location, key: kp,
                "expected a metric name or a mapping with exactly one of \(quantityKeys.joined(separator: ", ")), found \(present.isEmpty ? "none" : present.joined(separator: " and "))"
            )
        }
        try checkKeys(m, allowed: which == "series" ? ["series", "x"] : [which], keyPath: kp)
        let v = m[which]!
        switch which {
        case "series", "param":
            guard case .scalar(let s) = v, !s.value.isNull, !s.text.isEmpty else {
                throw ScenarioError(.wrongType, at: v.location, key: "\(kp).\(which)", "expected a name, found \(v.kindDescription) `\(v.shortText)`")
            }
            if which == "param" { return .parameter(s.text) }
            guard let xn = m["x"] else {
                throw ScenarioError(.missingKey, at: m.location, key: "\(kp).x", "the required key `x` (where on the curve) is missing")
            }
            guard case .scalar(let xs) = xn, let x = xs.number, x.isFinite else {
                throw ScenarioError(.wrongType, at: xn.location, key: "\(kp).x", "expected a number, found \(xn.kindDescription) `\(xn.shortText)`")
            }
            return .series(s.text, x: x)
        default:
            if let f = ClaimQuantity.Function(rawValue: which) { return .apply(f, try quantity(v, keyPath: "\(kp).\(which)")) }
            let op = ClaimQuantity.Operation(rawValue: which)!
            guard case .sequence(let items, _) = v, op.binary ? items.count == 2 : items.count >= 2 else {
                throw ScenarioError(
                    .wrongType, at: v.location, key: "\(kp).\(which)",
                    "expected a list of \(op.binary ? "two" : "two or more") quantities, found \(v.kindDescription) `\(v.shortText)`")
            }
            return .combine(op, try items.enumerated().map { try quantity($1, keyPath: "\(kp).\(which)[\($0)]") })
        }
    }

    /// A fit axis: a parameter name, or `{ratio: [A, B]}`.
    static func axis(_ node: ConfigNode, keyPath kp: String) throws -> ClaimAxis {
        if case .scalar(let s) = node, !s.value.isNull, !s.text.isEmpty { return .parameter(s.text) }
        if case .mapping = node {
            let m = try mapping(node, keyPath: kp)
            try checkKeys(m, allowed: ["ratio"], keyPath: kp)
            if case .sequence(let items, _)? = m["ratio"], items.count == 2, case .scalar(let a) = items[0], case .scalar(let b) = items[1],
                !a.text.isEmpty, !b.text.isEmpty
            {
                return .ratio(a.text, b.text)
            }
        }
        throw ScenarioError(
            .wrongType, at: node.location, key: kp, "expected a parameter name or {ratio: [A, B]}, found \(node.kindDescription) `\(node.shortText)`")
    }
}
