import BuildInfo
import Foundation
import ProvableNumerics
import Plots

/// Where a sweep's files live under an output root.
///
/// ```
/// <out>/runs/<scenario>/<sweep-id>/
///     scenario.resolved.yaml    the composed scenario, every parameter spelled out (re-runnable)
///     plan.tsv                  point id, group, replicate, seed, swept values — the current plan
///     manifest.json             tool version, git commit, BLAS, threads, jobs, argv, date, host
///     manifest.shard-<i>-of-<n>.json   the same, per shard of a `sim run --shard i/n`
///     points/<id>.json          parameters, seed, replicate, RunResult (deterministic bytes)
///     points/<id>.done          completion marker with timing (written after the record)
///     points/<id>.failed        error text of a run that threw (retried on the next invocation)
///     points/<id>.running       pid and host of the process running the point (removed when it ends)
///     points/<id>.interrupted   the point was stopped by SIGINT/SIGTERM or its process died (re-run on resume)
///     aggregate/metrics.tsv, aggregate/series_<name>.tsv
///
/// Every file is written atomically and durably (temporary file, fsync, rename, fsync of the
/// directory), and a record is written before its `.done` marker, so a sweep killed at any moment
/// — SIGKILL or power loss included — keeps every point whose marker exists.
/// <out>/figures/<paper>/<figure-id>.{tsv,csv,gp,png,svg,pdf}
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
    public func running(_ id: String) -> URL { pointsDirectory.appendingPathComponent("\(id).running") }
    public func interrupted(_ id: String) -> URL { pointsDirectory.appendingPathComponent("\(id).interrupted") }
    /// `manifest.json`, or `manifest.shard-<i>-of-<n>.json` for a shard (shards may share a directory).
    public func manifest(shard: Shard?) -> URL {
        guard let shard else { return manifest }
        return sweepDirectory.appendingPathComponent("manifest.shard-\(shard.index)-of-\(shard.count).json")
    }
    /// Every manifest in the directory (unsharded and per-shard), sorted by name.
    public var manifests: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: sweepDirectory.path)) ?? []
        return names.filter { $0.hasPrefix("manifest") && $0.hasSuffix(".json") }.sorted()
            .map { sweepDirectory.appendingPathComponent($0) }
    }
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
    /// `BuildInfo.codeFingerprint` of the binary that ran the point (nil: a record from before
    /// fingerprints, treated as stale). Deterministic for a given source tree, so records stay
    /// byte-identical across `--jobs` and machines building the same code.
    public var code: String?

    public init(
        experiment: String, pointID: String, canonical: String, parameters: Parameters,
        replicate: Int, seed: UInt64, result: RunResult, code: String? = BuildInfo.codeFingerprint
    ) {
        self.experiment = experiment; self.pointID = pointID; self.canonical = canonical
        self.parameters = parameters; self.replicate = replicate; self.seed = seed; self.result = result
        self.code = code
    }

    enum CodingKeys: String, CodingKey {
        case experiment, pointID = "point_id", canonical, parameters, replicate, seed, result, code = "code_fingerprint"
    }

    /// Decodes a `points/<id>.json` record (NaN and ±∞ are stored as strings).
    public static func decode(_ data: Data) throws -> PointRecord { try Store.decoder().decode(PointRecord.self, from: data) }

    /// How a record without a fingerprint is counted (`AggregateResults.codeFingerprints`, `sim status`).
    public static let unknownCode = "unknown"

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
        try c.encodeIfPresent(code, forKey: .code)
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
        code = try c.decodeIfPresent(String.self, forKey: .code)
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
        if let b = try? c.decode(Bool.self) {
            value = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            value = .int(i)
        } else if let d = try? c.decode(Double.self) {
            value = .double(d)
        } else if let s = try? c.decode(String.self) {
            value = .string(s)
        } else {
            value = .list(try c.decode([JSONParamValue].self).map(\.value))
        }
    }
}

/// The `.running` marker: which process is running the point, so `sim status` can tell a live
/// point from one whose process was killed (a stale marker counts as interrupted).
public struct RunningMarker: Codable, Sendable {
    public var pid: Int32
    public var host: String
    /// The process's start time in clock ticks since boot (Linux `/proc/<pid>/stat`), to tell a
    /// live process from a later one that reused the pid.
    public var processStart: UInt64?
    public var started: String
    enum CodingKeys: String, CodingKey { case pid, host, processStart = "process_start", started }

    static func current() -> RunningMarker {
        RunningMarker(pid: getpid(), host: Store.hostName, processStart: ProcessProbe.startTime(of: getpid()), started: Store.isoDate())
    }

    /// nil: cannot tell (another host); true: the process is alive; false: it is gone.
    public var isAlive: Bool? {
        guard host == Store.hostName else { return nil }
        return ProcessProbe.isAlive(pid: pid, startTime: processStart)
    }
}

