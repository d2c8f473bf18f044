import Foundation
import Numerics

/// Where a sweep's files live under an output root.
///
/// ```
/// <out>/runs/<scenario>/<sweep-id>/
///     scenario.resolved.yaml    the composed scenario, every parameter spelled out (re-runnable)
///     plan.tsv                  point id, group, replicate, seed, swept values — the current plan
///     manifest.json             tool version, git commit, BLAS, threads, jobs, argv, date, host
///     points/<id>.json          parameters, seed, replicate, RunResult (deterministic bytes)
///     points/<id>.done          completion marker with timing (written after the record)
///     points/<id>.failed        error text of a run that threw (retried on the next invocation)
///     aggregate/metrics.tsv, aggregate/series_<name>.tsv
/// <out>/figures/<paper>/<figure-id>.{tsv,gp,png,svg,pdf}
/// ```
public struct RunLayout: Sendable {
    public let out: URL
    public let sweepDirectory: URL

    public init(out: URL, scenarioName: String, sweepID: String) {
        self.out = out
        self.sweepDirectory = out.appendingPathComponent("runs").appendingPathComponent(scenarioName)
            .appendingPathComponent(sweepID)
    }
    public init(out: URL, plan: Plan) { self.init(out: out, scenarioName: plan.scenario.name, sweepID: plan.sweepID) }
    /// Layout of an existing sweep directory (`<out>/runs/<scenario>/<sweep-id>`).
    public init(sweepDirectory: URL) {
        self.sweepDirectory = sweepDirectory
        self.out = sweepDirectory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public var pointsDirectory: URL { sweepDirectory.appendingPathComponent("points") }
    public var aggregateDirectory: URL { sweepDirectory.appendingPathComponent("aggregate") }
    public var resolvedScenario: URL { sweepDirectory.appendingPathComponent("scenario.resolved.yaml") }
    public var planFile: URL { sweepDirectory.appendingPathComponent("plan.tsv") }
    public var manifest: URL { sweepDirectory.appendingPathComponent("manifest.json") }
    public func record(_ id: String) -> URL { pointsDirectory.appendingPathComponent("\(id).json") }
    public func done(_ id: String) -> URL { pointsDirectory.appendingPathComponent("\(id).done") }
    public func failed(_ id: String) -> URL { pointsDirectory.appendingPathComponent("\(id).failed") }
    public func figuresDirectory(paper: String) -> URL {
        out.appendingPathComponent("figures").appendingPathComponent(paper)
    }
}

/// What `points/<id>.json` holds: everything needed to interpret a run, and nothing that varies
/// between identical runs (no timing, host or date — those go to the `.done` marker), so the bytes
/// are reproducible and can be compared across `--jobs` settings.
public struct PointRecord: Codable, Sendable, Equatable {
    public var experiment: String
    public var pointID: String
    /// `Parameters.canonical` of the run: what re-runs compare to decide whether a record is current.
    public var canonical: String
    public var parameters: Parameters
    public var replicate: Int
    public var seed: UInt64
    public var result: RunResult

    public init(experiment: String, pointID: String, canonical: String, parameters: Parameters,
                replicate: Int, seed: UInt64, result: RunResult) {
        self.experiment = experiment; self.pointID = pointID; self.canonical = canonical
        self.parameters = parameters; self.replicate = replicate; self.seed = seed; self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case experiment, pointID = "point_id", canonical, parameters, replicate, seed, result
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(experiment, forKey: .experiment)
        try c.encode(pointID, forKey: .pointID)
        try c.encode(canonical, forKey: .canonical)
        // Plain JSON values (`"tau": 0.1`) rather than the enum's tagged form, for readability.
        try c.encode(parameters.values.mapValues(JSONParamValue.init), forKey: .parameters)
        try c.encode(replicate, forKey: .replicate)
        try c.encode(seed, forKey: .seed)
        try c.encode(result, forKey: .result)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        experiment = try c.decode(String.self, forKey: .experiment)
        pointID = try c.decode(String.self, forKey: .pointID)
        canonical = try c.decode(String.self, forKey: .canonical)
        var params = Parameters(try c.decode([String: JSONParamValue].self, forKey: .parameters).mapValues(\.value))
        // JSON does not distinguish 20 from 20.0: restore the declared kinds when the experiment is known.
        if let e = ExperimentRegistry.experiment(named: experiment) {
            for spec in e.parameters { if let v = params[spec.name] { params[spec.name] = ParameterSchema.normalise(v, kind: spec.kind) } }
        }
        parameters = params
        replicate = try c.decode(Int.self, forKey: .replicate)
        seed = try c.decode(UInt64.self, forKey: .seed)
        result = try c.decode(RunResult.self, forKey: .result)
    }
}

/// A `ParamValue` as a plain JSON value.
struct JSONParamValue: Codable {
    var value: ParamValue
    init(_ v: ParamValue) { value = v }
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch value {
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        case .list(let l): try c.encode(l.map(JSONParamValue.init))
        }
    }
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { value = .bool(b) }
        else if let i = try? c.decode(Int.self) { value = .int(i) }
        else if let d = try? c.decode(Double.self) { value = .double(d) }
        else if let s = try? c.decode(String.self) { value = .string(s) }
        else { value = .list(try c.decode([JSONParamValue].self).map(\.value)) }
    }
}

/// The `.done` marker's content: when and how long (kept out of the deterministic record).
public struct CompletionMarker: Codable, Sendable {
    public var elapsedSeconds: Double
    public var finished: String
    public var host: String
    public var status: RunResult.Status
    /// The code that produced the record (a resumed sweep may span commits).
    public var gitCommit: String?
    enum CodingKeys: String, CodingKey { case elapsedSeconds = "elapsed_seconds", finished, host, status, gitCommit = "git_commit" }
}

