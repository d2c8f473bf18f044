import Foundation
import Sim
import Plots
import ProvableNumerics

/// Claims P1–P9 of the low-rank & sparse paper (spec `lowrank-sparse.md` §5, tolerances from its
/// Appendix C), each read from the committed scenario that draws its figure.
///
/// Every band is fixed by the theory and a stated finite-size argument (`VerdictRule.rationale`);
/// intervals are t over seeds for means and paired per-seed differences, and seed-resampling
/// bootstrap intervals for fitted exponents and thresholds.
enum LowRankClaims {
    static let dir = "scenarios/lowrank/"
    static let matrices = ["Q", "K", "V", "O"]

    /// The worst (smallest or largest) of a metric over ΔW_Q, ΔW_K, ΔW_V, ΔW_O, with its interval.
    static func worst(_ r: AggregateResults, _ prefix: String, largest: Bool) throws -> ClaimMeasurement {
        let g = try r.only()
        let all = try matrices.map { w in (w, try r.metric("\(prefix)_\(w)", in: g)) }
        let pick = largest ? all.max { $0.1.mean < $1.1.mean }! : all.min { $0.1.mean < $1.1.mean }!
        return ClaimMeasurement(pick.1, detail: all.map { "\($0.0): \(fmt($0.1.mean, 4))" }.joined(separator: ", ") + "; worst: ΔW_\(pick.0)")
    }

    /// Power-law exponent of mean T* against x(group) over the sweep's groups, bootstrapped over seeds.
    static func tStarSlope(_ r: AggregateResults, x: @escaping (AggregateGroup) -> Double, xName: String) throws -> ClaimMeasurement {
        func points(_ r: AggregateResults) -> [(Double, Double)] {
            r.groups.map { (x($0), $0.metrics["T_star"]?.mean ?? .nan) }.sorted { $0.0 < $1.0 }
        }
        let pts = points(r)
        return try r.bootstrap(detail: "T* = " + pts.map { "\(fmt($0.1, 3)) at \(xName) = \(fmt($0.0, 3))" }.joined(separator: ", ")) { r in
            let p = points(r)
            return ClaimStatistics.exponent(x: p.map(\.0), y: p.map(\.1))
        }
    }

    /// 1/α_* = L / n_rel of a group.
    static func inverseAlpha(_ g: AggregateGroup) -> Double { Double(g.parameters.int("L")) / Double(g.parameters.int("n_rel")) }

    /// N* per 1/α_*: the smallest training-set size whose mean test error ≤ 0.05 (NaN: beyond the grid).
    static func nStar(_ r: AggregateResults) -> [(x: Double, n: Double)] {
        Array(Set(r.groups.map(inverseAlpha))).sorted().map { x in
            let col = r.groups.filter { inverseAlpha($0) == x }
            return (x, ClaimStatistics.threshold(col.map { (Double($0.parameters.int("train_size")), $0.metrics["test_error"]?.mean ?? .nan) }) { $0 <= 0.05 })
        }
    }

    /// The R9 grids, for P9's finite-size tolerance (kept equal to `r9_sample_complexity.yaml`'s by a test).
    static let p9InverseAlphas: [Double] = [2, 3, 4, 6, 8].map { 30 / $0 }
    static let p9Tolerance = ClaimStatistics.gridTolerance(x: p9InverseAlphas, step: 2)

