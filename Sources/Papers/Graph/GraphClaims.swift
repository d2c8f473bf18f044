import Foundation
import Sim
import Plots
import ProvableNumerics

/// The claims of the graph-transformer paper (spec `graph-transformer.md` §5) that the YAML vocabulary
/// cannot state: P1-monotone (the largest step between neighbouring thresholds N*) and P6-other (the
/// best accuracy over every shell but z_m). The other graph claims live in the scenarios' `claims:` blocks.
enum GraphClaims {
    static let dir = "scenarios/graph/"

    static let all: [Claim] = [
        Claim(
            id: "graph.P1-monotone", paper: "graph",
            statement: "N* never increases with γ_d (beyond one grid step of rounding).",
            prediction: "N*(γ_d) non-increasing",
            statistic: "largest increase of N* between adjacent γ_d, in grid steps (log N* ratio / log 1.5), bootstrap over seeds",
            scenario: dir + "s1_sample_complexity.yaml", figure: "S1_phase_gamma_L",
            rule: .atMost(1, .mechanism, "N* is read off a grid of ratio 1.5, so a single one-step inversion is rounding, not an increase (spec §5.2)")
        ) { r in
            func worst(_ r: AggregateResults) -> Double {
                let ns = GraphFigures.sampleComplexity(r, threshold: 0.05).map { $0.nStar ?? .infinity }
                guard ns.count >= 2 else { return .nan }
                return (1..<ns.count).map { log(ns[$0] / ns[$0 - 1]) / log(1.5) }.max() ?? .nan
            }
            let ns = GraphFigures.sampleComplexity(r, threshold: 0.05)
            return try r.bootstrap(detail: "N* = " + ns.map { $0.nStar.map { String(Int($0)) } ?? "> max" }.joined(separator: " / ")) { worst($0) }
        },
        Claim(
            id: "graph.P6-other", paper: "graph",
            statement: "…while any other single shell carries no label information.",
            prediction: "accuracy(shell z ≠ z_m) ≈ chance", statistic: "largest mean test accuracy over the shells z ≠ z_m",
            scenario: dir + "s7_pe_sampling.yaml", figure: "S7_pe_sampling",
            rule: .atMost(
                0.65, .mechanism, "chance is 0.5; the other shells share nodes with the core only through the graph's overlap, which the spec bounds by 0.15")
        ) { r in
            let zm = try r.only().parameters.int("z_m")
            let others = r.groups.filter {
                let z = $0.parameters.int("shell"); return z >= 0 && z != zm
            }
            guard let worst = try others.map({ try r.metric("test_accuracy", in: $0) }).max(by: { $0.mean < $1.mean }) else {
                throw RecipeError("no shells other than z_m")
            }
            return ClaimMeasurement(worst)
        },
    ]
}
