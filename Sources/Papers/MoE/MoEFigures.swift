import Foundation
import Sim
import ProvableNumerics
import Plots

/// Figure recipes S1–S7 of the MoE expert-pruning paper (spec `moe-pruning.md` §6.2). These are this
/// project's synthetic validation of Theorems 1 and 2, not the paper's V-MoE / E³-MoE figures; every
/// title and data file says so. Curves are mean ± sd over seeds.
enum MoEFigures {
    static let palette = Palette.categorical
    static let tag = "synthetic validation"
    static let provenanceNote =
        "S-figures are Provable's synthetic validation of the theorems (spec moe-pruning.md 6.2), not the paper's real-model (V-MoE) figures"

    static let recipes: [String: FigureRecipe] = [
        "delta_per_expert": deltaPerExpert,
        "sqrt_d": sqrtD,
        "pruning": pruning,
        "knee": knee,
        "dynamics": dynamics,
        "token_choice": tokenChoice,
        "post_pruning_steps": postPruningSteps,
    ]

    static func percent(_ s: SeriesSummary) -> SeriesSummary {
        var t = s
        t.mean = s.mean.map { 100 * $0 }; t.sd = s.sd.map { 100 * $0 }
        t.ciLow = s.ciLow.map { 100 * $0 }; t.ciHigh = s.ciHigh.map { 100 * $0 }
        return t
    }

    /// A vertical reference segment at x from y0 to y1 (the Figure model has no vline layer).
    static func vline(_ title: String, x: Double, y0: Double, y1: Double, dash: Dash = .dashed, color: String = "#555555") -> Layer {
        .line(Line(title, x: [x, x], y: [y0, y1], dash: dash, color: color))
    }

    /// Decade tics 10^a … 10^b labelled "1e-4", "0.01", "1", "10" (gnuplot's own labels pad to equal precision).
    static func decades(_ lo: Double, _ hi: Double) -> [(Double, String)] {
        let a = Int(log10(lo).rounded(.down)), b = Int(log10(hi).rounded(.up))
        return (a...b).map { e in
            let v = pow(10, Double(e))
            return (v, e >= -2 && e <= 3 ? String(format: "%g", v) : "1e\(e)")
        }
    }

    static func configName(_ g: AggregateGroup) -> String {
        let p = g.parameters
        return "F = \(p.int("F")), k = \(p.int("k")), d = \(p.int("d")), n = \(p.int("n")), \(p.string("routing").replacingOccurrences(of: "_", with: " "))"
    }

    /// S1: |Δ_s| per expert after fine-tuning, experts sorted by Δ, coloured by (constructed) importance.
    static let deltaPerExpert: FigureRecipe = { req, r in
        let g = try r.only()
        let s = try r.series("abs_delta_sorted", in: g), imp = try r.series("delta_sorted_important", in: g)
        let isImp = imp.mean.map { $0 >= 0.5 }
        let d = Double(g.parameters.int("d"))
        let lo = g.metrics["delta_imp_min"]?.values.min() ?? .nan, hi = g.metrics["delta_imp_max"]?.values.max() ?? .nan
        let irr = g.metrics["delta_irr_absmax"]?.values.max() ?? .nan
        let summary = "all seeds: important Δ_s ∈ [\(fmt(lo, 3)), \(fmt(hi, 3))], irrelevant max |Δ_s| = \(fmt(irr, 2)), ratio \(fmt(lo / irr, 3))"
        var layers: [Layer] = []
        for (flag, title, color) in [
            (true, "important experts: Δ_s ∈ [\(fmt(lo, 3)), \(fmt(hi, 3))] over all seeds", Palette.vermillion),
            (false, "task-irrelevant experts: |Δ_s| ≤ \(fmt(irr, 2))", "#7f7f7f"),
        ] {
            let idx = s.x.indices.filter { isImp[$0] == flag }
            guard !idx.isEmpty else { continue }
            layers.append(
                .points(
                    Points(
                        title, x: idx.map { s.x[$0] }, y: idx.map { s.mean[$0] },
                        yErr: idx.map { s.sd[$0].isFinite ? s.sd[$0] : 0 }, color: color)))
        }
        layers.append(
            .hline(HLine("1/√d = \(fmt(1 / d.squareRoot(), 2)): Thm 1's order for irrelevant experts", y: 1 / d.squareRoot(), dash: .dashed, color: "#555555")))
        let cfg = req.string("config", default: "")
        return Figure(
            id: req.id, title: req.title ?? "S1 (\(tag), Thm 1): router-norm change per expert after fine-tuning\(cfg.isEmpty ? "" : ", Config " + cfg)",
            notes: r.figureNotes + [
                provenanceNote, configName(g),
                "Δ_s = ‖w_s^(T)‖ − ‖w_s^(0)‖; experts sorted ascending by Δ in each seed; y = mean ± sd over seeds of |Δ_s| at each rank, log axis", summary,
            ],
            x: Axis(
                "expert rank (ascending Δ_s)", min: 0.5, max: s.x.count > 0 ? Double(s.x.count) + 0.5 : nil,
                tics: s.x.map { ($0, String(Int($0))) }),
            y: Axis(
                "|Δ_s| = |‖w_s^(T)‖ − ‖w_s^(0)‖|", log: true, min: req.double("y_min", default: 1e-5), max: req.double("y_max", default: 100),
                tics: decades(req.double("y_min", default: 1e-5), req.double("y_max", default: 100))),
            layers: layers, key: .topLeft, width: 900, height: 620)
    }

