import Foundation
import Numerics
import Plots

/// Small helpers that figure recipes share: finding groups and series, and turning summaries into layers.
extension AggregateResults {
    /// The group whose coordinates match (all groups when `where` is empty; first match).
    public func group(_ coordinates: [String: ParamValue] = [:]) -> AggregateGroup? {
        groups.first { g in coordinates.allSatisfy { g.coordinates[$0.key] == $0.value } }
    }

    /// A required series of a group, or an error naming it.
    public func series(_ name: String, in group: AggregateGroup) throws -> SeriesSummary {
        guard let s = group.series[name] else {
            throw RecipeError("series '\(name)' is missing from the results of \(scenarioName) — does the scenario enable the measurement that produces it?")
        }
        return s
    }

    public func metric(_ name: String, in group: AggregateGroup) throws -> Summary {
        guard let s = group.metrics[name] else {
            throw RecipeError("metric '\(name)' is missing from the results of \(scenarioName)")
        }
        return s
    }

    /// Distinct values of a coordinate, sorted numerically.
    public func axisValues(_ key: String) -> [Double] {
        Array(Set(groups.compactMap { $0.coordinates[key]?.doubleValue ?? $0.parameters[key]?.doubleValue })).sorted()
    }

    /// "seeds: 5 per point; scenario …" header lines for figure data files.
    public var figureNotes: [String] {
        let reps = Set(groups.map(\.replicates)).sorted().map(String.init).joined(separator: "/")
        return provenance + ["replicates per point: \(reps)"]
    }
}

public struct RecipeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

extension Line {
    /// Mean line with a ±sd band from a series summary (y transformed by `f` if given).
    public static func meanWithBand(_ title: String, _ s: SeriesSummary, color: String? = nil, dash: Dash = .solid,
                                    withPoints: Bool = false, axis: AxisSide = .y1, xScale: Double = 1) -> Line {
        let lo = zip(s.mean, s.sd).map { $0 - ($1.isFinite ? $1 : 0) }
        let hi = zip(s.mean, s.sd).map { $0 + ($1.isFinite ? $1 : 0) }
        return Line(title, x: s.x.map { $0 * xScale }, y: s.mean, band: (lo, hi), dash: dash, color: color,
                    withPoints: withPoints, axis: axis)
    }
}

extension FigureRequest {
    public func string(_ key: String, default d: String) -> String {
        if case .string(let s)? = options[key] { return s }
        return d
    }
    public func double(_ key: String, default d: Double) -> Double { options[key]?.doubleValue ?? d }
    public func bool(_ key: String, default d: Bool) -> Bool {
        if case .bool(let b)? = options[key] { return b }
        return d
    }
}

/// Format helpers for key text.
public func fmt(_ v: Double, _ digits: Int = 3) -> String {
    v.isFinite ? String(format: "%.\(digits)g", v) : "n/a"
}
