import Foundation
import Sim
import ProvableNumerics
import Plots

/// Figure recipes S1–S7 of the graph-transformer paper (spec `graph-transformer.md` §6.7), plus the
/// real-graph check. These are this project's synthetic figures, not numbered paper figures.
enum GraphFigures {
    static let palette = Palette.categorical
    static let variantTitle = ["gt_pe": "GT with PE", "gt_nope": "GT without PE", "gcn": "GCN (uniform attention)"]

    static let recipes: [String: FigureRecipe] = [
        "phase_gamma_L": phase,
        "nstar_vs_gamma": nStar,
        "iters_vs_gamma": iterations,
        "attention_core": attentionCore,
        "pe_values": peValues,
        "gt_vs_gcn": gtVsGcn,
        "pe_sampling": peSampling,
        "real_graph": realGraph,
    ]

    /// N*(γ_d) = smallest |L| whose mean test error ≤ the threshold, per γ_d (nil: never).
    static func sampleComplexity(_ r: AggregateResults, threshold: Double) -> [(gamma: Double, nStar: Double?)] {
        r.axisValues("gamma_d").map { g in
            let col = r.groups.filter { $0.parameters.double("gamma_d") == g }.sorted { $0.parameters.int("labeled") < $1.parameters.int("labeled") }
            return (g, col.first { ($0.metrics["test_error"]?.mean ?? 1) <= threshold }.map { Double($0.parameters.int("labeled")) })
        }
    }

    /// S1: success fraction over (γ_d, |L|), gray scale (white = every seed succeeds).
    static let phase: FigureRecipe = { req, r in
        let gammas = r.axisValues("gamma_d"), ls = r.axisValues("labeled")
        var z = [[Double]](repeating: [Double](repeating: .nan, count: gammas.count), count: ls.count)
        for g in r.groups {
            guard let ix = gammas.firstIndex(of: g.parameters.double("gamma_d")), let iy = ls.firstIndex(of: Double(g.parameters.int("labeled"))) else {
                continue
            }
            z[iy][ix] = g.metrics["success"]?.mean ?? .nan
        }
        let thr = req.double("success_error", default: 0.05)
        let ns = sampleComplexity(r, threshold: thr)
        let text = "N* = " + ns.map { $0.nStar.map { String(Int($0)) } ?? "> max" }.joined(separator: " / ")
        return Figure(
            id: req.id, title: req.title ?? "Sample complexity over (γ_d, |L|): \(text)",
            notes: r.figureNotes + ["z = fraction of seeds with test error ≤ \(thr); black = fail, white = success", text],
            x: Axis(
                "fraction of discriminative nodes γ_d", min: -0.5, max: Double(gammas.count) - 0.5,
                tics: gammas.enumerated().map { (Double($0.offset), fmt($0.element, 2)) }),
            y: Axis("labelled nodes |L|", min: -0.5, max: Double(ls.count) - 0.5, tics: ls.enumerated().map { (Double($0.offset), String(Int($0.element))) }),
            layers: [
                .heatmap(
                    Heatmap(
                        "success fraction", xs: gammas.indices.map(Double.init), ys: ls.indices.map(Double.init), z: z,
                        zLabel: "fraction of seeds with test error ≤ \(fmt(thr))", grayscale: true, zMin: 0, zMax: 1))
            ],
            key: .none)
    }

    /// S2: N* vs γ_d on log–log axes, fitted slope beside the paper's −2.
    static let nStar: FigureRecipe = { req, r in
        let ns = sampleComplexity(r, threshold: req.double("success_error", default: 0.05)).compactMap { e in e.nStar.map { (e.gamma, $0) } }
        let xs = ns.map(\.0), ys = ns.map(\.1)
        let overlay = try PowerLawOverlay(id: req.id, x: xs, y: ys, measured: "measured N*", theory: -2, theoryTitle: "theory: slope −2")
        let fit = overlay.fit, x0 = overlay.xRange.lowerBound, x1 = overlay.xRange.upperBound
        return Figure(
            id: req.id, title: req.title ?? "Labelled nodes needed vs discriminative fraction: paper N* ∝ γ_d⁻²",
            notes: r.figureNotes + ["N* = smallest |L| on the grid with mean test error ≤ threshold", "fit exponent \(fit.exponent) ± \(fit.exponentSE)"],
            x: Axis("γ_d", log: true, min: x0 / 1.15, max: x1 * 1.15), y: Axis("N* (labelled nodes)", log: true),
            layers: overlay.layers,
            key: .topRight)
    }

