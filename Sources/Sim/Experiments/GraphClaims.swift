import Foundation
import Numerics

/// Claims P1–P6 of the graph-transformer paper (spec `graph-transformer.md` §5, tolerances from its
/// tests) and the real-graph check (§6.6), each read from the committed scenario that draws its figure.
enum GraphClaims {
    static let dir = "scenarios/graph/"

    static func group(_ r: AggregateResults, _ coordinates: [String: ParamValue]) throws -> AggregateGroup {
        guard let g = r.group(coordinates) else {
            throw RecipeError("no finished runs at \(coordinates.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ", ")) in \(r.scenarioName)")
        }
        return g
    }

    static let all: [Claim] = [
        Claim(id: "graph.P1", paper: "graph",
              statement: "The number of labelled nodes needed falls as the fraction of discriminative nodes γ_d grows.",
              prediction: "N* ∝ γ_d⁻²: slope of log N* vs log γ_d = −2 (a sufficient condition)",
              statistic: "N* = smallest |L| with mean test error ≤ 0.05 per γ_d; least-squares log–log slope",
              scenario: dir + "s1_sample_complexity.yaml", figure: "S2_nstar_vs_gamma", rule: .equals(-2, band: -3 ... -0.5)) { r in
            let ns = GraphFigures.sampleComplexity(r, threshold: 0.05)
            let found = ns.compactMap { e in e.nStar.map { (e.gamma, $0) } }
            return try .powerLawSlope(x: found.map(\.0), y: found.map(\.1), seeds: r.groups.map(\.replicates).min() ?? 0,
                                      detail: "N* = " + ns.map { "\($0.nStar.map { String(Int($0)) } ?? "> max") at γ_d = \(fmt($0.gamma))" }.joined(separator: ", "))
        },
        Claim(id: "graph.P1-monotone", paper: "graph",
              statement: "N* never increases with γ_d.",
              prediction: "N*(γ_d) non-increasing", statistic: "number of adjacent γ_d pairs where N* increases",
              scenario: dir + "s1_sample_complexity.yaml", figure: "S1_phase_gamma_L", rule: .atMost(0)) { r in
            let ns = GraphFigures.sampleComplexity(r, threshold: 0.05).map { $0.nStar ?? .infinity }
            var ups = 0
            for i in 1..<max(1, ns.count) where ns[i] > ns[i - 1] { ups += 1 }
            return ClaimMeasurement(value: Double(ups), ciLow: .nan, ciHigh: .nan, seeds: r.groups.map(\.replicates).min() ?? 0,
                                    detail: "N* = " + ns.map { $0.isFinite ? String(Int($0)) : "> max" }.joined(separator: " / "))
        },
        Claim(id: "graph.P2", paper: "graph",
              statement: "Fewer discriminative nodes need more iterations.",
              prediction: "T* decreasing in γ_d: T*(0.3) − T*(1) ≥ 0", statistic: "difference of mean T* (first check with test error ≤ 0.05), γ_d = 0.3 minus 1",
              scenario: dir + "s3_iterations.yaml", figure: "S3_iters_vs_gamma", rule: .atLeast(0)) { r in
            let lo = try r.metric("T_star", in: try group(r, ["gamma_d": .double(0.3)]))
            let hi = try r.metric("T_star", in: try group(r, ["gamma_d": .double(1.0)]))
            return ClaimMeasurement.difference((lo.mean, lo.ciLow, lo.ciHigh), (hi.mean, hi.ciLow, hi.ciHigh), seeds: min(lo.n, hi.n),
                                 detail: "T* = " + r.groups.sorted { $0.parameters.double("gamma_d") < $1.parameters.double("gamma_d") }
                                    .map { "\(fmt($0.metrics["T_star"]?.mean ?? .nan, 3)) at γ_d = \(fmt($0.parameters.double("gamma_d")))" }.joined(separator: ", "))
        },
        Claim(id: "graph.P3", paper: "graph",
              statement: "The positional encoding learns the core distance z_m.",
              prediction: "b_{z_m} − max_{z≠z_m} b_z > 0 (accepted gap ≥ 1), argmax_z b_z = z_m", statistic: "mean PE gap over seeds",
              scenario: dir + "s5_pe_values.yaml", figure: "S5_pe_values", rule: .atLeast(1)) { r in
            let g = try r.only()
            let b = try (0...3).map { try r.metric("pe_b\($0)", in: g).mean }
            return try r.claimMetric("pe_gap", detail: "b = (" + b.map { fmt($0, 3) }.joined(separator: ", ") + "), argmax z = \(fmt(try r.metric("pe_argmax", in: g).mean)) (z_m = \(g.parameters.int("z_m")))")
        },
        Claim(id: "graph.P4a", paper: "graph",
              statement: "With PE, attention becomes sparse and concentrates on the core neighbourhood.",
              prediction: "A_core (attention mass at distance z_m) → 1 (accepted ≥ 0.9)", statistic: "mean final A_core over seeds, GT+PE",
              scenario: dir + "s4_attention.yaml", figure: "S4_attention_core", rule: .atLeast(0.9)) { r in
            let g = try group(r, ["variant": .string("gt_pe")])
            let s = try r.metric("attention_core", in: g)
            return ClaimMeasurement(s, detail: "A_core \(fmt(try r.metric("attention_core_initial", in: g).mean, 3)) → \(fmt(s.mean, 3)); R_disc \(fmt(try r.metric("r_disc", in: g).mean, 3))")
        },
        Claim(id: "graph.P4b", paper: "graph",
              statement: "Without PE the core attention does not concentrate (the sparsification comes from the PE).",
              prediction: "|A_core(end) − A_core(0)| ≈ 0 for GT without PE (accepted ≤ 0.05)", statistic: "per-seed |A_core(end) − A_core(0)|, mean over seeds, GT-noPE",
              scenario: dir + "s4_attention.yaml", figure: "S4_attention_core", rule: .atMost(0.05)) { r in
            try r.claimPerSeed(["variant": .string("gt_nope")]) { m in
                zip(try m("attention_core"), try m("attention_core_initial")).map { abs($0 - $1) }
            }
        },
        Claim(id: "graph.P5a", paper: "graph",
              statement: "The graph transformer with PE generalizes from few labels.",
              prediction: "err(GT+PE) → 0 at |L| = 160", statistic: "mean test error, GT+PE, |L| = 160",
              scenario: dir + "s6_gt_vs_gcn.yaml", figure: "S6_gt_vs_gcn", rule: .atMost(0.05)) { r in
            ClaimMeasurement(try r.metric("test_error", in: try group(r, ["variant": .string("gt_pe"), "labeled": .int(160)])))
        },
        Claim(id: "graph.P5b", paper: "graph",
              statement: "GT without PE and GCN do worse than GT+PE (they cannot single out the core distance).",
              prediction: "min(err(GT-noPE), err(GCN)) = Ω(1) at |L| = 160 (accepted ≥ 0.15)", statistic: "smaller of the two mean test errors at |L| = 160",
              scenario: dir + "s6_gt_vs_gcn.yaml", figure: "S6_gt_vs_gcn", rule: .atLeast(0.15)) { r in
            let e = try ["gt_nope", "gcn"].map { ($0, try r.metric("test_error", in: try group(r, ["variant": .string($0), "labeled": .int(160)]))) }
            let best = e.min { $0.1.mean < $1.1.mean }!
            return ClaimMeasurement(best.1, detail: e.map { "\($0.0): \(fmt($0.1.mean, 3))" }.joined(separator: ", "))
        },
        Claim(id: "graph.P6", paper: "graph",
              statement: "PE-based sampling: attending only to the shell at the core distance z_m suffices.",
              prediction: "accuracy(shell z_m) → 1 (accepted ≥ 0.95)", statistic: "mean test accuracy when attention is restricted to N_{z_m}(n)",
              scenario: dir + "s7_pe_sampling.yaml", figure: "S7_pe_sampling", rule: .atLeast(0.95)) { r in
            let zm = try r.only().parameters.int("z_m")
            let shells = r.groups.filter { $0.parameters.int("shell") >= 0 }.sorted { $0.parameters.int("shell") < $1.parameters.int("shell") }
            let acc = try r.metric("test_accuracy", in: try group(r, ["shell": .int(zm)]))
            return ClaimMeasurement(acc, detail: "accuracy by shell: " + shells.map { "z = \($0.parameters.int("shell")): \(fmt($0.metrics["test_accuracy"]?.mean ?? .nan, 3))" }.joined(separator: ", "))
        },
        Claim(id: "graph.P6-other", paper: "graph",
              statement: "…while any other single shell carries no label information.",
              prediction: "accuracy(shell z ≠ z_m) ≈ chance (accepted ≤ 0.65)", statistic: "largest mean test accuracy over the shells z ≠ z_m",
              scenario: dir + "s7_pe_sampling.yaml", figure: "S7_pe_sampling", rule: .atMost(0.65)) { r in
            let zm = try r.only().parameters.int("z_m")
            let others = r.groups.filter { let z = $0.parameters.int("shell"); return z >= 0 && z != zm }
            guard let worst = try others.map({ try r.metric("test_accuracy", in: $0) }).max(by: { $0.mean < $1.mean }) else {
                throw RecipeError("no shells other than z_m")
            }
            return ClaimMeasurement(worst)
        },
        Claim(id: "graph.real", paper: "graph",
              statement: "On a real graph (Zachary's karate club) the GT with PE learns the two factions from few labels.",
              prediction: "accuracy with 16 labelled members → high (accepted ≥ 0.8)", statistic: "mean test accuracy over seeds, GT+PE, 16 labels",
              scenario: dir + "real_karate.yaml", figure: "real_karate_club", rule: .atLeast(0.8)) { r in
            ClaimMeasurement(try r.metric("test_accuracy", in: try group(r, ["variant": .string("gt_pe"), "labeled": .int(16)])))
        },
    ]
}
