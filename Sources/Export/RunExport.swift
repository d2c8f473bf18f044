import Foundation
import Plots
import Sim

/// `sim export`: the finished runs of one or more sweeps as tidy data — one row per
/// point × replicate × metric, and one row per point × replicate × series point — with the
/// scenario, the sweep id, every parameter, the status and the code fingerprint, for pandas, R or
/// any SQLite client.
public enum RunExport {
    /// One finished run: a point record with the sweep it belongs to.
    public struct Run: Sendable {
        public var scenario: String
        public var sweepID: String
        public var record: PointRecord
    }

    public struct Counts: Sendable, Equatable {
        public var sweeps = 0, runs = 0, metricRows = 0, seriesRows = 0
    }

    /// The sweep directories under `paths`: a sweep directory itself (it holds `plan.tsv` and
    /// `points/`), a `runs/` directory, or an output root holding `runs/`. Sorted, each once.
    public static func sweepDirectories(_ paths: [String]) throws -> [URL] {
        let fm = FileManager.default
        var out: [URL] = []
        for path in paths {
            let u = URL(fileURLWithPath: path).standardizedFileURL
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: u.path, isDirectory: &isDir), isDir.boolValue else {
                throw ExportError("\(path): no such directory (give an output root, its runs/ directory, or a sweep directory)")
            }
            // The engine's own lookup (`sim status`, `sim aggregate`), keeping sweeps that have run points.
            let found = SweepDirectory.find(under: u).filter { fm.fileExists(atPath: $0.appendingPathComponent("points").path) }
            guard !found.isEmpty else {
                throw ExportError("\(path): no sweeps found (expected runs/<scenario>/<sweep-id>/ with plan.tsv and points/)")
            }
            out += found
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.path).inserted }.sorted { $0.path < $1.path }
    }

    /// The finished runs of a sweep: every record whose `.done` marker exists, by point id and replicate.
    public static func runs(in sweep: URL) throws -> [Run] {
        let points = sweep.appendingPathComponent("points")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: points.path)) ?? []
        let done = Set(names.filter { $0.hasSuffix(".done") }.map { String($0.dropLast(5)) })
        var out: [Run] = []
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") && done.contains(String(name.dropLast(5))) {
            let url = points.appendingPathComponent(name)
            do {
                let record = try PointRecord.decode(try Data(contentsOf: url))
                out.append(Run(scenario: sweep.deletingLastPathComponent().lastPathComponent, sweepID: sweep.lastPathComponent, record: record))
            } catch {
                throw ExportError("\(url.path): not a readable point record: \(error)")
            }
        }
        return out.sorted { ($0.record.pointID, $0.record.replicate) < ($1.record.pointID, $1.record.replicate) }
    }

    /// Every parameter name of the runs, sorted: the parameter columns of the CSV exports.
    public static func parameterNames(_ runs: [Run]) -> [String] {
        Array(Set(runs.flatMap { $0.record.parameters.values.keys })).sorted()
    }

    /// A parameter as one cell: numbers and booleans as they are, lists as JSON-like `[a, b]`.
    public static func cell(_ v: ParamValue?) -> String {
        guard let v else { return "" }
        switch v {
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .list(let l): return "[" + l.map { cell($0) }.joined(separator: ", ") + "]"
        }
    }

    /// Shortest round-trip decimal; empty for NaN (a missing value to pandas); `inf` / `-inf`.
    public static func number(_ v: Double) -> String { TidyCSV.number(v) }

    static func csvField(_ s: String) -> String { TidyCSV.field(s) }

    /// A parameter as a JSON value (NaN and ±∞ as null).
    static func jsonValue(_ v: ParamValue) -> Any {
        switch v {
        case .int(let i): return i
        case .double(let d): return d.isFinite ? d : NSNull()
        case .string(let s): return s
        case .bool(let b): return b
        case .list(let l): return l.map(jsonValue)
        }
    }

    static let fixedColumns = ["scenario", "sweep_id", "point_id", "replicate", "seed", "status", "code_fingerprint", "experiment"]

    static func fixedCells(_ r: Run) -> [String] {
        [
            r.scenario, r.sweepID, r.record.pointID, String(r.record.replicate), String(r.record.seed), r.record.result.status.rawValue,
            r.record.code ?? "", r.record.experiment,
        ]
    }

    /// `metrics.csv` (…, every parameter, metric, value) and `series.csv` (…, every parameter,
    /// series, x, y) in `directory`. Parameters that clash with a fixed column get a `param_` prefix.
    public static func writeCSV(_ runs: [Run], to directory: URL) throws -> Counts {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let params = parameterNames(runs)
        let paramHeader = params.map { (fixedColumns + ["metric", "value", "series", "x", "y"]).contains($0) ? "param_" + $0 : $0 }
        var metrics = (fixedColumns + paramHeader + ["metric", "value"]).map(csvField).joined(separator: ",") + "\n"
        var series = (fixedColumns + paramHeader + ["series", "x", "y"]).map(csvField).joined(separator: ",") + "\n"
        var c = Counts(sweeps: Set(runs.map(\.sweepID)).count, runs: runs.count)
        for r in runs {
            let prefix = (fixedCells(r) + params.map { cell(r.record.parameters[$0]) }).map(csvField).joined(separator: ",")
            for (name, v) in r.record.result.metrics.sorted(by: { $0.key < $1.key }) {
                metrics += prefix + "," + csvField(name) + "," + number(v) + "\n"; c.metricRows += 1
            }
            for (name, s) in r.record.result.series.sorted(by: { $0.key < $1.key }) {
                let head = prefix + "," + csvField(name) + ","
                for (x, y) in zip(s.x, s.y) { series += head + number(x) + "," + number(y) + "\n"; c.seriesRows += 1 }
            }
        }
        try Data(metrics.utf8).write(to: directory.appendingPathComponent("metrics.csv"), options: .atomic)
        try Data(series.utf8).write(to: directory.appendingPathComponent("series.csv"), options: .atomic)
        return c
    }

    /// `metrics.jsonl` and `series.jsonl` in `directory`: one JSON object per row, parameters as a
    /// nested object with their own types, NaN as null.
    public static func writeJSONL(_ runs: [Run], to directory: URL) throws -> Counts {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func line(_ object: [String: Any]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
        }
        func value(_ d: Double) -> Any { d.isFinite ? d : NSNull() }
        var metrics = "", series = ""
        var c = Counts(sweeps: Set(runs.map(\.sweepID)).count, runs: runs.count)
        for r in runs {
            var base: [String: Any] = [:]
            for (k, v) in zip(fixedColumns, fixedCells(r)) { base[k] = v }
            base["replicate"] = r.record.replicate
            base["seed"] = r.record.seed
            base["code_fingerprint"] = r.record.code.map { $0 as Any } ?? NSNull()
            base["parameters"] = r.record.parameters.values.mapValues(jsonValue)
            for (name, v) in r.record.result.metrics.sorted(by: { $0.key < $1.key }) {
                var o = base; o["metric"] = name; o["value"] = value(v)
                metrics += try line(o); c.metricRows += 1
            }
            for (name, s) in r.record.result.series.sorted(by: { $0.key < $1.key }) {
                for (x, y) in zip(s.x, s.y) {
                    var o = base; o["series"] = name; o["x"] = value(x); o["y"] = value(y)
                    series += try line(o); c.seriesRows += 1
                }
            }
        }
        try Data(metrics.utf8).write(to: directory.appendingPathComponent("metrics.jsonl"), options: .atomic)
        try Data(series.utf8).write(to: directory.appendingPathComponent("series.jsonl"), options: .atomic)
        return c
    }
}

public struct ExportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