/// The `.interrupted` marker: the point was started but stopped before it finished.
public struct InterruptedMarker: Codable, Sendable {
    public var date: String
    public var host: String
    public var pid: Int32
    /// "SIGTERM", "SIGINT", "process 1234 ended without finishing the point (killed?)" …
    public var reason: String
}

/// Whether a process is alive (Linux/Darwin), used for stale `.running` markers and temporaries.
enum ProcessProbe {
    static func isAlive(pid: Int32, startTime: UInt64?) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno != EPERM { return false }
        // The pid exists; if we know when the marker's process started, make sure it is the same one.
        if let startTime, let now = ProcessProbe.startTime(of: pid) { return now == startTime }
        return true
    }

    /// Field 22 of `/proc/<pid>/stat` (start time in clock ticks after boot); nil off Linux.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces) start with field 3 (state).
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
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
    /// `BuildInfo.codeFingerprint` of this binary (what its point records carry).
    public var codeFingerprint: String? = BuildInfo.codeFingerprint
    public var gitCommit: String?
    public var gitDirty: Bool?
    /// `openblas_get_config()`: the OpenBLAS version and build ("OpenBLAS 0.3.21 … Cooperlake").
    public var blasConfig: String
    public var blasCore: String
    /// The Swift compiler that built this binary (`SimVersion.swiftCompiler`).
    public var swiftCompiler: String? = SimVersion.swiftCompiler
    /// `gnuplot --version`, nil when gnuplot is not installed.
    public var gnuplot: String? = Gnuplot.version
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
    /// `--seed` given on the command line (nil: the scenario's own), so `sim run --resume <dir>`
    /// can rebuild exactly this plan.
    public var seedOption: UInt64?
    /// `i/n` for `sim run --shard i/n`; nil for a whole sweep.
    public var shard: String?
    /// Points of the plan this invocation is responsible for (the shard's, or all).
    public var shardPoints: Int?

    enum CodingKeys: String, CodingKey {
        case tool, version, codeFingerprint = "code_fingerprint", gitCommit = "git_commit", gitDirty = "git_dirty", blasConfig = "blas_config",
            blasCore = "blas_core", swiftCompiler = "swift_compiler", gnuplot = "gnuplot_version", blasThreads = "blas_threads", jobs, processors, argv, date,
            host, os, workingDirectory = "working_directory",
            scenario, scenarioFiles = "scenario_files", sweepID = "sweep_id", points, smoke, overrides,
            seedOption = "seed_option", shard, shardPoints = "shard_points"
    }
}

