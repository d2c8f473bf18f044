import Foundation

/// Mean, spread and confidence interval of one metric across replicates.
public struct Summary: Codable, Sendable, Equatable {
    public var n: Int
    public var mean: Double
    public var sd: Double
    /// 95% t-interval for the mean.
    public var ciLow: Double
    public var ciHigh: Double
    public var values: [Double]
    public init(n: Int, mean: Double, sd: Double, ciLow: Double, ciHigh: Double, values: [Double]) {
        self.n = n; self.mean = mean; self.sd = sd; self.ciLow = ciLow; self.ciHigh = ciHigh; self.values = values
    }
}

/// Element-wise summary of a series across replicates (same x grid in every replicate).
public struct SeriesSummary: Codable, Sendable, Equatable {
    public var x: [Double]
    public var mean: [Double]
    public var sd: [Double]
    public var ciLow: [Double]
    public var ciHigh: [Double]
    public var n: Int
    /// Each finished (not diverged) replicate's curve, in replicate order, aligned with the `values`
    /// of the group's metric summaries (an empty curve where that replicate has no such series): kept
    /// so a claim can pair two curves per seed and resample seeds (`AggregateResults.resampled`).
    public var replicateY: [[Double]]
    public init(x: [Double], mean: [Double], sd: [Double], ciLow: [Double], ciHigh: [Double], n: Int, replicateY: [[Double]] = []) {
        self.x = x; self.mean = mean; self.sd = sd; self.ciLow = ciLow; self.ciHigh = ciHigh; self.n = n
        self.replicateY = replicateY
    }
}

/// All replicates of one parameter point (the point's parameters without the replicate index).
public struct AggregateGroup: Codable, Sendable {
    public var parameters: Parameters
    /// Parameters that vary across the sweep (the group's coordinates), e.g. ["n_rel": 6].
    public var coordinates: [String: ParamValue]
    public var replicates: Int
    public var diverged: Int
    public var metrics: [String: Summary]
    public var series: [String: SeriesSummary]
    public init(
        parameters: Parameters, coordinates: [String: ParamValue], replicates: Int, diverged: Int,
        metrics: [String: Summary], series: [String: SeriesSummary]
    ) {
        self.parameters = parameters; self.coordinates = coordinates; self.replicates = replicates
        self.diverged = diverged; self.metrics = metrics; self.series = series
    }
}

/// What figure recipes read: every group of a sweep, in plan order.
public struct AggregateResults: Sendable {
    public var scenarioName: String
    public var groups: [AggregateGroup]
    /// The sweep axes (grid and zip keys), in declaration order.
    public var axes: [String]
    /// Header lines for figure data files: config summary, seeds.
    public var provenance: [String]
    /// Remarks about how the results were gathered (e.g. shards whose plan headers differ), for
    /// the user; never written into the aggregate files.
    public var notices: [String] = []
    /// Code fingerprint → number of records behind these results (`PointRecord.code`; "unknown" for
    /// records older than fingerprints). More than one key: the results mix code versions.
    public var codeFingerprints: [String: Int] = [:]
    public init(scenarioName: String, groups: [AggregateGroup], axes: [String], provenance: [String]) {
        self.scenarioName = scenarioName; self.groups = groups; self.axes = axes; self.provenance = provenance
    }
}
