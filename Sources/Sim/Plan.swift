import Foundation
import ProvableNumerics

/// One run of a sweep: a parameter point and a replicate, with its derived seed and stable id.
public struct PlanPoint: Sendable {
    /// Position in the plan (expansion order, replicates innermost). Display only: nothing
    /// derived from a point depends on it.
    public var index: Int
    /// Content-addressed id: a short hash of (experiment, canonical parameters, replicate, seed).
    public var id: String
    public var parameters: Parameters
    /// `parameters.canonical(executionDefaults:)`, cached (the group key: equal for all replicates of a point).
    public var canonical: String
    /// The swept keys' values.
    public var coordinates: [String: ParamValue]
    /// Index of the parameter point (group) in expansion order.
    public var group: Int
    public var replicate: Int
    /// `SeedDerivation.runSeed(scenarioSeed:canonicalParameters:replicate:)`.
    public var seed: UInt64
}

/// A scenario expanded into runs.
///
/// **Seeds and ids.** A run seed is a pure function of (scenario seed, canonical parameters without
/// execution options such as `precision`, replicate) and a point id is a hash of (experiment, canonical parameters, replicate, run seed):
/// neither depends on plan order, `--jobs` or on which other points exist, so extending an axis or
/// adding replicates leaves every existing point's seed, id and result untouched.
///
/// **Sweep id** (`<scenario>-<hash>`, the run directory). The hash covers what makes two sweeps
/// *different experiments*: the experiment, the scenario seed, every parameter held fixed across
/// the sweep (defaults included, so a changed default also moves to a new directory) and the
/// names and kinds of the axes. It deliberately omits the axis *values* and `seeds`: adding
/// replicates or an extra value to an axis — the usual "more data" move — reuses the directory and
/// runs only the new points, while changing a fixed parameter, the seed or the set of axes starts
/// a fresh directory. A smoke run that only narrows the sweep shares its finished points with the
/// full run (they are the same computations); one that changes fixed parameters does not.
/// What belongs to the current plan is recorded in `plan.tsv`; aggregation reads only those points.
public struct Plan: Sendable {
    public var scenario: Scenario
    public var sweepID: String
    /// Parameter points (groups), in expansion order.
    public var groups: [SweepPoint]
    /// Runs: groups × replicates, replicates innermost.
    public var points: [PlanPoint]

    public var experiment: any Experiment { scenario.experiment }
    public var axes: [String] { scenario.sweep.axes }

    public init(scenario: Scenario) {
        self.scenario = scenario
        self.sweepID = Plan.sweepID(for: scenario)
        self.groups = scenario.points()
        var points: [PlanPoint] = []
        points.reserveCapacity(groups.count * scenario.sweep.seeds)
        let execution = scenario.experiment.executionDefaults
        for g in groups {
            let canonical = g.parameters.canonical(executionDefaults: execution)
            for r in 0..<scenario.sweep.seeds {
                let seed = SeedDerivation.runSeed(
                    scenarioSeed: scenario.seed, canonicalParameters: g.parameters.seedCanonical(executionOptions: Set(execution.keys)), replicate: r)
                points.append(
                    PlanPoint(
                        index: points.count,
                        id: Plan.pointID(experiment: scenario.experiment.name, canonical: canonical, replicate: r, seed: seed),
                        parameters: g.parameters, canonical: canonical, coordinates: g.coordinates,
                        group: g.index, replicate: r, seed: seed))
            }
        }
        self.points = points
    }

    /// 12 hex digits of a hash of the run's identity (48 bits: collisions are negligible at any
    /// sweep size this tool will see, and the record's canonical parameters are checked anyway).
    public static func pointID(experiment: String, canonical: String, replicate: Int, seed: UInt64) -> String {
        let h = SeedDerivation.mix(SeedDerivation.hash("\(experiment)\n\(canonical)\n\(replicate)"), seed)
        return hex(h, digits: 12)
    }

    /// `<scenario name>-<8 hex digits>`; see the type's documentation for what the hash covers.
    public static func sweepID(for scenario: Scenario) -> String {
        let kinds = scenario.sweep.grid.map { "grid:\($0.key)" } + scenario.sweep.zip.map { "zip:\($0.key)" }
        let material = [
            "experiment=\(scenario.experiment.name)",
            "seed=\(scenario.seed)",
            "fixed=\(scenario.fixedParameters.canonical(executionDefaults: scenario.experiment.executionDefaults))",
            "axes=\(kinds.joined(separator: ","))",
        ].joined(separator: "\n")
        return scenario.name + "-" + hex(SeedDerivation.mix(SeedDerivation.hash(material), 0x5EED), digits: 8)
    }

    static func hex(_ v: UInt64, digits: Int) -> String {
        let s = String(v, radix: 16)
        let padded = String(repeating: "0", count: max(0, 16 - s.count)) + s
        return String(padded.prefix(digits))
    }

    /// "n_rel=4, m=200" in axis order ("" when nothing is swept).
    public func coordinateText(_ coordinates: [String: ParamValue]) -> String {
        axes.compactMap { k in coordinates[k].map { "\(k)=\($0)" } }.joined(separator: ", ")
    }
}