/// The version written into manifests and `sim --version`.
public enum SimVersion {
    public static let string = "0.3.1"
    /// The code fingerprint of this binary (`BuildInfo.codeFingerprint`).
    public static let code = BuildInfo.codeFingerprint
    /// The compiler that built this binary, to the minor version (Swift has no runtime query for it).
    public static let swiftCompiler: String = {
        #if compiler(>=6.5)
        return "Swift ≥ 6.5"
        #elseif compiler(>=6.4)
        return "Swift 6.4"
        #elseif compiler(>=6.3)
        return "Swift 6.3"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #else
        return "Swift < 6.2"
        #endif
    }()
    /// `sim --version`: "0.3.0 (code 3f2a…)".
    public static var full: String { "\(string) (code \(code))" }
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
    ///
    /// `durable` (the default) also fsyncs the file before the rename and the directory after it,
    /// so the new file survives a power loss once this returns; markers that only describe a
    /// transient state (`.running`) skip that.
    ///
    /// Temporaries are named `.<name>.tmp-<host>~<pid>~<random>`, so a later run can remove the
    /// ones a killed process left behind (`removeStaleTemporaries`).
    static func writeAtomically(_ data: Data, to url: URL, durable: Bool = true) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent)\(temporaryMarker)\(hostName)~\(getpid())~\(UInt64.random(in: 0...UInt64.max))")
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        // Errors name the file being written (its temporary is an implementation detail).
        guard fd >= 0 else { throw StoreError(errno: errno, "cannot write \(url.path)") }
        var failure: String? = nil
        var failureCode: Int32 = 0
        data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buf.count {
                let n = write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failureCode = errno
                    failure = "cannot write \(url.path): \(errnoText())"; return
                }
                offset += n
            }
        }
        // A full disk may only show at fsync or close (delayed allocation, NFS): both are checked.
        if failure == nil, durable, fsync(fd) != 0 { failureCode = errno; failure = "cannot write \(url.path) (fsync): \(errnoText())" }
        if close(fd) != 0, failure == nil { failureCode = errno; failure = "cannot write \(url.path) (close): \(errnoText())" }
        if let failure {
            unlink(tmp.path)
            throw StoreError(failure, code: failureCode)
        }
        if rename(tmp.path, url.path) != 0 {
            let code = errno
            unlink(tmp.path)
            throw StoreError(errno: code, "cannot rename \(tmp.lastPathComponent) to \(url.path)")
        }
        if durable { syncDirectory(dir) }
    }

    static func writeAtomically(_ text: String, to url: URL, durable: Bool = true) throws {
        try writeAtomically(Data(text.utf8), to: url, durable: durable)
    }

    static let temporaryMarker = ".tmp-"

    /// fsync a directory so a rename or unlink in it is on disk (best effort: some filesystems refuse).
    static func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Remove a file if it exists (markers); errors are ignored.
    static func remove(_ url: URL) { unlink(url.path) }

    /// Delete temporaries in `dir` left by processes of this host that no longer exist (a sweep
    /// killed mid-write). Returns how many were removed.
    @discardableResult
    static func removeStaleTemporaries(in dir: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(".") {
            guard let r = name.range(of: temporaryMarker, options: .backwards) else { continue }
            let parts = name[r.upperBound...].split(separator: "~")
            guard parts.count == 3, String(parts[0]) == hostName, let pid = Int32(parts[1]),
                pid != getpid(), !ProcessProbe.isAlive(pid: pid, startTime: nil)
            else { continue }
            if unlink(dir.appendingPathComponent(name).path) == 0 { removed += 1 }
        }
        return removed
    }

    /// `mkdir -p`, with an error that names the directory and the system's reason ("Read-only file
    /// system", "No space left on device", "Permission denied") instead of Foundation's generic text.
    static func createDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return }
            throw StoreError("cannot create directory \(url.path): a file of that name exists")
        }
        let parent = url.deletingLastPathComponent()
        if parent.path != url.path { try createDirectory(parent) }
        if mkdir(url.path, 0o755) != 0 && errno != EEXIST {
            throw StoreError(errno: errno, "cannot create directory \(url.path)")
        }
    }

    /// Create `url` holding `data` only if no such file exists: the data goes to a temporary first and
    /// is hard-linked into place (`link(2)` fails with EEXIST atomically), so a reader never sees a
    /// partly written file and two processes never both succeed. Returns false when the file exists.
    static func createExclusively(_ data: Data, at url: URL) throws -> Bool {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent)\(temporaryMarker)\(hostName)~\(getpid())~\(UInt64.random(in: 0...UInt64.max))")
        try writeAtomically(data, to: tmp, durable: false)
        defer { unlink(tmp.path) }
        if link(tmp.path, url.path) == 0 { return true }
        if errno == EEXIST { return false }
        throw StoreError(errno: errno, "cannot create \(url.path)")
    }

    /// The short host name (cached: Foundation's `hostName` may do a DNS lookup).
    static let hostName: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        let name = String(cString: buf)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "~", with: "-")
    }()

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
    /// The errno behind it, when a system call failed.
    public let code: Int32?
    public init(_ d: String, code: Int32? = nil) { description = d; self.code = code }
    /// "<what>: <strerror(code)>".
    init(errno code: Int32, _ what: String) { self.init("\(what): \(String(cString: strerror(code)))", code: code) }

    /// The output location itself is unusable — full, read-only, not ours, failing: every further
    /// write would fail the same way, so a sweep stops instead of failing point after point.
    public var isStorageFailure: Bool {
        guard let code else { return false }
        return [ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EIO, EFBIG].contains(code)
    }
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
    /// What the sweep is, as header lines for `plan.tsv` and every aggregate file (the same lines,
    /// so aggregating from the directory alone reproduces `sim run`'s files byte for byte).
    public var provenance: [String] {
        let s = scenario
        var lines = ["scenario: \(s.name) (\(s.path)); experiment: \(s.experiment.name); sweep: \(sweepID)"]
        lines.append(
            "scenario seed: \(s.seed); replicates per point: \(s.sweep.seeds); runs: \(points.count); run seeds derived from (seed, parameters, replicate)")
        if s.smoke { lines.append("smoke overrides applied") }
        if !s.overrides.isEmpty { lines.append("overrides: " + s.overrides.map { "--set \($0)" }.joined(separator: " ")) }
        if !axes.isEmpty {
            lines.append(
                "swept: " + axes.map { k in "\(k) ∈ {\((s.sweep.axis(k)?.values ?? []).map(\.description).joined(separator: ", "))}" }.joined(separator: "; "))
        }
        let fixed = s.fixedParameters
        lines.append("fixed: " + fixed.values.keys.sorted().map { "\($0)=\(fixed[$0].map(\.description) ?? "")" }.joined(separator: ", "))
        // One line each: a newline inside a value (a description, a string parameter) must not break the comment block.
        return lines.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") }
    }

    /// `plan.tsv`: provenance comments, then one line per run, in plan order.
    public func tsv() -> String {
        var lines = provenance.map { "# \($0)" }
        lines.append((["point_id", "group", "replicate", "seed"] + axes).joined(separator: "\t"))
        for p in points {
            lines.append(
                ([p.id, String(p.group), String(p.replicate), String(p.seed)]
                    + axes.map { p.coordinates[$0].map { "\($0)" } ?? "" }).joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