    /// S2: router change of irrelevant experts vs d (log–log) with fitted slopes; Δ of important experts.
    static let sqrtD: FigureRecipe = { req, r in
        let groups = r.groups.sorted { $0.parameters.int("d") < $1.parameters.int("d") }
        let ds = groups.map { Double($0.parameters.int("d")) }
        guard let d0 = ds.first, let d1 = ds.last, ds.count >= 2 else { throw RecipeError("\(req.id): needs ≥ 2 values of d") }
        let grid = (0...20).map { d0 * pow(d1 / d0, Double($0) / 20) }
        let items: [(String, String, String, Double, String)] = [
            ("change_irr_mean", "‖w_s^(T) − w_s^(0)‖, irrelevant", Palette.blue, -0.5, "−1/2"),
            ("delta_irr_absmean", "|Δ_s|, irrelevant", "#7f7f7f", -0.5, "≤ −1/2"),
            ("delta_imp_mean", "Δ_s, important", Palette.vermillion, 0, "0"),
        ]
        var layers: [Layer] = []
        var notes: [String] = []
        for (metric, label, color, theory, theoryText) in items {
            let sums = try groups.map { try r.metric(metric, in: $0) }
            let ys = sums.map(\.mean)
            let fit = Statistics.powerLawFit(x: ds, y: ys)
            let fitText = fit.map { "fitted slope \(fmt($0.exponent, 2)) ± \(fmt($0.exponentSE, 1))" } ?? "no fit"
            layers.append(
                .points(Points("\(label): \(fitText), theory \(theoryText)", x: ds, y: ys, yErr: sums.map { $0.sd.isFinite ? $0.sd : 0 }, color: color)))
            if let f = fit { layers.append(.line(Line("", x: grid, y: grid.map(f.predict), color: color, isReference: true))) }
            // Theory guide anchored at the geometric mean of the measurements.
            let gx = exp(ds.map(log).reduce(0, +) / Double(ds.count)), gy = exp(ys.map(log).reduce(0, +) / Double(ys.count))
            if metric != "delta_irr_absmean" && gy.isFinite {
                layers.append(
                    .line(
                        Line(
                            metric == "change_irr_mean" ? "theory: ∝ d^(−1/2), i.e. O(1/√d)" : "theory: Ω(1), flat in d",
                            x: grid, y: grid.map { gy * pow($0 / gx, theory) }, dash: .dashed, color: color, isReference: true)))
            }
            notes.append("\(metric): \(fitText) (theory \(theoryText)); means " + ys.map { fmt($0, 3) }.joined(separator: ", "))
        }
        return Figure(
            id: req.id, title: req.title ?? "S2 (\(tag), Thm 1): irrelevant routers move by O(1/√d), important ones by Ω(1)",
            notes: r.figureNotes + [provenanceNote, "x = d; each point mean ± sd over seeds; lines: power-law fits (solid) and theory slopes (dashed)"] + notes,
            x: Axis("token dimension d", log: true, min: d0 / 1.3, max: d1 * 1.3, tics: ds.map { ($0, String(Int($0))) }),
            y: Axis(
                "router change", log: true, min: req.double("y_min", default: 1e-5), max: req.double("y_max", default: 1000),
                tics: decades(req.double("y_min", default: 1e-5), req.double("y_max", default: 1000))),
            layers: layers, key: .topRight, width: 900, height: 620)
    }