    static let all: [Claim] = [
        Claim(id: "lowrank.P2a", paper: "lowrank",
              statement: "Iterations to learn scale inversely with the fraction of label-relevant tokens.",
              prediction: "T* = Θ(α_*⁻¹ η⁻¹): slope of log T* vs log(1/α_*) = 1",
              statistic: "least-squares slope of log mean T* over 6 α_* values spanning 6× (Config S, η = 1); n_rel ≥ 2 (one relevant token ties the confusion token) and n_rel ≤ 12 (T* ≈ 30 with checks every 10 steps) bound the span",
              scenario: dir + "r8_iteration_scaling_alpha.yaml", figure: "R8a_iterations_vs_alpha",
              rule: .exact(1, band: 0.6...1.6, "Θ(·) hides lower-order terms; T* is read every 10 steps, up to 33% of T* = 30 at the smallest end (spec App. C band)")) { r in
            try tStarSlope(r, x: inverseAlpha, xName: "1/α_*")
        },
        Claim(id: "lowrank.P3a", paper: "lowrank",
              statement: "Every weight update ΔW_Q, ΔW_K, ΔW_V, ΔW_O is effectively rank 2 (the two label-relevant patterns).",
              prediction: "effective rank r₀.₁(ΔW) = 2 for all four", statistic: "largest mean r₀.₁ = #{σᵢ/σ₁ > 0.1} over the four updates",
              scenario: dir + "r1_update_spectra.yaml", figure: "R1_update_spectra",
              rule: .exact(2, band: 1.5...2.5, "rank is an integer: a mean within ½ of 2 rounds to rank 2 on the typical seed")) { r in
            try worst(r, "eff_rank", largest: true)
        },
        Claim(id: "lowrank.P3b", paper: "lowrank",
              statement: "The top two singular values carry almost all of every update's energy.",
              prediction: "E₂(ΔW) = (σ₁² + σ₂²)/Σσᵢ² → 1 for W_Q, W_K, W_V, W_O", statistic: "smallest mean E₂ over the four updates",
              scenario: dir + "r1_update_spectra.yaml", figure: "R1_update_spectra",
              rule: .atLeast(0.95, .mechanism, "E₂ → 1; the token noise (τ) adds energy outside span{μ₁, μ₂} of relative order τ²/(d·T) per step, far below 5%")) { r in
            try worst(r, "E2", largest: false)
        },
        Claim(id: "lowrank.P5", paper: "lowrank",
              statement: "The rank of ΔW_Q and ΔW_K tracks the number of label-relevant patterns 2K.",
              prediction: "rank ΔW_Q = rank ΔW_K = 2K for K = 1, 2, 3",
              statistic: "the largest deviation (signed) of mean r₀.₁(ΔW_Q), r₀.₁(ΔW_K) from 2K over K = 1, 2, 3 (Config K)",
              scenario: dir + "r3_rank_vs_patterns.yaml", figure: "R3_rank_vs_patterns",
              rule: .exact(0, band: -0.5...0.5, "rank is an integer: a mean within ½ of 2K rounds to 2K on the typical seed")) { r in
            func deviations(_ r: AggregateResults) -> [(Int, String, Double)] {
                r.groups.flatMap { g in
                    ["Q", "K"].map { w in (2 * g.parameters.int("relevant_per_class"), w, (g.metrics["eff_rank_\(w)"]?.mean ?? .nan) - Double(2 * g.parameters.int("relevant_per_class"))) }
                }
            }
            let d = deviations(r)
            return try r.bootstrap(detail: "(2K, ΔW, rank) = " + d.map { "(\($0.0), \($0.1), \(fmt(Double($0.0) + $0.2, 3)))" }.joined(separator: " ")) { r in
                deviations(r).map(\.2).max { abs($0) < abs($1) } ?? .nan
            }
        },
        Claim(id: "lowrank.P7d", paper: "lowrank",
              statement: "Pruning order: magnitude (smallest first) ≤ random ≤ largest first, at every rate up to 0.6.",
              prediction: "hinge_mag(R) ≤ hinge_rand(R) ≤ hinge_largest(R) for R ≤ 0.6",
              statistic: "smallest over R ∈ (0, 0.6] of the mean per-seed gaps hinge_rand − hinge_mag and hinge_largest − hinge_rand",
              scenario: dir + "r6_pruning.yaml", figure: "R6_pruning_hinge",
              rule: .atLeast(-0.01, .mechanism, "a weak ordering: ties (all three at 0 hinge for small R) are allowed up to 0.01, the resolution of the test hinge")) { r in
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
        Claim(id: "lowrank.P9", paper: "lowrank",
              statement: "Sample complexity falls with the fraction of label-relevant tokens, no faster than the theory's sufficient N = Ω(α_*⁻²).",
              prediction: "N* ≤ C·α_*⁻² (a sufficient condition): slope of log N* vs log(1/α_*) in (0, 2]",
              statistic: "N* = smallest training-set size (doubling grid 4 … 512) with mean test error ≤ 0.05 at 5 values of 1/α_* (3.75 … 15); least-squares log–log slope, bootstrap over seeds",
              scenario: dir + "r9_sample_complexity.yaml", figure: "R9_sample_complexity",
              rule: VerdictRule(kind: .bound, prediction: 2, bandLow: 0, bandHigh: 2 + p9Tolerance,
                                rationale: "a sufficient condition bounds the exponent from above (flatter is allowed, spec §5.10); N* is read off a doubling grid, which moves the fitted slope by up to log 2·Σw⁺ = \(fmt(p9Tolerance, 2)) at these α_*"),
              knownIssue: "Config N needs token noise τ = 0.5 for a visible transition, outside the theorem's τ < O(1/M) = 0.1 (the spec flags R9 as qualitative): at α_* = 2/30 a single relevant token's majority under τ = 0.5 noise is intrinsically hard (hinge floor ≈ 0.1), N* jumps from 32 to 256 and the fitted exponent, ≈ 3, is steeper than the sufficient α_*⁻²") { r in
            let ns = nStar(r)
            return try r.bootstrap(detail: "N* = " + ns.map { "\($0.n.isFinite ? String(Int($0.n)) : "> max") at 1/α_* = \(fmt($0.x, 3))" }.joined(separator: ", ")) { r in
                let ns = nStar(r)
                return ClaimStatistics.exponent(x: ns.map(\.x), y: ns.map(\.n))
            }
        },
    ]
}
