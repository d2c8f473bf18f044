import Foundation
import Sim
import Plots
import ProvableNumerics

/// The claim of the ICL paper (spec `icl.md` §5) that the YAML vocabulary cannot state: T1c, the
/// exponent of per-α′ thresholds that the experiment writes as one metric per α′ of a single run.
/// The other ICL claims live in the scenarios' `claims:` blocks.
enum ICLClaims {
    static let dir = "scenarios/icl/"

    /// The log–log slope, over `alphas`, of the context length a retrieval needs when each context
    /// shares the query's pattern with probability α/2 and the error must fall below a fixed ε:
    /// l*(α) = log(1/2ε) / (−log(1 − α/2)). Asymptotically ∝ 1/α, but over a finite α range its
    /// slope is steeper than −1 (−1.17 over α = 0.2 … 1): the finite-size part of the T1b/T1c bands
    /// (T1b's, typed in `t1b_context_length.yaml`, is checked against this formula by a test),
    /// derived from the data model, not from a run.
    static func retrievalSlope(_ alphas: [Double]) -> Double {
        ClaimStatistics.exponent(x: alphas, y: alphas.map { 1 / -log(1 - $0 / 2) })
    }

    /// The T1c grid (kept equal to the scenario's by a test).
    static let t1cAlphas: [Double] = [0.2, 0.3, 0.4, 0.6, 0.8, 1.0]
    /// Largest ratio of neighbouring grid lengths: l_tr ∈ {2, 3, 4, 6, …, 48}, l_ts ∈ {1, 2, 3, 4, 6, …, 80} (above 2).
    static let lengthGridStep = 1.5
    static let t1cLow = -1 + (retrievalSlope(t1cAlphas) + 1) - ClaimStatistics.gridTolerance(x: t1cAlphas, step: lengthGridStep)

    static let all: [Claim] = [
        Claim(
            id: "icl.T1c", paper: "icl",
            statement: "The test context length needed grows as α′ falls, no faster than 1/α′.",
            prediction: "l_ts ≥ α′⁻¹ suffices: slope of log l_ts* vs log α′ in [−1, 0) up to finite size",
            statistic:
                "l* = per seed the smallest test length (grid 1 … 80) with unseen-task error ≤ 0.02, mean over seeds, at α′ = 0.2 … 1 (6 values); least-squares log–log slope, bootstrap over seeds",
            scenario: dir + "t1c_test_length.yaml", figure: "F-T1C_error_vs_test_length",
            rule: VerdictRule(
                kind: .bound, prediction: -1, bandLow: t1cLow, bandHigh: 0,
                rationale:
                    "a sufficient length bounds the exponent (flatter is allowed); over α′ = 0.2 … 1 a retrieval threshold has slope \(fmt(retrievalSlope(t1cAlphas), 3)) rather than −1, and l* on a grid of ratio ≤ 1.5 moves the slope by up to \(fmt(ClaimStatistics.gridTolerance(x: t1cAlphas, step: lengthGridStep), 2))"
            )
        ) { r in
            let g = try r.only()
            let alphas = g.parameters.doubles("eval_alphas").sorted()
            func ls(_ r: AggregateResults) -> [Double] {
                guard let g = r.groups.first else { return [] }
                return alphas.map { a in
                    // A seed that never reaches the error within the grid makes l* undefined, not small.
                    let v = g.metrics["l_star_a\(tag(a))"]?.values ?? []
                    return v.contains { !$0.isFinite } ? .nan : Statistics.mean(v)
                }
            }
            let l = ls(r)
            return try r.bootstrap(detail: "l* = " + zip(alphas, l).map { "\($1.isFinite ? fmt($1, 3) : "> max") at α′ = \(fmt($0))" }.joined(separator: ", "))
            { r in
                ClaimStatistics.exponent(x: alphas, y: ls(r))
            }
        }
    ]
}