    /// Drawn back to front: Δ last, on top of the criteria that coincide with it.
    static let criteria: [(String, String, String)] = [
        ("reverse", "reverse: largest Δ_s first", Palette.vermillion),
        ("random", "random order (band: sd over orders)", Palette.orange),
        ("final_norm", "final router norm ‖w_s^(T)‖, smallest first", Palette.bluishGreen),
        ("contribution", "contribution |Σ G h|, smallest first (importance-score analogue)", Palette.reddishPurple),
        ("delta", "Δ_s, smallest first (the paper's method)", Palette.blue),
    ]

    /// S3 / S4: test accuracy vs pruning ratio ρ for every criterion, without (S3) or with (S4)
    /// post-pruning fine-tuning; vertical lines at ρ = γ and ρ = 1 − 2/k.
    static let pruning: FigureRecipe = { req, r in
        let g = try r.only()
        let ft = req.bool("finetune", default: false)
        let sfx = ft ? "_ft" : ""
        var layers: [Layer] = []
        for (k, (name, label, color)) in criteria.enumerated() {
            guard var s = g.series["acc_\(name)\(sfx)"] else { continue }
            s = percent(s)
            let dash: Dash = name == "final_norm" || name == "reverse" ? .dashed : .solid
            if name == "random", let sd = g.series["acc_random\(sfx)_mask_sd"] {
                let band = (zip(s.mean, sd.mean).map { $0 - 100 * $1 }, zip(s.mean, sd.mean).map { $0 + 100 * $1 })
                layers.append(.line(Line(label, x: s.x, y: s.mean, band: band, dash: dash, color: color, withPoints: true)))
            } else {
                layers.append(.line(.meanWithBand(label + (name == "delta" ? "" : ""), s, color: color, dash: dash, withPoints: true)))
            }
        }
        guard !layers.isEmpty else { throw RecipeError("\(req.id): no acc_*\(sfx) series — run with pruning: \(ft ? "finetune" : "no_finetune")") }
        let gamma = g.metrics["gamma"]?.mean ?? .nan, k = Double(g.parameters.int("k"))
        let yMin = req.double("y_min", default: 20)
        layers.append(vline("ρ = γ = \(fmt(gamma, 3)): Thm 2 guarantee without fine-tuning", x: gamma, y0: yMin, y1: 102))
        if ft { layers.append(vline("ρ = 1 − 2/k = \(fmt(1 - 2 / k, 3)): Thm 2, 1 − O(1/k) with fine-tuning", x: 1 - 2 / k, y0: yMin, y1: 102, dash: .dotted)) }
        layers.append(.hline(HLine("chance (50%)", y: 50, dash: .dotted, color: "#aaaaaa")))
        let knee = g.metrics["knee_delta"]?.mean ?? .nan
        let what = ft ? "after \(g.parameters.int("T_post")) post-pruning fine-tuning steps" : "no fine-tuning after pruning"
        let cfg = req.string("config", default: "")
        return Figure(
            id: req.id,
            title: req.title ?? "\(ft ? "S4" : "S3") (\(tag), Thm 2)\(cfg.isEmpty ? "" : ", Config " + cfg): accuracy vs fraction of experts pruned, \(what)",
            notes: r.figureNotes + [
                provenanceNote, configName(g), what, "mean Δ-knee (largest ρ within 0.01 of unpruned): \(fmt(knee, 3)); γ = \(fmt(gamma, 3))",
            ],
            x: Axis("pruning ratio ρ (fraction of the k = \(Int(k)) experts removed)", min: -0.02, max: 1),
            y: Axis("test accuracy (%)", min: yMin, max: 102), layers: layers, key: .bottomLeft, width: 1060, height: 620)
    }