    /// S3: iterations to test error ≤ 0.05 vs 1/γ_d (mean ± sd).
    static let iterations: FigureRecipe = { req, r in
        let gs = r.groups.sorted { $0.parameters.double("gamma_d") > $1.parameters.double("gamma_d") }
        let xs = gs.map { 1 / $0.parameters.double("gamma_d") }
        let ts = try gs.map { try r.metric("T_star", in: $0) }
        return Figure(
            id: req.id, title: req.title ?? "Iterations to test error ≤ 0.05 vs 1/γ_d",
            notes: r.figureNotes + ["T* checked every tstar_every iterations on the test nodes"],
            x: Axis("1/γ_d"), y: Axis("T* (iterations)", min: 0),
            layers: [
                .line(
                    Line(
                        "T* (mean ± sd)", x: xs, y: ts.map(\.mean),
                        band: (ts.map { $0.mean - ($0.sd.isFinite ? $0.sd : 0) }, ts.map { $0.mean + ($0.sd.isFinite ? $0.sd : 0) }),
                        color: Palette.blue, withPoints: true))
            ],
            key: .topLeft)
    }

    /// S4: attention mass on the core ring over training, GT+PE vs GT without PE (and GCN if present).
    static let attentionCore: FigureRecipe = { req, r in
        var layers: [Layer] = []
        for (k, g) in r.groups.enumerated() {
            let v = g.parameters.string("variant")
            layers.append(
                .line(
                    .meanWithBand(
                        "\(variantTitle[v] ?? v): mass on the core ring z_m", try r.series("attention_core", in: g), color: palette[k % palette.count])))
            layers.append(
                .line(
                    .meanWithBand(
                        "\(variantTitle[v] ?? v): R_disc (disc./non-disc. attention)", try r.series("r_disc", in: g), color: palette[k % palette.count],
                        dash: .dashed)))
        }
        return Figure(
            id: req.id, title: req.title ?? "Attention becomes sparse: mass on the core ring (PE) — R_disc stays ≈ 1",
            notes: r.figureNotes + ["test nodes; R_disc = mean attention per discriminative node / per non-discriminative node"],
            x: Axis("iteration"), y: Axis("attention mass (solid), R_disc (dashed)", min: 0, max: 1.6), layers: layers, key: .topRight, width: 860)
    }

    /// S5: trajectories of the learned PE b_z, z = 0 … Z; z_m drawn thick.
    static let peValues: FigureRecipe = { req, r in
        let g = try r.only()
        let zm = g.parameters.int("z_m")
        let layers: [Layer] = try (0...g.parameters.int("Z")).map { z in
            .line(
                .meanWithBand(
                    z == zm ? "b_\(z) (core distance z_m)" : "b_\(z)", try r.series("pe_b\(z)", in: g), color: palette[z % palette.count],
                    dash: z == zm ? .solid : .dashed, withPoints: z == zm))
        }
        return Figure(
            id: req.id, title: req.title ?? "The positional encoding learns the core distance",
            notes: r.figureNotes, x: Axis("iteration"), y: Axis("PE value b_z", min: -3, max: 4.5), layers: layers, key: .topLeft)
    }

