import Foundation
import ProvableNumerics

/// What robustness claims share (a YAML `worst:` measure, or `Robustness.worst` in Swift): a claim statistic
/// computed per configuration — one sweep point of the `zip:` axis of `scenarios/<paper>/robustness.yaml`,
/// a configuration inside the theorem's assumptions other than the committed one — and its worst case
/// over the configurations.
public enum Robustness {
    /// The worst case over the sweep's configurations of the mean over seeds of `perSeed(group)`:
    /// the smallest mean (`worst: .smallest`, for a lower bound), the largest (`.largest`, for an upper
    /// bound) or the one farthest from a predicted value (`.farthest(from:)`, for an exact one). The
    /// interval is a seed-resampling bootstrap: every configuration's seeds are resampled independently
    /// and the worst case is recomputed, so it accounts for the seeds behind each configuration (and
    /// for which configuration is the worst). `detail` lists every configuration's mean with its own
    /// t interval over seeds, named by `name(group)`.
    public enum Worst: Sendable, Equatable { case smallest, largest, farthest(from: Double) }

    public static func worst(
        _ r: AggregateResults, _ worst: Worst, name: @escaping (AggregateGroup) -> String,
        note: String = "", _ perSeed: @escaping (AggregateGroup) throws -> [Double]
    ) throws -> ClaimMeasurement {
        guard !r.groups.isEmpty else { throw RecipeError("no finished runs in \(r.scenarioName)") }
        func pick(_ means: [Double]) -> Double {
            guard !means.isEmpty, means.allSatisfy(\.isFinite) else { return .nan }
            switch worst {
            case .smallest: return means.min()!
            case .largest: return means.max()!
            case .farthest(let t): return means.max { abs($0 - t) < abs($1 - t) }!
            }
        }
        let per = try r.groups.map { g in (name(g), Summary(values: try perSeed(g))) }
        let means = per.map(\.1.mean)
        let worstName = Set(means).count == 1 ? "every configuration alike" : (per.first { $0.1.mean == pick(means) }?.0 ?? "n/a")
        let detail =
            per.map { "\($0.0): \(ClaimMeasurement($0.1).text)" }.joined(separator: "; ")
            + "; worst: \(worstName)" + (note.isEmpty ? "" : "; \(note)")
        return try r.bootstrap(detail: detail) { r in
            pick(r.groups.map { g in (try? perSeed(g)).map(Statistics.mean) ?? .nan })
        }
    }

    /// A metric's per-seed values in a group (empty when the metric is missing: the mean is then NaN).
    public static func values(_ g: AggregateGroup, _ metric: String) -> [Double] { g.metrics[metric]?.values ?? [] }
}
