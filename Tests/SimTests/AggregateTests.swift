import Foundation
import ProvableNumerics
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

@Suite("Aggregation and figures")
struct AggregateTests {
    init() { ToyExperiment.register() }

    private func close(_ a: Double, _ b: Double, tol: Double = 1e-12) -> Bool { abs(a - b) <= tol * max(1, abs(b)) }

    @Test("Summary: mean, sd and 95% t interval; NaN values kept but not counted")
    func summaryMath() {
        let s = Summary(values: [1, 2, 3, 4, 5])
        #expect(s.n == 5 && close(s.mean, 3) && close(s.sd, 2.5.squareRoot()))
        let half = 2.7764451051977987 * 2.5.squareRoot() / 5.0.squareRoot()
        #expect(close(s.ciLow, 3 - half, tol: 1e-9) && close(s.ciHigh, 3 + half, tol: 1e-9))
        let withNaN = Summary(values: [1, .nan, 3])
        #expect(withNaN.n == 2 && close(withNaN.mean, 2) && withNaN.values.count == 3)
        let one = Summary(values: [4])
        #expect(one.n == 1 && one.mean == 4 && one.sd.isNaN && one.ciLow.isNaN)
    }

    @Test("SeriesSummary: element-wise over replicates, ragged lengths and NaN-aware")
    func seriesMath() {
        let s = SeriesSummary(replicates: [
            Series(x: [0, 1, 2], y: [1, 2, 3]),
            Series(x: [0, 1, 2], y: [3, .nan, 5]),
            Series(x: [0, 1], y: [5, 6]),
        ])
        #expect(s.x == [0, 1, 2] && s.n == 3)
        #expect(close(s.mean[0], 3) && close(s.mean[1], 4) && close(s.mean[2], 4))
        #expect(close(s.sd[0], 2) && close(s.sd[1], 8.0.squareRoot()))
        #expect(close(s.ciHigh[0] - s.mean[0], Statistics.tQuantile(0.975, degreesOfFreedom: 2) * 2 / 3.0.squareRoot(), tol: 1e-9))
    }

    @Test("aggregate of a toy sweep: groups in plan order, per-metric and per-series summaries, TSV files")
    func aggregateSweep() throws {
        let tag = "agg-\(UUID())"
        let p = Plan(
            scenario: try loadScenario(
                """
                experiment: test.quadratic
                params: {tag: \(tag), length: 3, b: 1}
                sweep:
                  grid: {a: [1, 2, 3]}
                  seeds: 4
                figures:
                  - {id: A1_value, recipe: value_vs_a}
                """, name: "aggtoy.yaml"))
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: RunOptions(out: out, jobs: 2, progress: .silent))
        let agg = try Aggregator.aggregate(p, out: out)
        #expect(agg.scenarioName == "aggtoy" && agg.axes == ["a"])
        #expect(agg.groups.map { $0.coordinates["a"] } == [.double(1), .double(2), .double(3)])
        let layout = RunLayout(out: out, plan: p)
        for (g, a) in zip(agg.groups, [1.0, 2, 3]) {
            #expect(g.replicates == 4 && g.diverged == 0)
            let c = try #require(g.metrics["constant"])
            #expect(c.n == 4 && c.mean == a && c.sd == 0 && c.ciLow == a && c.ciHigh == a)
            // The mean of "value" is the mean of the four records' values.
            let values = p.points.filter { $0.coordinates["a"] == .double(a) }.map { pt -> Double in
                let r = try! Store.decoder().decode(PointRecord.self, from: Data(contentsOf: layout.record(pt.id)))
                return r.result.metrics["value"]!
            }
            #expect(close(g.metrics["value"]!.mean, Statistics.mean(values)))
            #expect(g.metrics["value"]!.values == values)
            let curve = try #require(g.series["curve"])
            #expect(curve.x == [0, 1, 2] && curve.n == 4 && abs(curve.mean[2] - 2 * a) < 0.5)
        }
        #expect(agg.provenance.contains { $0.contains("sweep: \(p.sweepID)") })