    /// S6: test error vs |L| for GT+PE, GT without PE and GCN.
    static let gtVsGcn: FigureRecipe = { req, r in
        var layers: [Layer] = []
        for (k, v) in ["gt_pe", "gt_nope", "gcn"].enumerated() {
            let gs = r.groups.filter { $0.parameters.string("variant") == v }.sorted { $0.parameters.int("labeled") < $1.parameters.int("labeled") }
            guard !gs.isEmpty else { continue }
            let xs = gs.map { Double($0.parameters.int("labeled")) }
            let e = try gs.map { try r.metric("test_error", in: $0) }
            layers.append(
                .line(
                    Line(
                        variantTitle[v]!, x: xs, y: e.map(\.mean),
                        band: (e.map { $0.mean - ($0.sd.isFinite ? $0.sd : 0) }, e.map { $0.mean + ($0.sd.isFinite ? $0.sd : 0) }),
                        color: palette[k], withPoints: true)))
        }
        layers.append(.hline(HLine("error 0.05", y: 0.05, dash: .dotted, color: "#888888")))
        return Figure(
            id: req.id, title: req.title ?? "GT with PE needs far fewer labels than GT without PE or GCN",
            notes: r.figureNotes, x: Axis("labelled nodes |L|", log: true), y: Axis("test error", min: 0, max: 0.6), layers: layers, key: .topRight)
    }

    /// S7: learned b_z (full GT+PE, left axis) and test accuracy when attending only to shell z (right
    /// axis) — the synthetic analogue of the paper's Fig. 8.
    static let peSampling: FigureRecipe = { req, r in
        guard let full = r.groups.first(where: { $0.parameters.int("shell") < 0 }) else { throw RecipeError("\(req.id): needs a shell = −1 (full T^n) group") }
        let prof = try r.series("pe_profile", in: full)
        let shells = r.groups.filter { $0.parameters.int("shell") >= 0 }.sorted { $0.parameters.int("shell") < $1.parameters.int("shell") }
        let acc = try shells.map { try r.metric("test_accuracy", in: $0) }
        let layers: [Layer] = [
            .line(.meanWithBand("learned PE b_z (full neighbourhood, left)", prof, color: Palette.blue, withPoints: true)),
            .points(
                Points(
                    "test accuracy, attending to shell z only (right)", x: shells.map { Double($0.parameters.int("shell")) }, y: acc.map(\.mean),
                    yErr: acc.map { $0.sd.isFinite ? $0.sd : 0 }, color: Palette.vermillion, axis: .y2)),
        ]
        return Figure(
            id: req.id, title: req.title ?? "PE-based sampling: b_z tracks the accuracy of training on shell z alone",
            notes: r.figureNotes, x: Axis("distance z", min: -0.3, max: Double(prof.x.count) - 0.7, tics: prof.x.map { ($0, String(Int($0))) }),
            y: Axis("b_z"), y2: Axis("test accuracy", min: 0.4, max: 1.02), layers: layers, key: .bottomLeft)
    }

    /// Real graph: test accuracy per variant and |L| (mean ± sd over splits), b_z in the notes.
    static let realGraph: FigureRecipe = { req, r in
        var layers: [Layer] = []
        var notes = r.figureNotes
        for (k, v) in ["gt_pe", "gt_nope", "gcn"].enumerated() {
            let gs = r.groups.filter { $0.parameters.string("variant") == v }.sorted { $0.parameters.int("labeled") < $1.parameters.int("labeled") }
            guard !gs.isEmpty else { continue }
            let xs = gs.map { Double($0.parameters.int("labeled")) }
            let a = try gs.map { try r.metric("test_accuracy", in: $0) }
            layers.append(
                .line(
                    Line(
                        variantTitle[v]!, x: xs, y: a.map(\.mean),
                        band: (a.map { $0.mean - ($0.sd.isFinite ? $0.sd : 0) }, a.map { $0.mean + ($0.sd.isFinite ? $0.sd : 0) }),
                        color: palette[k], withPoints: true)))
            if v == "gt_pe", let last = gs.last, let prof = last.series["pe_profile"] {
                notes.append("learned b_z at |L| = \(last.parameters.int("labeled")): " + prof.mean.map { fmt($0, 3) }.joined(separator: ", "))
            }
        }
        return Figure(
            id: req.id, title: req.title ?? "Real graph (Zachary's karate club): test accuracy vs labelled nodes",
            notes: notes, x: Axis("labelled nodes |L|"), y: Axis("test accuracy", min: 0.3, max: 1.02), layers: layers, key: .bottomRight)
    }
}