    /// S5: Δ-order pruning without fine-tuning for several F (k fixed): the knee follows γ = 1 − 2F/k.
    static let knee: FigureRecipe = { req, r in
        let groups = r.groups.sorted { $0.parameters.int("F") < $1.parameters.int("F") }
        var layers: [Layer] = []
        var notes: [String] = []
        for (i, g) in groups.enumerated() {
            let F = g.parameters.int("F"), color = palette[i % palette.count]
            let gamma = g.metrics["gamma"]?.mean ?? .nan, knee = g.metrics["knee_delta"]?.mean ?? .nan
            layers.append(
                .line(
                    .meanWithBand(
                        "F = \(F): γ = \(fmt(gamma, 3)), measured knee \(fmt(knee, 3))", percent(try r.series("acc_delta", in: g)), color: color,
                        withPoints: true)))
            layers.append(vline("", x: gamma, y0: 40, y1: 102, dash: .dashed, color: color))
            notes.append("F = \(F): gamma = \(gamma), knee = \(knee)")
        }
        return Figure(
            id: req.id, title: req.title ?? "S5 (\(tag), Thm 2): the knee sits at ρ = γ = 1 − 2F/k — harder tasks tolerate less pruning",
            notes: r.figureNotes + [provenanceNote, "Δ order, no fine-tuning after pruning; dashed verticals: γ of each F"] + notes,
            x: Axis("pruning ratio ρ", min: -0.02, max: 1), y: Axis("test accuracy (%)", min: 40, max: 102),
            layers: layers, key: .bottomLeft, width: 900, height: 620)
    }

