import Foundation
import ProvableNumerics
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// The seed-resampling bootstrap behind exponent and threshold claims (`AggregateResults.bootstrap`,
/// `Bootstrap.interval`), checked on synthetic sweeps whose true exponent is known.
@Suite("Bootstrap intervals over seeds")
struct BootstrapTests {
    /// A sweep over x with `seeds` replicates per point of y = 3·x^k·exp(σ·z), z standard normal.
    static func powerLawSweep(k: Double, xs: [Double], seeds: Int, sigma: Double, rng: inout RNG) -> AggregateResults {
        let groups = xs.map { x -> AggregateGroup in
            let ys = (0..<seeds).map { _ in 3 * pow(x, k) * exp(sigma * rng.gaussian()) }
            var p = Parameters()
            p.values["x"] = .double(x)
            return AggregateGroup(
                parameters: p, coordinates: ["x": .double(x)], replicates: seeds, diverged: 0,
                metrics: ["y": Summary(values: ys)], series: [:])
        }
        return AggregateResults(scenarioName: "synthetic", groups: groups, axes: ["x"], provenance: [])
    }

    static func exponent(_ r: AggregateResults) -> Double {
        ClaimStatistics.exponent(x: r.groups.map { $0.parameters.double("x") }, y: r.groups.map { $0.metrics["y"]?.mean ?? .nan })
    }

    @Test("covers a known exponent at about its nominal 95% rate (6 points over a decade, 5 seeds each)")
    func coverage() throws {
        var rng = RNG(seed: 20261203, stream: "coverage")
        let xs = [1, 1.6, 2.5, 4, 6.3, 10].map { Double($0) }
        let trials = 300
        var covered = 0, widths: [Double] = []
        for _ in 0..<trials {
            let r = Self.powerLawSweep(k: -1, xs: xs, seeds: 5, sigma: 0.3, rng: &rng)
            let m = try r.bootstrap(resamples: 1000) { Self.exponent($0) }
            if m.ciLow <= -1 && -1 <= m.ciHigh { covered += 1 }
            widths.append(m.ciHigh - m.ciLow)
        }
        let rate = Double(covered) / Double(trials)
        // Binomial sd at 0.95 over 300 trials is 0.0126: 3 sd below nominal is 0.912. The union with
        // the t-scaled SE is meant to be a little conservative at 5 seeds, not wildly so.
        #expect(rate >= 0.912, "coverage \(rate)")
        #expect(rate <= 0.995, "coverage \(rate): the interval is far wider than it needs to be")
        // A plain percentile interval undercovers at 5 seeds: the reason for the t-scaled part.
        #expect(Statistics.median(widths) > 0)
    }

    @Test("for a plain mean the interval is the Student t interval (up to resampling noise)")
    func meanMatchesT() throws {
        var rng = RNG(seed: 7, stream: "mean")
        let r = Self.powerLawSweep(k: 0, xs: [1], seeds: 6, sigma: 0.5, rng: &rng)
        let m = try r.bootstrap { $0.groups[0].metrics["y"]!.mean }
        let t = r.groups[0].metrics["y"]!
        #expect(abs(m.ciLow - t.ciLow) < 0.1 * (t.ciHigh - t.ciLow), "bootstrap [\(m.ciLow), \(m.ciHigh)] vs t [\(t.ciLow), \(t.ciHigh)]")
        #expect(abs(m.ciHigh - t.ciHigh) < 0.1 * (t.ciHigh - t.ciLow))
        #expect(m.method == .bootstrap && m.seeds == 6)
    }

    @Test("resamples keep paired quantities paired and are deterministic")
    func pairedAndDeterministic() throws {
        var p = Parameters()
        p.values["x"] = .double(1)
        let a = [1.0, 2, 3, 4, 5], b = a.map { $0 + 10 }
        let g = AggregateGroup(
            parameters: p, coordinates: [:], replicates: 5, diverged: 0,
            metrics: ["a": Summary(values: a), "b": Summary(values: b)],
            series: [
                "s": SeriesSummary(
                    x: [0, 1], mean: [0, 0], sd: [0, 0], ciLow: [0, 0], ciHigh: [0, 0], n: 5,
                    replicateY: a.map { [$0, $0 + 10] })
            ])
        let r = AggregateResults(scenarioName: "paired", groups: [g], axes: [], provenance: [])
        var rng = RNG(seed: 1, stream: "x")
        for _ in 0..<50 {
            let s = r.resampled(&rng).groups[0]
            #expect(zip(s.metrics["a"]!.values, s.metrics["b"]!.values).allSatisfy { $1 - $0 == 10 })
            #expect(zip(s.metrics["a"]!.values, s.series["s"]!.replicateY).allSatisfy { $1 == [$0, $0 + 10] })
        }
        // The paired difference has no spread at all: its interval is the point.
        let d = try r.bootstrap { r in Statistics.mean(zip(r.groups[0].metrics["b"]!.values, r.groups[0].metrics["a"]!.values).map { $0 - $1 }) }
        #expect(d.ciLow == 10 && d.ciHigh == 10)
        #expect(try r.bootstrap { $0.groups[0].metrics["a"]!.mean } == r.bootstrap { $0.groups[0].metrics["a"]!.mean })
    }