        // Files.
        let written = try Aggregator.write(agg, to: layout.aggregateDirectory)
        #expect(written.map(\.lastPathComponent) == ["metrics.tsv", "series_curve.tsv"])
        let metrics = try String(contentsOf: written[0], encoding: .utf8).split(separator: "\n")
        #expect(metrics.first?.hasPrefix("# scenario: aggtoy") == true)
        let rows = metrics.filter { !$0.hasPrefix("#") }
        #expect(
            rows[0]
                == "a\tn\tdiverged\tstatus\tconstant_mean\tconstant_sd\tconstant_ci_lo\tconstant_ci_hi\tnoise_mean\tnoise_sd\tnoise_ci_lo\tnoise_ci_hi\tvalue_mean\tvalue_sd\tvalue_ci_lo\tvalue_ci_hi"
        )
        #expect(rows.count == 4 && rows[2].hasPrefix("2.0\t4\t0\tok\t2\t0\t2\t2\t"))
        let series = try String(contentsOf: written[1], encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(series[0] == "a\tx\tmean\tsd\tci_lo\tci_hi\tn" && series.count == 1 + 3 * 3)

        // Aggregating the directory from its own files gives the same groups.
        let fromDir = try Aggregator.aggregate(sweepDirectories: [layout.sweepDirectory])
        #expect(fromDir.axes == agg.axes && fromDir.scenarioName == "aggtoy")
        #expect(fromDir.groups.map(\.metrics) == agg.groups.map(\.metrics))
        #expect(fromDir.groups.map(\.coordinates) == agg.groups.map(\.coordinates))
        // … and the same bytes.
        let again = makeTempDirectory()
        let rewritten = try Aggregator.write(fromDir, to: again)
        for (a, b) in zip(written, rewritten) { #expect(try Data(contentsOf: a) == Data(contentsOf: b), "\(a.lastPathComponent)") }

        // Figures: written under <out>/figures/<paper>/ with the request's id.
        let figs = try FigureBuilder.build(p, results: agg, out: out, render: false)
        #expect(figs.count == 1 && figs[0].tsv.lastPathComponent == "A1_value.tsv")
        #expect(figs[0].tsv.path.hasSuffix("figures/testpaper/A1_value.tsv"))
        #expect(FileManager.default.fileExists(atPath: figs[0].gp.path))
    }

    @Test("sharded sweeps: records are found across directories")
    func shards() throws {
        let tag = "shard-\(UUID())"
        let p = Plan(scenario: try loadScenario("experiment: test.quadratic\nparams: {tag: \(tag)}\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n"))
        let outA = makeTempDirectory(), outB = makeTempDirectory()
        _ = try Runner.run(p, options: RunOptions(out: outA, jobs: 1, progress: .silent))
        // Shard B holds a copy of half the points only.
        let a = RunLayout(out: outA, plan: p), b = RunLayout(out: outB, plan: p)
        try FileManager.default.createDirectory(at: b.pointsDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: a.planFile, to: b.planFile)
        for pt in p.points[0..<2] {
            try FileManager.default.moveItem(at: a.record(pt.id), to: b.record(pt.id))
            try FileManager.default.moveItem(at: a.done(pt.id), to: b.done(pt.id))
        }
        #expect(try Aggregator.aggregate(p, directories: [a.sweepDirectory]).groups.count == 1)
        let both = try Aggregator.aggregate(p, directories: [a.sweepDirectory, b.sweepDirectory])
        #expect(both.groups.count == 2 && both.groups.allSatisfy { $0.replicates == 2 })
        #expect(try Aggregator.aggregate(sweepDirectories: [a.sweepDirectory, b.sweepDirectory]).groups.count == 2)
    }

    @Test("a failing recipe names the figure; other figures are still written")
    func recipeFailure() throws {
        let tag = "fig-\(UUID())"
        let p = Plan(
            scenario: try loadScenario(
                """
                experiment: test.quadratic
                params: {tag: \(tag)}
                sweep: {grid: {a: [1, 2]}}
                figures:
                  - {id: F_broken, recipe: broken}
                  - {id: F_ok, recipe: value_vs_a, title: "custom title"}
                """))
        let out = makeTempDirectory()
        _ = try Runner.run(p, options: RunOptions(out: out, jobs: 1, progress: .silent))
        let agg = try Aggregator.aggregate(p, out: out)
        do {
            _ = try FigureBuilder.build(p, results: agg, out: out, render: false)
            Issue.record("expected a figure error")
        } catch let e as FigureBuildError {
            #expect(e.figureID == "F_broken" && e.description.contains("F_broken") && e.description.contains("always fails"))
        }
        let ok = RunLayout(out: out, plan: p).figuresDirectory(paper: "testpaper").appendingPathComponent("F_ok.gp")
        #expect(FileManager.default.fileExists(atPath: ok.path))
        #expect(try String(contentsOf: ok, encoding: .utf8).contains("custom title"))
    }
}