/// Provenance of one `sim run` invocation of a sweep.
public struct Manifest: Codable, Sendable {
    public var tool: String = "sim"
    public var version: String = SimVersion.string
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var blasConfig: String
    public var blasCore: String
    public var blasThreads: Int
    public var jobs: Int
    public var processors: Int
    public var argv: [String]
    public var date: String
    public var host: String
    public var os: String
    public var workingDirectory: String = FileManager.default.currentDirectoryPath
    public var scenario: String
    public var scenarioFiles: [String]
    public var sweepID: String
    public var points: Int
    public var smoke: Bool
    public var overrides: [String]

    enum CodingKeys: String, CodingKey {
        case tool, version, gitCommit = "git_commit", gitDirty = "git_dirty", blasConfig = "blas_config",
             blasCore = "blas_core", blasThreads = "blas_threads", jobs, processors, argv, date, host, os, workingDirectory = "working_directory",
             scenario, scenarioFiles = "scenario_files", sweepID = "sweep_id", points, smoke, overrides
    }
}

/// The version written into manifests and `sim --version`.
public enum SimVersion {
    public static let string = "0.1.0"
}

/// JSON and file helpers shared by the runner and the aggregator.
enum Store {
    /// Sorted keys, NaN/∞ as strings: byte-stable output for identical values. Point records are
    /// compact (`pretty: false`: series make them long); manifests and markers are pretty.
    static func encoder(pretty: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Write via a temporary file in the same directory and `rename(2)`, so a reader (or a re-run
    /// after a crash) sees either the old file or the complete new one, never a torn write.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
            throw StoreError("cannot write \(tmp.path)")
        }
        if rename(tmp.path, url.path) != 0 {
            let err = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw StoreError("cannot rename \(tmp.lastPathComponent) to \(url.path): \(err)")
        }
    }

    static func writeAtomically(_ text: String, to url: URL) throws {
        try writeAtomically(Data(text.utf8), to: url)
    }

    static func createDirectory(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    static func isoDate(_ d: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    /// `%.10g`, with `nan`/`inf` spelled the way gnuplot and pandas read them.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return String(format: "%.10g", v)
    }
}

public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

// MARK: - Resolved scenario and plan files

extension Scenario {
    /// A self-contained scenario file equivalent to this one: bases, smoke and `--set` applied,
    /// every non-swept parameter written out (defaults too), so that it can be re-run or
    /// re-aggregated (`sim run runs/<s>/<id>/scenario.resolved.yaml`) even after defaults change.
    public func resolvedYAML() -> String {
        var out: [String] = []
        out.append("# Resolved scenario (sim \(SimVersion.string)): composed from \(files.joined(separator: ", "))")
        if smoke { out.append("# smoke overrides applied") }
        for o in overrides { out.append("# --set \(o)") }
        out.append("name: \(yamlString(name))")
        out.append("experiment: \(yamlString(experiment.name))")
        if let description { out.append("description: \(yamlString(description))") }
        out.append("seed: \(seed)")
        let fixed = fixedParameters
        out.append("params:")
        for spec in experiment.parameters where fixed[spec.name] != nil {
            out.append("  \(spec.name): \(yamlValue(fixed[spec.name]!))")
        }
        if !sweep.grid.isEmpty || !sweep.zip.isEmpty || sweep.seeds != 1 {
            out.append("sweep:")
            for (label, axes) in [("grid", sweep.grid), ("zip", sweep.zip)] where !axes.isEmpty {
                out.append("  \(label):")
                for a in axes { out.append("    \(a.key): [\(a.values.map(yamlValue).joined(separator: ", "))]") }
            }
            out.append("  seeds: \(sweep.seeds)")
        }
        if !figures.isEmpty {
            out.append("figures:")
            for f in figures {
                var fields = ["id: \(yamlString(f.id))", "recipe: \(yamlString(f.recipe))"]
                if let t = f.title { fields.append("title: \(yamlString(t))") }
                for k in f.options.keys.sorted() { fields.append("\(k): \(yamlValue(f.options[k]!))") }
                out.append("  - {\(fields.joined(separator: ", "))}")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

func yamlValue(_ v: ParamValue) -> String {
    switch v {
    case .int(let i): return String(i)
    case .double(let d): return ParamValue.format(d)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return yamlString(s)
    case .list(let l): return "[" + l.map(yamlValue).joined(separator: ", ") + "]"
    }
}

/// A double-quoted YAML string (JSON escaping is valid YAML).
func yamlString(_ s: String) -> String {
    var r = "\""
    for ch in s.unicodeScalars {
        switch ch {
        case "\"": r += "\\\""
        case "\\": r += "\\\\"
        case "\n": r += "\\n"
        case "\t": r += "\\t"
        default:
            if ch.value < 0x20 { r += String(format: "\\u%04x", ch.value) } else { r.unicodeScalars.append(ch) }
        }
    }
    return r + "\""
}

extension Plan {
    /// `plan.tsv`: one line per run, in plan order.
    public func tsv() -> String {
        var lines = ["# scenario: \(scenario.name) (\(scenario.path)); experiment: \(experiment.name); sweep: \(sweepID)",
                     "# scenario seed: \(scenario.seed); replicates per point: \(scenario.sweep.seeds); points: \(points.count)",
                     (["point_id", "group", "replicate", "seed"] + axes).joined(separator: "\t")]
        for p in points {
            lines.append(([p.id, String(p.group), String(p.replicate), String(p.seed)]
                          + axes.map { p.coordinates[$0].map { "\($0)" } ?? "" }).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