    /// S6: Δ_s(t) per expert during fine-tuning, test accuracy on the right axis.
    static let dynamics: FigureRecipe = { req, r in
        let g = try r.only()
        let k = g.parameters.int("k")
        let imp = try r.series("important_by_expert", in: g).mean.map { $0 >= 0.5 }
        let hot = [
            Palette.vermillion, Palette.orange, Palette.reddishPurple, Palette.skyBlue, Palette.bluishGreen, Palette.yellow, Palette.blue, Palette.black,
        ]
        var layers: [Layer] = []
        let impIdx = (0..<k).filter { imp[$0] }, irrIdx = (0..<k).filter { !imp[$0] }
        for (i, s) in impIdx.enumerated() {
            layers.append(
                .line(
                    .meanWithBand(
                        i == 0 ? "important experts \(impIdx.map(String.init).joined(separator: ", ")) (one colour each)" : "",
                        try r.series("router_delta_\(s)", in: g), color: hot[i % hot.count])))
        }
        for (i, s) in irrIdx.enumerated() {
            layers.append(
                .line(
                    .meanWithBand(
                        i == 0 ? "irrelevant experts \(irrIdx.map(String.init).joined(separator: ", "))" : "",
                        try r.series("router_delta_\(s)", in: g), color: "#7f7f7f")))
        }
        layers.append(.line(.meanWithBand("training hinge loss (right axis)", try r.series("train_hinge", in: g), color: "#000000", dash: .dashed, axis: .y2)))
        layers.append(
            .line(
                .meanWithBand("test accuracy (right axis)", try r.series("test_accuracy", in: g), color: "#000000", dash: .dotted, withPoints: true, axis: .y2))
        )
        return Figure(
            id: req.id, title: req.title ?? "S6 (\(tag), Thm 1): router-norm change during fine-tuning",
            notes: r.figureNotes + [
                provenanceNote, configName(g), "y = Δ_s(t) = ‖w_s^(t)‖ − ‖w_s^(0)‖, mean ± sd over seeds per expert (same role in every seed)",
            ],
            x: Axis("fine-tuning iteration t"), y: Axis("Δ_s(t)", min: -0.6, max: 1.6, tics: stride(from: 0.0, through: 1.6, by: 0.2).map { ($0, fmt($0, 2)) }),
            y2: Axis(
                "test accuracy; training hinge (mean since the last log)", min: -0.45, max: 1.1,
                tics: stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, fmt($0, 2)) }),
            layers: layers, key: .bottomRight, width: 900, height: 620)
    }

    /// S7: token choice (top-K experts per token), Δ order, with and without post-pruning fine-tuning,
    /// under the "drop" and "reroute" semantics of a pruned expert.
    static let tokenChoice: FigureRecipe = { req, r in
        var layers: [Layer] = []
        var gamma = Double.nan
        for (i, g) in r.groups.enumerated() {
            let sem = g.parameters.string("pruned_semantics"), color = palette[i % palette.count]
            gamma = g.metrics["gamma"]?.mean ?? gamma
            layers.append(
                .line(.meanWithBand("\(sem), no fine-tune", percent(try r.series("acc_delta", in: g)), color: color, dash: .dashed, withPoints: true)))
            if let s = g.series["acc_delta_ft"] {
                layers.append(.line(.meanWithBand("\(sem), + \(g.parameters.int("T_post")) fine-tuning steps", percent(s), color: color, withPoints: true)))
            }
        }
        layers.append(vline("ρ = γ = \(fmt(gamma, 3))", x: gamma, y0: 40, y1: 102))
        layers.append(.hline(HLine("chance (50%)", y: 50, dash: .dotted, color: "#aaaaaa")))
        let g0 = try r.only()
        return Figure(
            id: req.id,
            title: req.title ?? "S7 (\(tag)): token-choice routing (K = \(g0.parameters.int("K"))), Δ order — a pruned expert's tokens dropped vs rerouted",
            notes: r.figureNotes + [
                provenanceNote, configName(g0),
                "drop: pruned routers still win tokens, which get 0 (official code); reroute: pruned routers leave the softmax/top-K",
                "drop and reroute are separate sweep points, hence independently fine-tuned models",
            ],
            x: Axis("pruning ratio ρ", min: -0.02, max: 1), y: Axis("test accuracy (%)", min: 40, max: 102),
            layers: layers, key: .bottomLeft, width: 900, height: 620)
    }

    /// The Δ-order curves along the post-pruning steps, `acc_delta_ft_steps_j<j>`, by j (ρ = j/k).
    static func postPruningCurves(_ g: AggregateGroup) -> [(j: Int, s: SeriesSummary)] {
        let prefix = "acc_delta_ft_steps_j"
        return g.series.compactMap { name, s in
            name.hasPrefix(prefix) ? Int(name.dropFirst(prefix.count)).map { ($0, s) } : nil
        }.sorted { $0.j < $1.j }
    }

    /// The smallest t′ from which the whole 95% interval stays at or above `threshold` (T6's rule
    /// read on a single ρ), or nil if it never does.
    static func firstClearing(_ s: SeriesSummary, _ threshold: Double) -> Double? {
        guard let last = s.x.indices.last(where: { !(s.ciLow[$0] >= threshold) }) else { return s.x.first }
        return last + 1 < s.x.count ? s.x[last + 1] : nil
    }

    /// "mean [lo, hi]" of a series point, in %.
    static func ciText(_ s: SeriesSummary, at i: Int) -> String {
        "\(String(format: "%.1f", 100 * s.mean[i])) [\(String(format: "%.1f", 100 * s.ciLow[i])), \(String(format: "%.1f", 100 * s.ciHigh[i]))]"
    }

    /// S8 (claim T6): test accuracy after Δ-pruning a fraction ρ of the experts and t′ post-pruning
    /// fine-tuning steps, against t′ — mean with its 95% interval over seeds, one curve per ρ; T6's
    /// 0.95 threshold, the unpruned accuracy Theorem 2 promises to restore for ρ ≤ 1 − O(1/k) (here
    /// 1 − 2/k), and the T′ the Config B claim uses. The recovery is a delayed rise, not a power
    /// law, so x is linear by default (t′ = 0, the accuracy without fine-tuning, stays on the plot).
    /// Options: `log_x`, `y_min` (%), `threshold`, `reference_steps` (default: the run's T, claim T6's budget), `config`.
    static let postPruningSteps: FigureRecipe = { req, r in
        let g = try r.only()
        let curves = postPruningCurves(g)
        guard !curves.isEmpty else { throw RecipeError("\(req.id): no acc_delta_ft_steps_j* series — run with pruning: finetune and post_eval_every > 0") }
        let k = g.parameters.int("k"), bound = 1 - 2 / Double(k)
        let logX = req.bool("log_x", default: false), yMin = req.double("y_min", default: 50)
        // Claim T6's budget: as many post-pruning steps as the fine-tune before pruning (T′ = T).
        let threshold = req.double("threshold", default: 0.95), ref = req.double("reference_steps", default: Double(g.parameters.int("T")))
        let colors = [Palette.bluishGreen, Palette.blue, Palette.vermillion, "#7f7f7f", Palette.reddishPurple, Palette.orange]
        var layers: [Layer] = []
        var notes: [String] = []
        for (i, (j, s)) in curves.enumerated() {
            let keep = s.x.indices.filter { !logX || s.x[$0] >= 1 }
            let first =
                firstClearing(s, threshold).map { "95% CI ≥ \(fmt(100 * threshold, 3))% from t′ = \(Int($0))" } ?? "95% CI never ≥ \(fmt(100 * threshold, 3))%"
            let start = logX && s.x.first == 0 ? ", \(String(format: "%.1f", 100 * s.mean[0]))% at t′ = 0" : ""
            let inside = Double(j) / Double(k) <= bound + 1e-9 ? "" : " (beyond 1 − 2/k)"
            let band = (keep.map { 100 * s.ciLow[$0] }, keep.map { 100 * s.ciHigh[$0] })
            layers.append(
                .line(
                    Line(
                        "ρ = \(j)/\(k)\(inside): \(first)\(start)", x: keep.map { s.x[$0] }, y: keep.map { 100 * s.mean[$0] },
                        band: band, color: colors[i % colors.count])))
            notes.append("rho = \(j)/\(k): " + s.x.indices.map { "t'=\(Int(s.x[$0])): \(ciText(s, at: $0))" }.joined(separator: "; "))
        }
        let base = g.metrics["acc_unpruned"]?.mean ?? .nan
        layers.append(
            .hline(
                HLine(
                    "T6 threshold \(fmt(100 * threshold, 3))%, for every ρ ≤ 1 − 2/k = \(Int(bound * Double(k)))/\(k)", y: 100 * threshold, dash: .dashed,
                    color: "#000000")))
        layers.append(
            .hline(
                HLine(
                    "Thm 2, ρ ≤ 1 − O(1/k) with fine-tuning: unpruned accuracy (\(String(format: "%.1f", 100 * base))%)", y: 100 * base, dash: .dotted,
                    color: "#555555")))
        let xs = curves.flatMap { $0.s.x }.filter { !logX || $0 >= 1 }
        guard let x0 = xs.min(), let x1 = xs.max() else { throw RecipeError("\(req.id): empty t′ grid") }
        layers.append(
            vline(
                "t′ = T = \(Int(ref)): claim T6's budget (as many steps as the fine-tune before pruning)", x: ref, y0: yMin, y1: 101, dash: .dotted,
                color: "#999999"))
        let ticks = [25.0, 50, 100, 200, 300, 600, 1200, 2400, 4800].filter { $0 >= x0 && $0 <= x1 }
        let x =
            logX
            ? Axis("post-pruning fine-tuning steps t′ (log scale)", log: true, min: x0 / 1.15, max: x1 * 1.15, tics: ticks.map { ($0, String(Int($0))) })
            : Axis(
                "post-pruning fine-tuning steps t′", min: 0, max: x1,
                tics: stride(from: 0.0, through: x1, by: ref > 0 ? ref / 2 : x1 / 8).map { ($0, String(Int($0))) })
        let cfg = req.string("config", default: "")
        return Figure(
            id: req.id,
            title: req.title
                ?? "S8 (\(tag), Thm 2, claim T6)\(cfg.isEmpty ? "" : ", Config " + cfg): accuracy after Δ-pruning vs post-pruning fine-tuning steps t′",
            notes: r.figureNotes + [
                provenanceNote, configName(g),
                "Δ order (smallest router-norm change first); y = test accuracy (%) after t′ post-pruning SGD steps; line = mean, band = 95% t-interval over seeds; per t′: mean [95% CI] in %",
            ] + notes,
            x: x, y: Axis("test accuracy (%): mean, 95% CI over \(g.replicates - g.diverged) seeds", min: yMin, max: 101),
            layers: layers, key: .bottomRight, width: 1000, height: 640)
    }
}
