import Foundation
import Testing
import ProvableNumerics
@testable import Sim
import ProvablePapers

/// Claims declared in scenario files (`claims:`): the vocabulary computes what the Swift helpers
/// compute, every bad key is an error naming file, line and key, and the registry finds them.
@Suite("Claims in scenario files", .serialized)
struct ScenarioClaimsTests {
    init() { ToyExperiment.register() }

    static let sweep = """
        experiment: test.quadratic
        params: {b: 3}
        sweep:
          grid: {a: [1, 2, 4]}
          seeds: 6
        figures:
          - {id: F1, recipe: value_vs_a}
        """

    static func claims(_ block: String) -> String { sweep + "\nclaims:\n" + block }

    @Test("each statistic of the vocabulary gives the Swift helpers' value, and its verdict")
    func vocabulary() throws {
        let yaml = Self.claims(
            """
              - {id: t.metric, statement: s, prediction: p, figure: F1, measure: {metric: value, at: {a: 2}}, kind: mechanism, predicted: 6, band: [6.5, null], rationale: r}
              - {id: t.exponent, statement: s, prediction: p, measure: {exponent: value, against: a}, kind: exact, predicted: 1, band: [0.5, 1.5], rationale: r}
              - {id: t.difference, statement: s, prediction: p, measure: {difference: value, a: {a: 4}, b: {a: 1}}, kind: mechanism, predicted: 15, band: [14, 16], rationale: r}
              - {id: t.fraction, statement: s, prediction: p, measure: {fraction: value, at_least: 18, at: {a: 4}}, kind: mechanism, predicted: 0.5, band: [0.1, 1], rationale: r}
              - {id: t.argmax, statement: s, prediction: p, measure: {argmax: value, over: a}, kind: exact, predicted: 4, band: [3.5, 4.5], rationale: r}
            """)
        let scenario = try loadScenario(yaml, name: "claims.yaml")
        #expect(scenario.claims.map(\.id) == ["t.metric", "t.exponent", "t.difference", "t.fraction", "t.argmax"])
        let plan = Plan(scenario: scenario)
        let out = makeTempDirectory("yaml-claims")
        _ = try Runner.run(plan, options: RunOptions(out: out, jobs: 2, progress: .silent))
        let r = try Aggregator.aggregate(plan, out: out)
        let outcomes = Dictionary(uniqueKeysWithValues: scenario.claims.map { ($0.id, $0.claim(paper: "testpaper", scenario: "s.yaml").evaluate(r)) })

        // value = a² + b + 0.1·noise: at a = 2 about 7.
        let metric = try #require(outcomes["t.metric"]?.measurement)
        #expect(metric == (try r.claimMetric("value", ["a": .int(2)])))
        #expect(outcomes["t.metric"]?.verdict == .holds)
        #expect(outcomes["t.exponent"]?.measurement == (try r.exponentClaim("value", against: "a")))
        // Paired by replicate: (16 + 3 + 0.1 n) − (1 + 3 + 0.1 n') ≈ 15.
        let diff = try #require(outcomes["t.difference"]?.measurement)
        let x = try r.metric("value", in: try r.claimGroup(["a": .int(4)])).values, y = try r.metric("value", in: try r.claimGroup(["a": .int(1)])).values
        #expect(abs(diff.value - zip(x, y).map { $0 - $1 }.reduce(0, +) / Double(x.count)) < 1e-12)
        #expect(outcomes["t.difference"]?.verdict == .holds)
        // Wilson: never a zero-width interval from a few seeds.
        let frac = try #require(outcomes["t.fraction"]?.measurement)
        #expect(frac.method == .wilson && frac.seeds == 6 && frac.ciLow < frac.value && frac.ciHigh > frac.ciLow)
        let (p, lo, hi) = ClaimDeclaration.wilson(6, 6)
        #expect(p == 1 && abs(lo - 0.6097) < 1e-3 && hi == 1)
        #expect(outcomes["t.argmax"]?.measurement?.value == 4)
        #expect(outcomes["t.argmax"]?.verdict == .holds)
    }

