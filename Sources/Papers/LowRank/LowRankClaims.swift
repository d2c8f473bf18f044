import Foundation
import Sim
import Plots
import ProvableNumerics

/// The claims of the low-rank & sparse paper (spec `lowrank-sparse.md` §5, tolerances from its
/// Appendix C) that the YAML vocabulary cannot state — P5 (the deviation farthest from 2K over K and
/// two updates), P7d (an ordering at every pruning rate) — each read from the committed scenario that
/// draws its figure. The other claims live in the scenarios' `claims:` blocks.
///
/// Every band is fixed by the theory and a stated finite-size argument (`VerdictRule.rationale`);
/// intervals are t over seeds for means and paired per-seed differences, and seed-resampling
/// bootstrap intervals for fitted exponents and thresholds.
enum LowRankClaims {
    static let dir = "scenarios/lowrank/"

    static let all: [Claim] = [
        Claim(
            id: "lowrank.P5", paper: "lowrank",
            statement: "The rank of ΔW_Q and ΔW_K tracks the number of label-relevant patterns 2K.",
            prediction: "rank ΔW_Q = rank ΔW_K = 2K for K = 1, 2, 3",
            statistic: "the largest deviation (signed) of mean r₀.₁(ΔW_Q), r₀.₁(ΔW_K) from 2K over K = 1, 2, 3 (Config K)",
            scenario: dir + "r3_rank_vs_patterns.yaml", figure: "R3_rank_vs_patterns",
            rule: .exact(0, band: -0.5...0.5, "rank is an integer: a mean within ½ of 2K rounds to 2K on the typical seed")
        ) { r in
            func deviations(_ r: AggregateResults) -> [(Int, String, Double)] {
                r.groups.flatMap { g in
                    ["Q", "K"].map { w in
                        (
                            2 * g.parameters.int("relevant_per_class"), w,
                            (g.metrics["eff_rank_\(w)"]?.mean ?? .nan) - Double(2 * g.parameters.int("relevant_per_class"))
                        )
                    }
                }
            }
            let d = deviations(r)
            return try r.bootstrap(detail: "(2K, ΔW, rank) = " + d.map { "(\($0.0), \($0.1), \(fmt(Double($0.0) + $0.2, 3)))" }.joined(separator: " ")) { r in
                deviations(r).map(\.2).max { abs($0) < abs($1) } ?? .nan
            }
        },
        Claim(
            id: "lowrank.P7d", paper: "lowrank",
            statement: "Pruning order: magnitude (smallest first) ≤ random ≤ largest first, at every rate up to 0.6.",
            prediction: "hinge_mag(R) ≤ hinge_rand(R) ≤ hinge_largest(R) for R ≤ 0.6",
            statistic: "smallest over R ∈ (0, 0.6] of the mean per-seed gaps hinge_rand − hinge_mag and hinge_largest − hinge_rand",
            scenario: dir + "r6_pruning.yaml", figure: "R6_pruning_hinge",
            rule: .atLeast(
                -0.01, .mechanism, "a weak ordering: ties (all three at 0 hinge for small R) are allowed up to 0.01, the resolution of the test hinge")
        ) { r in
            func gaps(_ r: AggregateResults) throws -> [(Double, Double)] {
                let g = try r.only()
                let mag = try r.series("prune_magnitude_loss", in: g)
                return try mag.x.filter { $0 > 1e-9 && $0 <= 0.6 + 1e-9 }.map { R in
                    let a = try r.perSeed(series: "prune_magnitude_loss", at: R, in: g)
                    let b = try r.perSeed(series: "prune_random_loss", at: R, in: g)
                    let c = try r.perSeed(series: "prune_largest_first_loss", at: R, in: g)
                    return (R, min(Statistics.mean(zip(b, a).map { $0 - $1 }), Statistics.mean(zip(c, b).map { $0 - $1 })))
                }
            }
            let gs = try gaps(r)
            let worst = gs.min { $0.1 < $1.1 }
            return try r.bootstrap(detail: worst.map { "smallest gap \(fmt($0.1, 3)) at R = \(fmt($0.0))" } ?? "") { r in
                try gaps(r).map(\.1).min() ?? .nan
            }
        },
    ]
}
