import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// A run whose loss becomes NaN/∞ or explodes is recorded as diverged with its step, the sweep goes
/// on, the summary and `sim status` list it, and aggregates and figures show it as missing (NaN), not 0.
@Suite("Divergence, end to end (low-rank experiment)")
struct DivergenceTests {

    @Test("learning_rate = 1e6 diverges: recorded with step, listed, NaN in metrics.tsv and in the figure's data")
    func hugeLearningRate() throws {
        // R8b's smoke variant with one absurd step size added to the η axis.
        let path = packageRoot.appendingPathComponent("scenarios/lowrank/r8_iteration_scaling_eta.yaml").path
        let plan = Plan(
            scenario: try ScenarioLoader.load(
                path,
                options: ScenarioOptions(
                    smoke: true, overrides: ["sweep.grid.learning_rate=[0.5, 1, 1e6]", "params.T=600"])))
        let out = makeTempDirectory("diverge")
        let report = try Runner.run(plan, options: RunOptions(out: out, jobs: 2, progress: .silent, argv: ["test"]))
        #expect(report.executed == plan.points.count && report.failed.isEmpty && report.isComplete)
        #expect(report.diverged.count == 2)
        for d in report.diverged {
            #expect(d.coordinates == "learning_rate=1000000.0")
            #expect(d.message.hasPrefix("diverged at step ") && d.message.contains("batch loss"), "\(d.message)")
        }
        #expect(report.summary.contains("2 diverged") && report.summary.contains("diverged at step"))

        // The record keeps the step and the reason; the .done marker says diverged.
        let layout = RunLayout(out: out, plan: plan)
        for p in plan.points where p.coordinates["learning_rate"] == .double(1e6) {
            let rec = try Store.decoder().decode(PointRecord.self, from: Data(contentsOf: layout.record(p.id)))
            #expect(rec.result.status == .diverged && (rec.result.divergedAtStep ?? 0) >= 1 && rec.result.note != nil)
            #expect(rec.parameters["learning_rate"] == .double(1e6))
        }
        let status = try SweepStatus.scan([layout.sweepDirectory])
        #expect(status.count(.diverged) == 2 && status.count(.done) == plan.points.count - 2 && status.isComplete)
        #expect(status.summary.contains("diverged    ") && status.summary.contains("learning_rate=1000000.0"))

        // Aggregate: the all-diverged group has every metric as NaN with n = 0, and status `diverged`.
        let agg = try Aggregator.aggregate(plan, out: out)
        let bad = try #require(agg.groups.first { $0.coordinates["learning_rate"] == .double(1e6) })
        let good = try #require(agg.groups.first { $0.coordinates["learning_rate"] == .double(1) })
        #expect(bad.replicates == 2 && bad.diverged == 2)
        #expect(Set(bad.metrics.keys) == Set(good.metrics.keys) && bad.metrics["T_star"]?.mean.isNaN == true)
        #expect(bad.metrics.values.allSatisfy { $0.n == 0 && $0.mean.isNaN })
        #expect(good.metrics["T_star"].map { $0.mean.isFinite && $0.mean > 0 } == true)
        let files = try Aggregator.write(agg, to: layout.aggregateDirectory)
        let rows = try String(contentsOf: files[0], encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let header = rows[0].split(separator: "\t").map(String.init)
        let badRow = try #require(rows.first { $0.hasPrefix("1000000.0\t") }).split(separator: "\t").map(String.init)
        #expect(badRow[1] == "0" && badRow[2] == "2" && badRow[3] == "diverged")
        let tstar = try #require(header.firstIndex(of: "T_star_mean"))
        #expect(badRow[tstar] == "nan" && badRow[4...].allSatisfy { $0 == "nan" })

        // The figure recipe receives NaN and writes NaN (a gap), never 0.
        let figs = try FigureBuilder.build(plan, results: agg, out: out, render: false)
        let tsv = try String(contentsOf: try #require(figs.first).tsv, encoding: .utf8)
        let measured = tsv.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }
            .prefix { !$0.isEmpty }  // first block: the measured points
        let atHuge = try #require(measured.first { $0.hasPrefix("1000000\t") || $0.hasPrefix("1e+06\t") }, "\(tsv)")
        #expect(atHuge.split(separator: "\t")[1] == "NaN", "\(atHuge)")
    }
}