    @Test("a threshold missing in more than 2.5% of resamples gives an unbounded interval (inconclusive), not a fit of the rest")
    func failuresWiden() {
        let ci = Bootstrap.interval(estimate: 1, resampled: Array(repeating: 1.0, count: 90) + Array(repeating: .nan, count: 10), seeds: 5)
        #expect(ci.lower == -.infinity && ci.upper == .infinity)
        let ok = Bootstrap.interval(estimate: 1, resampled: (0..<1000).map { Double($0) / 1000 + 0.5 } + [.nan], seeds: 5)
        #expect(ok.lower.isFinite && ok.upper.isFinite)
        #expect(ClaimStatistics.exponent(x: [1, 2, 4], y: [1, .nan, 4]).isNaN)  // a missing point: no fit
        #expect(abs(ClaimStatistics.exponent(x: [1, 2, 4], y: [1, 2, 4]) - 1) < 1e-12)
    }

    @Test("grid tolerance: log(step)·Σ max(wᵢ, 0) of the least-squares weights")
    func gridTolerance() {
        #expect(abs(ClaimStatistics.gridTolerance(x: [1, 10], step: 2) - log10(2)) < 1e-12)
        // Brute force: the largest slope change from per-point errors in [0, log step].
        let xs = [3.75, 5, 7.5, 10, 15]
        var worst = 0.0
        for mask in 0..<(1 << xs.count) {
            let y = xs.indices.map { mask & (1 << $0) != 0 ? 2.0 : 1.0 }
            worst = max(worst, ClaimStatistics.exponent(x: xs, y: y))
        }
        #expect(abs(ClaimStatistics.gridTolerance(x: xs, step: 2) - worst) < 1e-12)
    }
}

/// Exponent claims are fitted on at least 5 grid values, and the grids the claims' finite-size
/// tolerances are computed from are the scenarios' own.
@Suite("Exponent claims: grids")
struct ExponentGridTests {
    /// (claim, scenario axis or list parameter the exponent is fitted over).
    static let exponentClaims: [(id: String, axis: String)] = [
        ("lowrank.P2a", "n_rel"), ("lowrank.P2b", "learning_rate"), ("lowrank.P9", "n_rel"),
        ("icl.T1b", "alpha"), ("icl.T1c", "eval_alphas"), ("icl.T1d", "alpha"),
        ("graph.P1", "gamma_d"), ("moe.T3a", "d"), ("moe.T3b", "d"), ("moe.T3c", "d"),
    ]

    static func values(_ claimID: String, _ axis: String) throws -> [Double] {
        _ = packageRoot  // registers the papers and the scenario-file claims
        let claim = try #require(ClaimRegistry.all.first { $0.id == claimID })
        let scenario = try ScenarioLoader.load(packageRoot.appendingPathComponent(claim.scenario).path)
        let points = scenario.points()
        var xs = Set(points.compactMap { $0.parameters[axis]?.doubleValue })
        if xs.count <= 1, let list = points.first?.parameters.doubles(axis), !list.isEmpty { xs = Set(list) }
        return xs.sorted()
    }

    @Test("every exponent claim fits ≥ 5 grid values", arguments: exponentClaims.map(\.id))
    func fiveGridValues(_ id: String) throws {
        let axis = try #require(Self.exponentClaims.first { $0.id == id }).axis
        var xs = try Self.values(id, axis)
        if id == "icl.T1b" { xs = xs.filter { $0 < 1 } }  // T1b fits α < 1: at α = 1 success stays ≤ 0.6 at every l_tr, so l_tr* is undefined there
        #expect(xs.count >= 5, "\(id) fits \(xs.count) values of \(axis): \(xs)")
    }

    @Test("the grids behind the finite-size tolerances are the scenarios' grids")
    func tolerancesUseScenarioGrids() throws {
        #expect(try Self.values("icl.T1c", "eval_alphas") == ICLClaims.t1cAlphas)
    }

