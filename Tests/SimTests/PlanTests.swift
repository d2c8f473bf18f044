import Foundation
import ProvableNumerics
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

@Suite("Plan expansion, seeds and ids")
struct PlanTests {
    init() { ToyExperiment.register() }

    private func plan(_ yaml: String, options: ScenarioOptions = ScenarioOptions()) throws -> Plan {
        Plan(scenario: try loadScenario(yaml, options: options))
    }

    @Test("grid × zip × seeds expansion counts and order")
    func counts() throws {
        let p = try plan(
            """
            experiment: test.quadratic
            sweep:
              grid: {a: [1, 2, 3], b: [1, 2]}
              zip: {rate: [0.1, 0.2, 0.3, 0.4], length: [1, 2, 3, 4]}
              seeds: 3
            """)
        #expect(p.groups.count == 3 * 2 * 4)
        #expect(p.points.count == 3 * 2 * 4 * 3)
        #expect(p.points.map(\.index) == Array(0..<72))
        // Replicates innermost, each group's replicates contiguous.
        #expect(p.points[0..<3].map(\.replicate) == [0, 1, 2])
        #expect(Set(p.points[0..<3].map(\.group)) == [0])
        #expect(Set(p.points.map(\.id)).count == 72)
        #expect(Set(p.points.map(\.seed)).count == 72)
        // Single point, no sweep block.
        let single = try plan("experiment: test.quadratic\n")
        #expect(single.points.count == 1 && single.groups[0].coordinates.isEmpty)
    }

    @Test("a point's seed is SeedDerivation.runSeed of its canonical parameters")
    func seedDerivation() throws {
        let p = try plan("experiment: test.quadratic\nseed: 42\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n")
        for pt in p.points {
            #expect(pt.seed == SeedDerivation.runSeed(scenarioSeed: 42, canonicalParameters: pt.parameters.canonical(), replicate: pt.replicate))
            #expect(pt.canonical == pt.parameters.canonical())
        }
    }

    @Test("an execution option (precision) leaves run seeds alone, and ids and the sweep id alone at its default")
    func executionOptions() throws {
        let base = "experiment: lowrank.train\nseed: 5\nsweep: {grid: {n_rel: [3, 6]}, seeds: 2}\n"
        let implicit = try plan(base)
        let explicit = try plan(base + "params: {precision: double}\n")
        let float = try plan(base + "params: {precision: float}\n")
        #expect(implicit.points.map(\.id) == explicit.points.map(\.id) && implicit.sweepID == explicit.sweepID)
        #expect(!implicit.points[0].canonical.contains("precision"))
        #expect(implicit.points.map(\.seed) == float.points.map(\.seed), "Float runs must see their Double twins' data")
        #expect(Set(implicit.points.map(\.id)).isDisjoint(with: float.points.map(\.id)) && implicit.sweepID != float.sweepID)
        #expect(float.points[0].canonical.contains("precision=float"))
        // An ordinary parameter still moves the seed.
        let other = try plan(base + "params: {tau: 0.2}\n")
        #expect(Set(implicit.points.map(\.seed)).isDisjoint(with: other.points.map(\.seed)))
    }

    @Test("seeds and ids do not depend on plan order or on other points")
    func orderIndependence() throws {
        let a = try plan("experiment: test.quadratic\nsweep: {grid: {a: [1, 2, 3], b: [4, 5]}, seeds: 2}\n")
        // Reordered axes and values, one more value, more replicates.
        let b = try plan("experiment: test.quadratic\nsweep: {grid: {b: [5, 4], a: [3, 7, 1, 2]}, seeds: 4}\n")
        let seedsB = Dictionary(uniqueKeysWithValues: b.points.map { ("\($0.canonical)#\($0.replicate)", ($0.seed, $0.id)) })
        for p in a.points {
            let match = try #require(seedsB["\(p.canonical)#\(p.replicate)"])
            #expect(match.0 == p.seed && match.1 == p.id)
        }
        // A value typed as 2.0 or 2 for a double parameter is the same point.
        let c = try plan("experiment: test.quadratic\nparams: {a: 2.0}\n")
        let d = try plan("experiment: test.quadratic\nparams: {a: 2}\n")
        #expect(c.points[0].id == d.points[0].id)
        // A different scenario seed changes every run seed.
        let e = try plan("experiment: test.quadratic\nseed: 2\nsweep: {grid: {a: [1, 2, 3], b: [4, 5]}, seeds: 2}\n")
        #expect(Set(e.points.map(\.seed)).isDisjoint(with: a.points.map(\.seed)))
    }

    @Test("sweep id: stable when adding seeds or axis values, new when fixed parameters, seed or axes change")
    func sweepID() throws {
        let base = try plan("experiment: test.quadratic\nparams: {b: 3}\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n", options: ScenarioOptions())
        func id(_ yaml: String) throws -> String { try plan(yaml).sweepID }
        #expect(base.sweepID.hasPrefix("toy-") && base.sweepID.count == "toy-".count + 8)
        #expect(try id("experiment: test.quadratic\nparams: {b: 3}\nsweep: {grid: {a: [1, 2, 5]}, seeds: 9}\n") == base.sweepID)
        #expect(
            try id("experiment: test.quadratic\nparams: {b: 3}\nfigures: [{id: X, recipe: broken}]\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n") == base.sweepID)
        #expect(try id("experiment: test.quadratic\nparams: {b: 4}\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n") != base.sweepID)
        #expect(try id("experiment: test.quadratic\nseed: 3\nparams: {b: 3}\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n") != base.sweepID)
        #expect(try id("experiment: test.quadratic\nparams: {b: 3}\nsweep: {grid: {a: [1, 2], rate: [1]}, seeds: 2}\n") != base.sweepID)
        #expect(try id("experiment: test.quadratic\nparams: {b: 3}\nsweep: {zip: {a: [1, 2]}, seeds: 2}\n") != base.sweepID)
    }

    @Test("plan.tsv lists every run with its coordinates")
    func planTSV() throws {
        let p = try plan("experiment: test.quadratic\nsweep: {grid: {a: [1, 2]}, seeds: 2}\n")
        let lines = p.tsv().split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.first == "point_id\tgroup\treplicate\tseed\ta")
        #expect(lines.count == 5)
        #expect(lines[1].hasPrefix(p.points[0].id + "\t0\t0\t") && lines[1].hasSuffix("\t1.0"))
    }
}
