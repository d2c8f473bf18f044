import Foundation
import Sim
import Plots
import ProvableNumerics

/// MoE robustness: Theorem 1's ranking by router-norm change (T2c) and Theorem 2's pruning up to γ
/// without fine-tuning (T4), re-measured on the configurations of `scenarios/moe/robustness.yaml` —
/// Config A for reference, and three others with different numbers of experts k, dimensions d and
/// numbers of important experts n_imp (F = 1: the paper's o1, o2), each inside the theorems'
/// assumptions (orthonormal patterns, a pre-trained state whose important experts are proficient in
/// o1/o2 and whose irrelevant ones prefer the background). The separation is judged on the log ratio
/// min Δ_imp / max |Δ_irr| (> 0 exactly when the ranking is perfect), not on T2c's ratio ≥ 50, which
/// was tied to d = 100; the pruning ratio is each configuration's own γ = 1 − n_imp/k.
extension MoEClaims {
    static let robustnessConfigurations =
        "Config A (k = 8, d = 100, n_imp = 4, γ = 1/2; reference) and (k, d, n_imp, γ) = (12, 200, 6, 1/2), (6, 400, 2, 2/3), (16, 50, 2, 7/8)"

    /// "k = 12, d = 200, n_imp = 6 (γ = 0.5)".
    static func robustnessName(_ g: AggregateGroup) -> String {
        let p = g.parameters
        let nImp = 2 * p.int("F") * p.int("ipf"), k = p.int("k")
        return "k = \(k), d = \(p.int("d")), n_imp = \(nImp) (γ = \(fmt(1 - Double(nImp) / Double(k), 3)))"
    }

    static let robustness: [Claim] = [
        Claim(id: "moe.R-separation", paper: "moe",
              statement: "Robustness of Theorem 1: with other numbers of experts, dimensions and important experts, ranking by router-norm change puts every important expert above every irrelevant one.",
              prediction: "min Δ_imp > max |Δ_irr| (perfect ranking) on every configuration",
              statistic: "per seed log₁₀(min Δ_imp / max |Δ_irr|) (> 0 exactly when the ranking is perfect); mean over seeds per configuration; the smallest over the configurations " + robustnessConfigurations + " (bootstrap over seeds)",
              scenario: dir + "robustness.yaml", figure: "R_moe_delta_vs_d",
              rule: .atLeast(0, .mechanism, "Δ = Ω(1) for the experts that learn o1/o2 against O(1/√d) for the others, whatever k and n_imp: a perfect ranking is a ratio above 1 (log above 0); the log makes the interval one over a continuous quantity, and the threshold does not depend on d, where T2c's ratio ≥ 50 was set for d = 100")) { r in
            try Robustness.worst(r, .smallest, name: robustnessName,
                                 note: "ranking perfect in " + r.groups.map { g in
                                     let v = Robustness.values(g, "ranking_perfect"); return "\(Int(v.reduce(0, +)))/\(v.count)"
                                 }.joined(separator: " / ") + " seeds") { g in
                Robustness.values(g, "separation_ratio").map { log10($0) }
            }
        },
        Claim(id: "moe.R-prune-gamma", paper: "moe",
              statement: "Robustness of Theorem 2: with other numbers of experts, dimensions and important experts, pruning the smallest-Δ experts up to the irrelevant fraction γ keeps the accuracy without fine-tuning.",
              prediction: "acc_Δ(ρ = γ) − acc(unpruned) ≈ 0 on every configuration, γ = 1 − n_imp/k",
              statistic: "per seed accuracy after Δ-order pruning at ρ = γ (no fine-tuning) minus unpruned; mean over seeds per configuration; the smallest over the configurations " + robustnessConfigurations + " (bootstrap over seeds)",
              scenario: dir + "robustness.yaml", figure: nil,
              rule: .atLeast(-0.01, .mechanism, "relative to each configuration's own γ (not a fixed ρ): pruning only experts whose routers did not move removes no feature, whatever k and d; 0.01 is the 2000-sample test set's resolution")) { r in
            try Robustness.worst(r, .smallest, name: robustnessName,
                                 note: "unpruned accuracy " + r.groups.map { fmt(Statistics.mean(Robustness.values($0, "acc_unpruned")), 3) }.joined(separator: " / ")) { g in
                zip(Robustness.values(g, "acc_delta_at_gamma"), Robustness.values(g, "acc_unpruned")).map { $0 - $1 }
            }
        },
    ]
}
