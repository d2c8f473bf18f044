import Foundation

/// One sweep axis: a parameter and the values it takes, in the order written.
public struct SweepAxis: Sendable, Equatable {
    public var key: String
    public var values: [ParamValue]
    public init(key: String, values: [ParamValue]) { self.key = key; self.values = values }
}

/// The `sweep:` block: a cartesian `grid`, a paired `zip` and the number of replicates.
///
/// Expansion order is fixed and documented because plans, tables and figures follow it: grid axes
/// in declaration order with the first axis outermost, then the zip (one compound axis) innermost.
public struct Sweep: Sendable, Equatable {
    public var grid: [SweepAxis]
    /// Paired axes: all lists have the same length; the i-th values go together.
    public var zip: [SweepAxis]
    /// Replicates per parameter point (≥ 1).
    public var seeds: Int

    public init(grid: [SweepAxis] = [], zip: [SweepAxis] = [], seeds: Int = 1) {
        self.grid = grid; self.zip = zip; self.seeds = seeds
    }

    /// Swept keys: grid keys then zip keys, each in declaration order.
    public var axes: [String] { grid.map(\.key) + zip.map(\.key) }

    /// Number of distinct parameter points (replicates not counted).
    public var parameterPointCount: Int {
        grid.reduce(1) { $0 * $1.values.count } * (zip.first?.values.count ?? 1)
    }

    /// Index tuples of every parameter point: for each point, (axis key, index into its values).
    func combinations() -> [[(key: String, index: Int)]] {
        var combos: [[(key: String, index: Int)]] = [[]]
        for axis in grid {
            combos = combos.flatMap { c in axis.values.indices.map { c + [(axis.key, $0)] } }
        }
        if let n = zip.first?.values.count {
            combos = combos.flatMap { c in (0..<n).map { i in c + zip.map { ($0.key, i) } } }
        }
        return combos
    }

    func axis(_ key: String) -> SweepAxis? { grid.first { $0.key == key } ?? zip.first { $0.key == key } }
}

/// One parameter point of a sweep (before replicates): its full parameters and its coordinates.
public struct SweepPoint: Sendable {
    /// Position in expansion order.
    public var index: Int
    /// defaults ← `params` ← this point's axis values.
    public var parameters: Parameters
    /// The swept keys' values at this point.
    public var coordinates: [String: ParamValue]
    /// For each swept key, the index of its value in the axis list (for error attribution).
    public var axisIndices: [String: Int]
}

/// A loaded, composed and fully validated scenario: what `sim` runs.
///
/// Produced by `ScenarioLoader.load`; every sweep point's parameters have passed the type, range
/// and cross-field checks by the time a `Scenario` exists, so a bad point fails before any run.
public struct Scenario: Sendable {
    /// Name used for the run directory: the `name:` key, else the file name without extension.
    public var name: String
    /// The file it was loaded from.
    public var path: String
    public var experiment: any Experiment
    public var description: String?
    public var seed: UInt64
    /// Parameters set explicitly by the scenario (after base composition, smoke and `--set`),
    /// normalised to their declared kinds. Defaults are not included.
    public var params: Parameters
    public var sweep: Sweep
    public var figures: [FigureRequest]
    /// Whether the `smoke:` overrides were applied.
    public var smoke: Bool
    /// The `--set` arguments applied, in order.
    public var overrides: [String]
    /// Every file composed into this scenario, bases first, the scenario file last.
    public var files: [String]
    /// Whether the composed scenario has a `smoke:` block (applied or not).
    public var hasSmokeBlock: Bool = false
    /// Claims declared in the file's `claims:` block (`ClaimDeclaration`); they do not change the plan.
    public var claims: [ClaimDeclaration] = []
    /// The `--seed` option that replaced the file's seed, if any (recorded in manifests so that
    /// `sim run --resume <dir>` reloads the same plan).
    public var seedOverride: UInt64? = nil

    public init(
        name: String, path: String, experiment: any Experiment, description: String? = nil, seed: UInt64 = 1,
        params: Parameters = Parameters(), sweep: Sweep = Sweep(), figures: [FigureRequest] = [],
        smoke: Bool = false, overrides: [String] = [], files: [String] = []
    ) {
        self.name = name; self.path = path; self.experiment = experiment; self.description = description
        self.seed = seed; self.params = params; self.sweep = sweep; self.figures = figures
        self.smoke = smoke; self.overrides = overrides; self.files = files
    }

    /// defaults ← params (the parameters shared by every point, before axis values).
    public var baseParameters: Parameters {
        var p = experiment.defaults
        for (k, v) in params.values { p[k] = v }
        return p
    }

    /// Every parameter point in expansion order (see `Sweep`).
    public func points() -> [SweepPoint] {
        let base = baseParameters
        return sweep.combinations().enumerated().map { i, combo in
            var p = base
            var coords: [String: ParamValue] = [:], idx: [String: Int] = [:]
            for (key, j) in combo {
                let v = sweep.axis(key)!.values[j]
                p[key] = v; coords[key] = v; idx[key] = j
            }
            return SweepPoint(index: i, parameters: p, coordinates: coords, axisIndices: idx)
        }
    }

    /// Parameters that do not vary over the sweep: base parameters minus the swept keys.
    public var fixedParameters: Parameters {
        var p = baseParameters
        for k in sweep.axes { p.values.removeValue(forKey: k) }
        return p
    }
}
