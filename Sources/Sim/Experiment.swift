import Foundation
import Plots

/// What one training run returns: scalar metrics plus named series (curves over t, spectra over i,
/// pruning curves over R). Series are aggregated element-wise across replicates.
public struct RunResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case ok, diverged }
    public var status: Status
    public var metrics: [String: Double]
    public var series: [String: Series]
    /// For diverged runs: the step and the reason (NaN loss, explosion).
    public var divergedAtStep: Int?
    public var note: String?

    public init(
        status: Status = .ok, metrics: [String: Double] = [:], series: [String: Series] = [:],
        divergedAtStep: Int? = nil, note: String? = nil
    ) {
        self.status = status; self.metrics = metrics; self.series = series
        self.divergedAtStep = divergedAtStep; self.note = note
    }
}

/// A named curve y(x) produced by one run.
public struct Series: Codable, Sendable, Equatable {
    public var x: [Double]
    public var y: [Double]
    public init(x: [Double], y: [Double]) {
        precondition(x.count == y.count, "series x/y length mismatch")
        self.x = x; self.y = y
    }
}

/// Context handed to a run: its identity and a cancellation flag to poll between steps.
public struct RunContext: Sendable {
    public let seed: UInt64
    public let pointID: String
    public let isCancelled: @Sendable () -> Bool
    public init(seed: UInt64, pointID: String = "", isCancelled: @escaping @Sendable () -> Bool = { false }) {
        self.seed = seed; self.pointID = pointID; self.isCancelled = isCancelled
    }
}

/// Thrown by a run that noticed `isCancelled`.
public struct RunCancelled: Error, Sendable {
    public init() {}
}

/// Builds one figure from aggregated results. `options` are the figure entry's extra keys from the scenario.
public typealias FigureRecipe = @Sendable (_ request: FigureRequest, _ results: AggregateResults) throws -> Figure

/// A figure entry of a scenario (`figures:` list): which recipe, its id/title and recipe options.
public struct FigureRequest: Sendable {
    public var id: String
    public var recipe: String
    public var title: String?
    public var options: [String: ParamValue]
    public init(id: String, recipe: String, title: String? = nil, options: [String: ParamValue] = [:]) {
        self.id = id; self.recipe = recipe; self.title = title; self.options = options
    }
}

/// An experiment: a data model + learner + measurements, looked up by `kind` name in `ExperimentRegistry`.
public protocol Experiment: Sendable {
    /// Registry name used in scenarios' `experiment:` key, e.g. `lowrank.train`.
    var name: String { get }
    /// Paper key: `lowrank`, `icl`, `graph`, `moe`.
    var paper: String { get }
    /// The paper's title, for headings (the verification report); defaults to the key.
    var paperTitle: String { get }
    var summary: String { get }
    var parameters: [ParameterSpec] { get }
    /// Cross-field checks (`d ≥ M`, `n_conf < n_rel`); single-field type/range checks are done by the schema.
    func validate(_ p: Parameters) throws
    func run(_ p: Parameters, context: RunContext) throws -> RunResult
    var figureRecipes: [String: FigureRecipe] { get }
    /// The paper's throughput benchmark for `sim bench <paper>` (nil: none). Output lines; the last
    /// line is the throughput. One experiment per paper provides it (or use `BenchmarkRegistry.register`).
    var benchmark: BenchmarkRegistry.Benchmark? { get }
    /// The paper's claims (theorem predictions as data) for `sim verify` and the claims test. One
    /// experiment per paper declares them.
    var claims: [Claim] { get }
}

extension Experiment {
    public func validate(_ p: Parameters) throws {}
    public var benchmark: BenchmarkRegistry.Benchmark? { nil }
    public var claims: [Claim] { [] }
    public var paperTitle: String { paper }
    /// Every parameter's default, normalised to its declared kind (a `doubleList` default written
    /// as `[.int(6)]` becomes `[.double(6)]`), so that writing a default value explicitly in a
    /// scenario gives the same canonical parameters — hence the same run seeds and point ids.
    /// The execution options (`ParameterSpec.isExecutionOption`) with their normalised defaults.
    public var executionDefaults: [String: ParamValue] {
        Dictionary(uniqueKeysWithValues: parameters.filter(\.isExecutionOption).map { ($0.name, ParameterSchema.normalise($0.defaultValue, kind: $0.kind)) })
    }

    public var defaults: Parameters {
        Parameters(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, ParameterSchema.normalise($0.defaultValue, kind: $0.kind)) }))
    }
}

/// Name → experiment. Papers register here (the `sim` executable registers its papers at start-up,
/// `SimMain.main(papers:)`; a test registers what it uses); nothing is parsed out of strings. The
/// engine names no paper: a paper is whatever registers experiments with a `paper` key.
public enum ExperimentRegistry {
    nonisolated(unsafe) private static var table: [String: any Experiment] = [:]
    /// Papers in the order their first experiment was registered: the order of `ClaimRegistry.all`
    /// and of the report.
    nonisolated(unsafe) private static var paperOrder: [String] = []
    private static let lock = NSLock()

    public static func register(_ e: any Experiment) {
        lock.lock(); defer { lock.unlock() }
        table[e.name] = e
        if !paperOrder.contains(e.paper) { paperOrder.append(e.paper) }
    }
    public static func register(_ experiments: [any Experiment]) {
        for e in experiments { register(e) }
    }
    public static func experiment(named name: String) -> (any Experiment)? {
        lock.lock(); defer { lock.unlock() }
        return table[name]
    }
    public static var all: [any Experiment] {
        lock.lock(); defer { lock.unlock() }
        return table.values.sorted { $0.name < $1.name }
    }
    /// Paper keys in registration order.
    public static var papers: [String] {
        lock.lock(); defer { lock.unlock() }
        return paperOrder
    }
}
