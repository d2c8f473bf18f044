import Foundation
import ProvableNumerics
import Plots

/// Small helpers that figure recipes share: finding groups and series, and turning summaries into layers.
extension AggregateResults {
    /// The group whose coordinates (or parameters) match, first match; any group when `coordinates`
    /// is empty. Values match by value across numeric kinds: an int 160 finds a group at 160.0.
    public func group(_ coordinates: [String: ParamValue] = [:]) -> AggregateGroup? {
        groups.first { g in coordinates.allSatisfy { k, v in AggregateResults.sameValue(g.coordinates[k] ?? g.parameters[k], v) } }
    }

    /// A coordinate lookup: equal values, or equal numbers of different kinds (int vs double).
    static func sameValue(_ have: ParamValue?, _ want: ParamValue) -> Bool {
        guard let have else { return false }
        if have == want { return true }
        if let a = have.doubleValue, let b = want.doubleValue { return a == b }
        return false
    }

    /// The single group of a sweep without axes.
    public func only() throws -> AggregateGroup {
        guard let g = groups.first else { throw RecipeError("no finished runs in \(scenarioName)") }
        return g
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
    public static func meanWithBand(
        _ title: String, _ s: SeriesSummary, color: String? = nil, dash: Dash = .auto,
        withPoints: Bool = false, axis: AxisSide = .y1, xScale: Double = 1
    ) -> Line {
        let lo = zip(s.mean, s.sd).map { $0 - ($1.isFinite ? $1 : 0) }
        let hi = zip(s.mean, s.sd).map { $0 + ($1.isFinite ? $1 : 0) }
        return Line(
            title, x: s.x.map { $0 * xScale }, y: s.mean, band: (lo, hi), dash: dash, color: color,
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

/// A measured power law drawn beside the theory's: the points (± error bars), the least-squares fit
/// in log–log space with its slope ± SE in the key, and the theory's slope as a dashed line through
/// the fit at the data's geometric-mean x. Shared by every scaling-law figure (R8, T1d, S2, …).
public struct PowerLawOverlay {
    public let fit: PowerLawFit
    public let layers: [Layer]
    /// Data x range (sorted input), for axis limits.
    public let xRange: ClosedRange<Double>

    public init(
        id: String, x: [Double], y: [Double], yErr: [Double]? = nil, measured: String,
        theory: Double, theoryTitle: String? = nil
    ) throws {
        guard let fit = Statistics.powerLawFit(x: x, y: y), let x0 = x.first, let x1 = x.last, x0 > 0, x1 >= x0 else {
            throw RecipeError("\(id): fewer than two positive finite values to fit a power law")
        }
        let grid = (0...20).map { x0 * pow(x1 / x0, Double($0) / 20) }
        let gx = exp(x.map(log).reduce(0, +) / Double(x.count))
        self.fit = fit
        xRange = x0...x1
        layers = [
            .points(Points(measured, x: x, y: y, yErr: yErr, color: Palette.blue)),
            .line(
                Line("fit: slope \(fmt(fit.exponent)) ± \(fmt(fit.exponentSE, 2))", x: grid, y: grid.map(fit.predict), color: Palette.blue, isReference: true)),
            .line(
                .powerLaw(
                    exponent: theory, through: (gx, fit.predict(gx)), over: x0...x1,
                    title: theoryTitle ?? "theory: slope \(fmt(theory))", samples: 21, color: Palette.vermillion)),
        ]
    }
}

/// Recipes shared by several papers.
public enum SharedRecipes {
    /// Test loss (or error) vs pruning rate for magnitude / random / largest-first pruning of W_O
    /// neurons, with the sorted neuron norms as bars on y2 (ICL'24 style). Options: `metric`
    /// (loss | error), `log_y`, `y_min`, `bars`, `suffix` (appended to the series names, e.g. "_a0.6"),
    /// `x_max`.
    public static let pruning: FigureRecipe = { req, r in
        let g = try r.only()
        let metric = req.string("metric", default: "loss")
        let sfx = req.string("suffix", default: "")
        let logY = req.bool("log_y", default: metric == "error")
        let mag = try r.series("prune_magnitude_\(metric)\(sfx)", in: g)
        let lf = try r.series("prune_largest_first_\(metric)\(sfx)", in: g)
        let rnd = try r.series("prune_random_\(metric)\(sfx)", in: g)
        let maskSD = try r.series("prune_random_\(metric)_mask_sd\(sfx)", in: g)
        // Random: band = mean ± (sd over masks, averaged over seeds).
        let rndLine = Line(
            "random (±sd over masks)", x: rnd.x, y: rnd.mean,
            band: (zip(rnd.mean, maskSD.mean).map { $0 - $1 }, zip(rnd.mean, maskSD.mean).map { $0 + $1 }), color: Palette.orange, withPoints: true)
        var layers: [Layer] = []
        let xMax = req.double("x_max", default: 1)
        if req.bool("bars", default: true), let norms = g.series["neuron_norm_trained"] {
            let m = Double(norms.x.count)
            let keep = norms.x.indices.filter { (norms.x[$0] - 0.5) / m <= xMax }
            layers.append(
                .bars(
                    Bars(
                        "sorted neuron norms (right axis)", x: keep.map { (norms.x[$0] - 0.5) / m }, height: keep.map { norms.mean[$0] },
                        width: 1 / m, color: "#bbbbbb", axis: .y2)))
        }
        layers += [
            .line(.meanWithBand("magnitude (smallest first)", mag, color: Palette.blue, withPoints: true)),
            .line(rndLine),
            .line(.meanWithBand("largest first", lf, color: Palette.vermillion, withPoints: true)),
        ]
        let base = g.metrics["baseline_\(metric)\(sfx)"]?.mean ?? .nan
        layers.append(.hline(HLine("no pruning: \(fmt(base, 2))", y: base, color: "#333333")))
        let label = metric == "loss" ? "test hinge loss" : "test classification error"
        return Figure(
            id: req.id, title: req.title ?? "Magnitude pruning of W_O neurons is nearly free; random and largest-first are not",
            notes: r.figureNotes + ["random pruning: mean over masks per seed, band = sd over masks"],
            x: Axis("pruning rate R (fraction of neurons removed)", min: 0, max: xMax),
            y: Axis(label, log: logY, min: logY ? req.double("y_min", default: 1e-3) : 0, max: metric == "error" ? 1 : nil),
            y2: Axis("‖W_O[i,:]‖ (sorted)", min: 0), layers: layers, key: .topLeft)
    }
}