    /// Per-seed quantities, extremes among points and quantities, medians, unpaired differences,
    /// parameter references, derived fit axes and threshold exponents, each against a direct computation.
    @Test("the extended vocabulary: quantities, extremes, medians, thresholds")
    func extendedVocabulary() throws {
        let yaml = """
            experiment: test.quadratic
            params: {length: 4}
            sweep:
              grid: {a: [1, 2, 4], b: [1, 4]}
              seeds: 6
            claims:
              - {id: t.mean, statement: s, prediction: p, measure: {mean: {difference: [value, {product: [constant, constant]}]}, at: {a: 2, b: 1}}, kind: exact, predicted: 1, band: [0.5, 1.5], rationale: r}
              - {id: t.param, statement: s, prediction: p, measure: {mean: {difference: [value, {param: b}]}, at: {a: {param: length}, b: 4}}, kind: exact, predicted: 16, band: [15.5, 16.5], rationale: r}
              - {id: t.series, statement: s, prediction: p, measure: {mean: {ratio: [{series: curve, x: 2}, constant]}, at: {a: 4, b: 1}}, kind: exact, predicted: 2, band: [1.9, 2.1], rationale: r}
              - {id: t.smallest, statement: s, prediction: p, measure: {smallest: value, among: {a: [2, 4]}, at: {b: 4}}, kind: mechanism, predicted: 7, band: [7, null], rationale: r}
              - {id: t.largest, statement: s, prediction: p, measure: {largest: [value, constant, {log10: value}]}, kind: mechanism, predicted: 1, band: [1, null], rationale: r}
              - {id: t.median, statement: s, prediction: p, measure: {median: {abs: noise}, at: {a: 1, b: 1}}, kind: mechanism, predicted: 5, band: [null, 5], rationale: r}
              - {id: t.worst, statement: s, prediction: p, measure: {worst: {difference: [value, {product: [constant, constant]}]}, side: farthest, from: 0}, kind: mechanism, predicted: 4, band: [3.5, 4.5], rationale: r}
              - {id: t.unpaired, statement: s, prediction: p, measure: {difference: value, a: {a: 4, b: 1}, b: {a: 1, b: 1}, paired: false}, kind: exact, predicted: 15, band: [14, 16], rationale: r}
              - {id: t.ratio-axis, statement: s, prediction: p, measure: {exponent: value, against: {ratio: [a, b]}, among: {b: [1]}}, kind: mechanism, predicted: 1, band: [0, null], rationale: r}
              - {id: t.threshold, statement: s, prediction: p, measure: {exponent: {threshold: value, at_least: 6, over: a}, against: b}, kind: exact, predicted: -0.5, band: [-0.6, -0.4], rationale: r}
            """
        let scenario = try loadScenario(yaml, name: "extended.yaml")
        let plan = Plan(scenario: scenario)
        let out = makeTempDirectory("yaml-claims-extended")
        _ = try Runner.run(plan, options: RunOptions(out: out, jobs: 2, progress: .silent))
        let r = try Aggregator.aggregate(plan, out: out)
        let o = Dictionary(uniqueKeysWithValues: scenario.claims.map { ($0.id, $0.claim(paper: "testpaper", scenario: "s.yaml").evaluate(r)) })
        func values(_ m: String, _ at: [String: ParamValue]) throws -> [Double] { try r.metric(m, in: try r.claimGroup(at)).values }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

        // value − a² = b + 0.1·noise per seed.
        let g21: [String: ParamValue] = ["a": .int(2), "b": .int(1)]
        let perSeed = zip(try values("value", g21), try values("constant", g21)).map { $0 - $1 * $1 }
        #expect(abs(try #require(o["t.mean"]?.measurement).value - mean(perSeed)) < 1e-12)
        #expect(o["t.mean"]?.measurement == ClaimMeasurement(Summary(values: perSeed), detail: o["t.mean"]!.measurement!.detail))
        #expect(o["t.mean"]?.verdict == .holds)
        // {param: length} = 4 names the point a = 4; value − b there is 16 + 0.1·noise.
        #expect(abs(try #require(o["t.param"]?.measurement).value - mean(try values("value", ["a": .int(4), "b": .int(4)]).map { $0 - 4 })) < 1e-12)
        let series = try r.perSeed(series: "curve", at: 2, in: try r.claimGroup(["a": .int(4), "b": .int(1)]))
        #expect(abs(try #require(o["t.series"]?.measurement).value - mean(series.map { $0 / 4 })) < 1e-12)
        // The smallest of two points: a = 2 (4 + 4), with that point's own t interval.
        #expect(o["t.smallest"]?.measurement == (try r.claimMetric("value", ["a": .int(2), "b": .int(4)], detail: o["t.smallest"]!.measurement!.detail)))
        // The largest of three quantities at the first point (a = 1, b = 1): value ≈ 2 beats constant = 1 and log₁₀(value).
        #expect(o["t.largest"]?.measurement?.value == (try r.metric("value", in: r.groups[0])).mean)
        #expect(o["t.largest"]?.measurement?.detail.hasSuffix("largest: value") == true)
        let median = try #require(o["t.median"]?.measurement)
        let noise = try values("noise", ["a": .int(1), "b": .int(1)])
        #expect(median.method == .bootstrap && median.value == Statistics.median(noise.map(abs)))
        // b is 1 or 4: the configuration farthest from 0 is b = 4.
        #expect(abs(try #require(o["t.worst"]?.measurement).value - 4) < 0.2)
        #expect(o["t.worst"]?.verdict == .holds)
        let unpaired = try #require(o["t.unpaired"]?.measurement)
        #expect(unpaired.method == .bootstrap)
        #expect(
            abs(unpaired.value - (mean(try values("value", ["a": .int(4), "b": .int(1)])) - mean(try values("value", ["a": .int(1), "b": .int(1)])))) < 1e-12)
        // Against a/b at b = 1 only, the exponent is the one against a.
        let onlyB1 = AggregateResults(scenarioName: r.scenarioName, groups: r.groups.filter { $0.coordinates["b"] == .int(1) }, axes: r.axes, provenance: [])
        #expect(abs(try #require(o["t.ratio-axis"]?.measurement).value - (try onlyB1.exponentClaim("value", against: "a")).value) < 1e-9)
        // value ≥ 6 first at a = 4 when b = 1 and at a = 2 when b = 4: exponent log(2/4)/log(4) = −½.
        let threshold = try #require(o["t.threshold"]?.measurement)
        #expect(abs(threshold.value + 0.5) < 1e-12, "\(threshold)")
        #expect(threshold.detail.hasPrefix("a* = 4 at b = 1, 2 at b = 4"), "\(threshold.detail)")
        #expect(o["t.threshold"]?.verdict == .holds)
    }

    @Test(
        "a bad claim is an error naming the key",
        arguments: [
            ("- {id: x.a, statement: s, prediction: p, measure: {mode: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].measure"),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {mean: {ratio: [value]}}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.mean.ratio"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {mean: {sqrt: value}}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.mean"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {mean: {series: curve}}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.mean.x"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {worst: value, side: farthest}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.from"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {smallest: value, among: {a: 1}}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.among"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {metric: value, at: {a: {param: b}}}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.at.a"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {exponent: {threshold: value, over: a}, against: b}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.exponent"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {exponent: value, against: {ratio: [a]}}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.against"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {difference: value, a: {a: 1}, b: {a: 2}, paired: maybe}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.paired"
            ),
            ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2]}", "claims[0].rationale"),
            ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [2, 0], rationale: r}", "claims[0].band"),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [null, null], rationale: r}",
                "claims[0].band"
            ),
            ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: likely, predicted: 1, band: [0, 2], rationale: r}", "claims[0].kind"),
            (
                "- {id: x.a, statement: s, prediction: p, figure: F9, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].figure"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {exponent: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure.against"
            ),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {fraction: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].measure"
            ),
            ("- {id: nodot, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].id"),
            (
                "- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r, colour: red}",
                "claims[0].colour"
            ),
            (
                "- {id: x.a, for_each: [1, 2], statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].for_each"
            ),
            (
                "- {id: x.a, for_each: {a: [1, 1]}, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}",
                "claims[0].for_each"
            ),
        ])
    func badClaims(_ bad: (String, String)) throws {
        do {
            _ = try loadScenario(Self.claims("  " + bad.0), name: "bad-claims.yaml")
            Issue.record("loaded: \(bad.0)")
        } catch let e as ScenarioError {
            #expect(e.keyPath == bad.1, "\(e)")
            #expect(e.description.contains("bad-claims.yaml"), "\(e)")
        }
    }

    /// `for_each: {a: [1, 2, 4]}` makes one claim per value, `<id>@<value>`, each judged on its own
    /// points only (the same measurement as `at: {a: v}`), with `{value}` filled in; the report's
    /// claims × relaxations matrix reads them back by id.
    @Test("for_each: one claim per value, judged at that value only, and the matrix of their verdicts")
    func forEach() throws {
        let yaml = """
            experiment: test.quadratic
            sweep:
              grid: {a: [1, 2, 4]}
              seeds: 4
            claims:
              - {id: t.small, for_each: {a: [1, 2, 4]}, statement: "a = {value}: small", prediction: p, measure: {metric: value}, kind: bound, predicted: 10, band: [null, 10], rationale: "r at {value}"}
            """
        let scenario = try loadScenario(yaml, name: "foreach.yaml")
        #expect(scenario.claims.map(\.id) == ["t.small@1", "t.small@2", "t.small@4"])
        #expect(scenario.claims.map(\.statement) == ["a = 1: small", "a = 2: small", "a = 4: small"])
        #expect(scenario.claims[2].rule.rationale == "r at 4")
        let plan = Plan(scenario: scenario)
        let out = makeTempDirectory("yaml-claims-foreach")
        _ = try Runner.run(plan, options: RunOptions(out: out, jobs: 2, progress: .silent))
        let r = try Aggregator.aggregate(plan, out: out)
        let outcomes = scenario.claims.map { $0.claim(paper: "testpaper", scenario: "s.yaml").evaluate(r) }
        for (o, a) in zip(outcomes, [1, 2, 4]) {
            #expect(o.measurement == (try r.claimMetric("value", ["a": .int(a)], detail: o.measurement!.detail)), "\(o.claim.id)")
            #expect(o.claim.statistic.hasSuffix("(at a = \(a))"), "\(o.claim.statistic)")
        }
        // value ≈ a² + 2: below 10 at a = 1, 2; far above at a = 4.
        #expect(outcomes.map(\.verdict) == [.holds, .holds, .doesNotHold])
        var v = Verification(
            fidelity: .standard, precision: .double, outcomes: outcomes, scenarios: [],
            manifest: Verifier.manifest(options: VerifyOptions(out: out)), seconds: 0, root: out)
        v.outcomes.append(ClaimOutcome(claim: outcomes[0].claim, measurement: nil, verdict: .notRun, reason: "test"))
        v.outcomes[3].claim.id = "t.other"  // an ordinary claim: not a cell
        let matrix = RelaxationMatrix(v)
        #expect(matrix.columns == ["1", "2", "4"] && matrix.rows.map(\.claim) == ["t.small"])
        #expect(matrix.rows[0].cells["4"]?.verdict == .doesNotHold)
        let md = VerificationReport.relaxationSection(v, relativeTo: out).joined(separator: "\n")
        #expect(md.contains("| t.small | ✅ ") && md.contains("❌ "), "\(md)")
        let figure = matrix.figure()
        #expect(figure.layers.count == 2, "holds and does not hold, one layer each")
    }

    @Test("the registry finds the shipped scenario-file claims, and every such file loads")
    func registry() {
        _ = packageRoot
        let found = ClaimRegistry.scenarioClaims()
        #expect(found.errors.isEmpty, "\(found.errors)")
        // Issue 15: at least 80% of the shipped claims are declared in scenario files.
        #expect(found.claims.count * 5 >= ClaimRegistry.all.count * 4, "\(found.claims.count) of \(ClaimRegistry.all.count) claims in YAML")
        let ids = Set(ClaimRegistry.all.map(\.id))
        #expect(found.claims.allSatisfy { ids.contains($0.id) })
        #expect(ids.count == ClaimRegistry.all.count, "a claim id is declared twice (Swift and YAML?)")
    }
}
