import Foundation
import GRDB
import Sim

/// `sim export --format sqlite`: one SQLite database indexing every run under the given roots, so a
/// question across sweeps is one query from any SQLite client or `pandas.read_sql`.
///
/// Tables (every run is keyed by sweep_id, point_id, replicate):
/// - `sweeps(sweep_id, scenario, directory)`;
/// - `runs(sweep_id, point_id, replicate, seed, status, code_fingerprint, experiment, parameters)`,
///   `parameters` a JSON object (read one with `json_extract(parameters, '$.n_rel')`);
/// - `parameters(sweep_id, point_id, replicate, name, value)`: the same, one row per parameter
///   (numbers as REAL or INTEGER, text and lists as TEXT);
/// - `metrics(sweep_id, point_id, replicate, name, value)`, NULL for NaN;
/// - `series(sweep_id, point_id, replicate, name, x, y)`;
/// - the view `metric_rows`: metrics joined with their run and scenario.
///
/// Re-exporting into an existing file replaces it.
public enum SQLiteIndex {
    public static func write(_ runs: [RunExport.Run], sweeps: [URL], to file: URL) throws -> RunExport.Counts {
        let fm = FileManager.default
        try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tmp = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: tmp)
        var c = RunExport.Counts(sweeps: sweeps.count, runs: runs.count)
        do {
            let db = try DatabaseQueue(path: tmp.path)
            try db.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE sweeps (sweep_id TEXT PRIMARY KEY, scenario TEXT NOT NULL, directory TEXT NOT NULL);
                        CREATE TABLE runs (sweep_id TEXT NOT NULL REFERENCES sweeps(sweep_id), point_id TEXT NOT NULL, replicate INTEGER NOT NULL,
                                           seed INTEGER NOT NULL, status TEXT NOT NULL, code_fingerprint TEXT, experiment TEXT NOT NULL,
                                           parameters TEXT NOT NULL, PRIMARY KEY (sweep_id, point_id, replicate));
                        CREATE TABLE parameters (sweep_id TEXT NOT NULL, point_id TEXT NOT NULL, replicate INTEGER NOT NULL, name TEXT NOT NULL, value,
                                                 PRIMARY KEY (sweep_id, point_id, replicate, name));
                        CREATE TABLE metrics (sweep_id TEXT NOT NULL, point_id TEXT NOT NULL, replicate INTEGER NOT NULL, name TEXT NOT NULL, value REAL,
                                              PRIMARY KEY (sweep_id, point_id, replicate, name));
                        CREATE TABLE series (sweep_id TEXT NOT NULL, point_id TEXT NOT NULL, replicate INTEGER NOT NULL, name TEXT NOT NULL,
                                             x REAL, y REAL);
                        CREATE INDEX series_run ON series (sweep_id, point_id, replicate, name);
                        CREATE INDEX metrics_name ON metrics (name);
                        CREATE VIEW metric_rows AS
                            SELECT s.scenario, m.sweep_id, m.point_id, m.replicate, r.seed, r.status, r.code_fingerprint, r.experiment,
                                   r.parameters, m.name AS metric, m.value
                            FROM metrics m JOIN runs r USING (sweep_id, point_id, replicate) JOIN sweeps s USING (sweep_id);
                        """)
                for sweep in sweeps {
                    try db.execute(
                        sql: "INSERT INTO sweeps VALUES (?, ?, ?)",
                        arguments: [sweep.lastPathComponent, sweep.deletingLastPathComponent().lastPathComponent, sweep.path])
                }
                let insertRun = try db.makeStatement(sql: "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                let insertParameter = try db.makeStatement(sql: "INSERT INTO parameters VALUES (?, ?, ?, ?, ?)")
                let insertMetric = try db.makeStatement(sql: "INSERT INTO metrics VALUES (?, ?, ?, ?, ?)")
                let insertSeries = try db.makeStatement(sql: "INSERT INTO series VALUES (?, ?, ?, ?, ?, ?)")
                func real(_ v: Double) -> DatabaseValue { v.isNaN ? .null : v.databaseValue }
                for r in runs {
                    let key: [any DatabaseValueConvertible] = [r.sweepID, r.record.pointID, r.record.replicate]
                    let json = String(
                        decoding: try JSONSerialization.data(
                            withJSONObject: r.record.parameters.values.mapValues(RunExport.jsonValue),
                            options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
                    // UInt64 seeds above Int64.max are stored as their two's-complement Int64.
                    try insertRun.execute(
                        arguments: StatementArguments(
                            key + [
                                Int64(bitPattern: r.record.seed), r.record.result.status.rawValue,
                                r.record.code, r.record.experiment, json,
                            ]))
                    for (name, v) in r.record.parameters.values.sorted(by: { $0.key < $1.key }) {
                        try insertParameter.execute(arguments: StatementArguments(key + [name, parameterValue(v)]))
                    }
                    for (name, v) in r.record.result.metrics.sorted(by: { $0.key < $1.key }) {
                        try insertMetric.execute(arguments: StatementArguments(key + [name, real(v)])); c.metricRows += 1
                    }
                    for (name, s) in r.record.result.series.sorted(by: { $0.key < $1.key }) {
                        for (x, y) in zip(s.x, s.y) {
                            try insertSeries.execute(arguments: StatementArguments(key + [name, real(x), real(y)])); c.seriesRows += 1
                        }
                    }
                }
            }
            try db.close()
            if fm.fileExists(atPath: file.path) { try fm.removeItem(at: file) }
            try fm.moveItem(at: tmp, to: file)
        } catch {
            try? fm.removeItem(at: tmp)
            throw ExportError("cannot write the SQLite index \(file.path): \(error)")
        }
        return c
    }

    static func parameterValue(_ v: ParamValue) -> DatabaseValue {
        switch v {
        case .int(let i): return i.databaseValue
        case .double(let d): return d.isNaN ? .null : d.databaseValue
        case .bool(let b): return (b ? 1 : 0).databaseValue
        case .string(let s): return s.databaseValue
        case .list: return RunExport.cell(v).databaseValue
        }
    }
}
