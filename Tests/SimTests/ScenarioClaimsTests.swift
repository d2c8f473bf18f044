import Foundation
import Testing
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
        let yaml = Self.claims("""
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

    @Test("a bad claim is an error naming the key", arguments: [
        ("- {id: x.a, statement: s, prediction: p, measure: {median: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].measure"),
        ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2]}", "claims[0].rationale"),
        ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [2, 0], rationale: r}", "claims[0].band"),
        ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [null, null], rationale: r}", "claims[0].band"),
        ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: likely, predicted: 1, band: [0, 2], rationale: r}", "claims[0].kind"),
        ("- {id: x.a, statement: s, prediction: p, figure: F9, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].figure"),
        ("- {id: x.a, statement: s, prediction: p, measure: {exponent: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].measure.against"),
        ("- {id: x.a, statement: s, prediction: p, measure: {fraction: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].measure"),
        ("- {id: nodot, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r}", "claims[0].id"),
        ("- {id: x.a, statement: s, prediction: p, measure: {metric: value}, kind: exact, predicted: 1, band: [0, 2], rationale: r, colour: red}", "claims[0].colour"),
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

    @Test("the registry finds the shipped scenario-file claims, and every such file loads")
    func registry() {
        _ = packageRoot
        let found = ClaimRegistry.scenarioClaims()
        #expect(found.errors.isEmpty, "\(found.errors)")
        #expect(found.claims.count >= 30)
        let ids = Set(ClaimRegistry.all.map(\.id))
        #expect(found.claims.allSatisfy { ids.contains($0.id) })
        #expect(ids.count == ClaimRegistry.all.count, "a claim id is declared twice (Swift and YAML?)")
    }
}
