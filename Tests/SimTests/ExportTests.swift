import Foundation
import Testing
@testable import Sim
import ProvableExport
import Plots

/// `sim export` and the figures' tidy `.csv`, read back by pandas as a user would: row counts
/// against the run store, one row per point × replicate × metric, parameters as columns, NaN as
/// missing, and a query across sweeps in the SQLite index.
@Suite("Tidy exports", .serialized)
struct ExportTests {
    init() { ToyExperiment.register() }

    /// pandas from the test script's virtual environment (`scripts/test.sh` makes `.venv-tools/`).
    static var python: String? {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["PROVABLE_PYTHON"], packageRoot.appendingPathComponent(".venv-tools/bin/python").path]
        return candidates.compactMap { $0 }.first { (p: String) -> Bool in
            let t = Process()
            t.executableURL = URL(fileURLWithPath: p); t.arguments = ["-c", "import pandas"]
            t.standardError = FileHandle.nullDevice
            return (try? t.run()) != nil
                && {
                    t.waitUntilExit(); return t.terminationStatus == 0
                }()
        }
    }

    /// Two sweeps in one output root: 3 points × 3 seeds of the toy (3 metrics and a 5-point curve
    /// each), and 2 diverged runs (one metric, NaN).
    static func store() throws -> URL {
        let out = makeTempDirectory("export")
        for yaml in [
            "experiment: test.quadratic\nname: toy_grid\nsweep: {grid: {a: [1, 2, 4]}, seeds: 3}\n",
            "experiment: test.quadratic\nname: toy_diverged\nparams: {mode: diverge}\nsweep: {seeds: 2}\n",
        ] {
            let plan = Plan(scenario: try loadScenario(yaml, name: "s.yaml"))
            _ = try Runner.run(plan, options: RunOptions(out: out, jobs: 2, progress: .silent))
        }
        return out
    }

    @Test("csv, jsonl and the SQLite index load in pandas with the run store's row counts")
    func pandasLoadsExports() throws {
        let out = try Self.store()
        let sweeps = try RunExport.sweepDirectories([out.path])
        #expect(sweeps.count == 2)
        let runs = try sweeps.flatMap { try RunExport.runs(in: $0) }
        // The run store, counted without the exporter: every .done marker.
        let done = try sweeps.map {
            try FileManager.default.contentsOfDirectory(atPath: $0.appendingPathComponent("points").path).filter { $0.hasSuffix(".done") }.count
        }
        #expect(runs.count == done.reduce(0, +) && runs.count == 11)
        let dir = makeTempDirectory("export-files")
        let csv = try RunExport.writeCSV(runs, to: dir.appendingPathComponent("csv"))
        let jsonl = try RunExport.writeJSONL(runs, to: dir.appendingPathComponent("jsonl"))
        let sqlite = try SQLiteIndex.write(runs, sweeps: sweeps, to: dir.appendingPathComponent("runs.sqlite"))
        #expect(csv == jsonl && csv == sqlite)
        #expect(csv.metricRows == 9 * 3 + 2 && csv.seriesRows == 9 * 5)

        guard let python = Self.python else {
            if ProcessInfo.processInfo.environment["PROVABLE_REQUIRE_PANDAS"] == "1" {
                Issue.record("pandas is required (PROVABLE_REQUIRE_PANDAS=1) but not importable")
            }
            return
        }
        let script = """
            import json, sqlite3, sys, pandas as pd
            d = sys.argv[1]
            m = pd.read_csv(d + '/csv/metrics.csv'); s = pd.read_csv(d + '/csv/series.csv')
            mj = pd.read_json(d + '/jsonl/metrics.jsonl', lines=True); sj = pd.read_json(d + '/jsonl/series.jsonl', lines=True)
            con = sqlite3.connect(d + '/runs.sqlite')
            q = pd.read_sql("SELECT scenario, metric, count(*) AS n FROM metric_rows GROUP BY scenario, metric ORDER BY 1, 2", con)
            print(json.dumps({
                'csv_metrics': len(m), 'csv_series': len(s), 'jsonl_metrics': len(mj), 'jsonl_series': len(sj),
                'sql_metrics': int(pd.read_sql('SELECT count(*) AS n FROM metrics', con).n[0]),
                'sql_series': int(pd.read_sql('SELECT count(*) AS n FROM series', con).n[0]),
                'sweeps': int(m.sweep_id.nunique()), 'runs': int(m.groupby(['sweep_id', 'point_id', 'replicate']).ngroups),
                'per_a': {str(k): int(v) for k, v in m[m.scenario == 'toy_grid'].groupby('a').size().items()},
                'nan_values': int(m.value.isna().sum()), 'diverged': int((m.status == 'diverged').sum()),
                'value_mean_a4': float(m[(m.metric == 'value') & (m.a == 4)].value.mean()),
                'query': q.to_dict('records'),
            }))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, dir.path]
        let pipe = Pipe(); p.standardOutput = pipe
        let err = Pipe(); p.standardError = err
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        let r = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(r["csv_metrics"] as? Int == 29 && r["jsonl_metrics"] as? Int == 29 && r["sql_metrics"] as? Int == 29)
        #expect(r["csv_series"] as? Int == 45 && r["jsonl_series"] as? Int == 45 && r["sql_series"] as? Int == 45)
        #expect(r["sweeps"] as? Int == 2 && r["runs"] as? Int == 11)
        #expect(r["per_a"] as? [String: Int] == ["1.0": 9, "2.0": 9, "4.0": 9])
        #expect(r["nan_values"] as? Int == 2 && r["diverged"] as? Int == 2)
        // The mean of `value` at a = 4 read by pandas equals the aggregated mean of the run store.
        let plan = Plan(scenario: try loadScenario("experiment: test.quadratic\nname: toy_grid\nsweep: {grid: {a: [1, 2, 4]}, seeds: 3}\n", name: "s.yaml"))
        let agg = try Aggregator.aggregate(plan, out: out)
        let mean = try agg.metric("value", in: try agg.claimGroup(["a": .double(4)])).mean
        #expect(abs((r["value_mean_a4"] as? Double ?? .nan) - mean) < 1e-12)
        // Across sweeps, one query: 3 metrics × 9 runs in one scenario, 1 × 2 in the other.
        let query = try #require(r["query"] as? [[String: Any]])
        #expect(
            query.map { "\($0["scenario"]!)/\($0["metric"]!)=\($0["n"]!)" } == [
                "toy_diverged/value=2", "toy_grid/constant=9", "toy_grid/noise=9", "toy_grid/value=9",
            ])
    }

    @Test("every committed figure's tidy .csv loads in pandas, with a series column and as many rows as drawn values")
    func committedFigureTables() throws {
        let figures = packageRoot.appendingPathComponent("figures")
        let csvs = filesRecursively(figures).filter { $0.hasSuffix(".csv") }
        let tsvs = filesRecursively(figures).filter { $0.hasSuffix(".tsv") }
        #expect(!csvs.isEmpty)
        #expect(Set(csvs.map { String($0.dropLast(4)) }) == Set(tsvs.map { String($0.dropLast(4)) }), "every figure .tsv has its .csv")
        guard let python = Self.python else {
            if ProcessInfo.processInfo.environment["PROVABLE_REQUIRE_PANDAS"] == "1" {
                Issue.record("pandas is required (PROVABLE_REQUIRE_PANDAS=1) but not importable")
            }
            return
        }
        let script = """
            import json, sys, pandas as pd
            out = {}
            for f in sys.argv[2:]:
                t = pd.read_csv(sys.argv[1] + '/' + f)
                out[f] = [list(t.columns), len(t), int(t.series.nunique())]
            print(json.dumps(out))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, figures.path] + csvs
        let pipe = Pipe(); p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let r = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [Any]])
        #expect(r.count == csvs.count)
        for (f, v) in r {
            let columns = v[0] as? [String] ?? []
            #expect(columns.first == "series" || columns.first == "claim", "\(f): \(columns)")
            #expect((v[1] as? Int ?? 0) > 0, "\(f) has no rows")
        }
    }
}