    /// A band typed in a scenario's `claims:` block that comes from a finite-size formula equals the
    /// formula evaluated at the scenario's own grid, so a changed grid cannot leave a stale band.
    @Test("typed threshold-exponent bands equal the grid-tolerance formula at the scenario's grid")
    func typedBandsMatchFormula() throws {
        func rule(_ id: String) throws -> VerdictRule { try #require(ClaimRegistry.all.first { $0.id == id }).rule }
        // P9: N* on a doubling grid, against 1/α_* = L/n_rel (L = 30).
        let inverseAlphas = try Self.values("lowrank.P9", "n_rel").map { 30 / $0 }
        #expect(abs(try rule("lowrank.P9").bandHigh - (2 + ClaimStatistics.gridTolerance(x: inverseAlphas, step: 2))) < 1e-12)
        // graph.P1: N* on a |L| grid of ratio ≤ 1.5, against γ_d.
        let gammas = try Self.values("graph.P1", "gamma_d")
        #expect(abs(try rule("graph.P1").bandLow - (-2 - ClaimStatistics.gridTolerance(x: gammas, step: 1.5))) < 1e-12)
        // icl.T1b: the retrieval threshold's finite-range slope plus the l_tr grid's tolerance, over α < 1.
        let alphas = try Self.values("icl.T1b", "alpha").filter { $0 < 1 }
        let t1bLow = -1 + (ICLClaims.retrievalSlope(alphas) + 1) - ClaimStatistics.gridTolerance(x: alphas, step: ICLClaims.lengthGridStep)
        #expect(abs(try rule("icl.T1b").bandLow - t1bLow) < 1e-12)
    }
}

/// `sim verify --until-conclusive`: more seeds for inconclusive claims, finished points reused.
@Suite("Verify until conclusive", .serialized)
struct UntilConclusiveTests {
    init() { ToyExperiment.register() }

    /// The toy's `noise` metric is one standard normal draw per seed: its mean's t interval at 2 seeds
    /// spans about ±12, so "mean ≥ −0.9" is inconclusive there and decided with a few dozen seeds.
    static func claim(_ tag: String) -> Claim {
        Claim(
            id: "testpaper.noise", paper: "testpaper", statement: "the toy noise has mean ≥ −0.9", prediction: "mean ≥ −0.9",
            statistic: "mean noise over seeds", scenario: "toy.yaml", figure: nil,
            rule: .atLeast(-0.9, .mechanism, "test")
        ) { r in try r.claimMetric("noise") }
    }

    /// The first scenario seed (deterministic search) whose 2-seed verification is inconclusive.
    static func inconclusiveStart(_ prefix: String) throws -> (root: URL, out: URL, tag: String) {
        for seed in 1...40 {
            let tag = "\(prefix)-\(seed)"
            let root = writeScenarioFiles(["toy.yaml": "experiment: test.quadratic\nseed: \(seed)\nparams: {tag: \(tag)}\nsweep: {seeds: 2}\n"])
            let out = makeTempDirectory("until")
            let plain = Verifier.run([claim(tag)], options: VerifyOptions(out: out, root: root, jobs: 2, progress: .silent))
            if plain.outcomes[0].verdict == .inconclusive { return (root, out, tag) }
        }
        throw RecipeError("no scenario seed in 1…40 gave an inconclusive 2-seed verdict")
    }

    @Test("an inconclusive claim gets more seeds until it is decided; the committed replicates are reused")
    func extends() throws {
        let (root, out, tag) = try Self.inconclusiveStart("extends")
        #expect(ToyCounter.count(tag) == 2)
        var options = VerifyOptions(out: out, root: root, jobs: 2, progress: .silent)
        options.untilConclusive = true
        options.maxSeeds = 40
        let v = Verifier.run([Self.claim(tag)], options: options)
        let o = v.outcomes[0]
        #expect(o.verdict != .inconclusive, "\(o.verdict): \(o.measurement?.text ?? "-")")
        let seeds = try #require(o.extendedTo)
        #expect(seeds > 2 && seeds <= 40 && o.measurement?.seeds == seeds)
        // Every replicate ran once: the 2 committed ones were reused, not re-run.
        #expect(ToyCounter.count(tag) == seeds)
        // The report says which seeds each verdict used.
        #expect(VerificationReport.seedsText(o).contains("until-conclusive"))
    }

    @Test("a claim that stays inconclusive stops at --max-seeds with an estimate of the seeds it needs")
    func stopsAtMax() throws {
        let (root, out, tag) = try Self.inconclusiveStart("max")
        var options = VerifyOptions(out: out, root: root, jobs: 2, progress: .silent)
        options.untilConclusive = true
        options.maxSeeds = 3
        let o = Verifier.run([Self.claim(tag)], options: options).outcomes[0]
        #expect(o.extendedTo == 3)
        if o.verdict == .inconclusive { #expect(o.claim.rule.seedsNeeded(try #require(o.measurement)) ?? 0 > 3) }
    }
}
