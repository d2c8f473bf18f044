import Foundation
import Sim
import ProvableNumerics
import Plots

/// Figure recipes R1–R9 of the low-rank paper (spec `lowrank-sparse.md` §6.2). Each reads the
/// aggregated sweep and draws the measurement with its spread, next to what the theory predicts.
enum LowRankFigures {
    static let matrices = ["Q", "K", "V", "O"]
    static let colors = ["Q": Palette.blue, "K": Palette.orange, "V": Palette.bluishGreen, "O": Palette.vermillion]

    static let recipes: [String: FigureRecipe] = [
        "update_spectra": updateSpectra,
        "rank_over_training": rankOverTraining,
        "rank_vs_patterns": rankVsPatterns,
        "truncation": truncation,
        "neuron_norms": neuronNorms,
        "pruning": pruning,
        "attention_concentration": attentionConcentration,
        "iteration_scaling": iterationScaling,
        "phase_diagram": phaseDiagram,
    ]

    static func only(_ r: AggregateResults) throws -> AggregateGroup { try r.only() }

    /// R1: σ_i/σ_1 of ΔW_Q, ΔW_K, ΔW_V, ΔW_O (log y) — two dominant values, then a drop (P3).
    static let updateSpectra: FigureRecipe = { req, r in
        let g = try only(r)
        let top = max(1, min(1000, Int(req.double("max_index", default: 10))))
        var layers: [Layer] = []
        for w in matrices {
            var s = try r.series("spectrum_\(w)", in: g)
            let k = min(top, s.x.count)
            s.x = Array(s.x.prefix(k)); s.mean = Array(s.mean.prefix(k)); s.sd = Array(s.sd.prefix(k))
            let e2 = g.metrics["E2_\(w)"]?.mean ?? .nan, s3 = g.metrics["sigma3_\(w)"]?.mean ?? .nan
            layers.append(.line(.meanWithBand("ΔW_\(w): E₂ = \(fmt(e2, 4)), σ₃/σ₁ = \(fmt(s3, 2))", s, color: colors[w], withPoints: true)))
        }
        return Figure(
            id: req.id, title: req.title ?? "Singular spectra of the updates ΔW = W⁽ᵀ⁾ − W⁽⁰⁾ (mean ± sd)",
            notes: r.figureNotes + ["claim P3: effectively rank 2 = number of label-relevant patterns"],
            x: Axis("index i", min: 0.5, max: Double(top) + 0.5), y: Axis("σᵢ / σ₁", log: true, min: 1e-4, max: 2),
            layers: layers, key: .bottomLeft)
    }

    /// R2: E_2 and subspace alignment ρ of every ΔW over training (P3, P4).
    static let rankOverTraining: FigureRecipe = { req, r in
        let g = try only(r)
        var layers: [Layer] = []
        for w in matrices {
            let s = try r.series("E2_\(w)", in: g)
            layers.append(.line(.meanWithBand("E₂(ΔW_\(w))", s, color: colors[w])))
        }
        let alignName = ["Q": "ρ_col(ΔW_Q)", "K": "ρ_row(ΔW_K)", "V": "ρ_row(ΔW_V)", "O": "ρ_row(ΔW_O)"]
        for w in matrices {
            let s = try r.series("align_\(w)", in: g)
            layers.append(.line(.meanWithBand(alignName[w]!, s, color: colors[w], dash: .dashed)))
        }
        return Figure(
            id: req.id, title: req.title ?? "Low-rank structure and alignment with span{μ₁, μ₂} over training",
            notes: r.figureNotes + ["E2 = energy fraction of the top 2 singular values; rho = alignment with the label-relevant subspace"],
            x: Axis("iteration t"), y: Axis("E₂ (solid), alignment ρ (dashed)", min: req.double("y_min", default: 0.5), max: 1.02),
            layers: layers, key: .bottomRight)
    }

    /// R3: effective rank r_0.1 vs number of label-relevant patterns 2K (P5); theory: Q, K on y = x.
    static let rankVsPatterns: FigureRecipe = { req, r in
        let groups = r.groups.sorted { ($0.parameters["relevant_per_class"]?.intValue ?? 0) < ($1.parameters["relevant_per_class"]?.intValue ?? 0) }
        let xs = groups.map { 2 * Double($0.parameters["relevant_per_class"]?.intValue ?? 1) }
        var layers: [Layer] = []
        for (j, w) in matrices.enumerated() {
            let ys = try groups.map { try r.metric("eff_rank_\(w)", in: $0) }
            let off = (Double(j) - 1.5) * 0.08
            layers.append(.points(Points("ΔW_\(w)", x: xs.map { $0 + off }, y: ys.map(\.mean), yErr: ys.map { $0.sd.isFinite ? $0.sd : 0 }, color: colors[w])))
        }
        let lo = (xs.first ?? 2) - 0.5, hi = (xs.last ?? 6) + 0.5
        layers.append(.line(Line("theory for ΔW_Q, ΔW_K: rank = 2K", x: [lo, hi], y: [lo, hi], dash: .dashed, color: "#555555")))
        layers.append(.hline(HLine("theory for ΔW_V, ΔW_O: rank 2 (group A vs B)", y: 2, dash: .dotted, color: "#888888")))
        return Figure(
            id: req.id, title: req.title ?? "Rank of the updates tracks the number of label-relevant patterns",
            notes: r.figureNotes + ["effective rank = #{i : sigma_i/sigma_1 > 0.1}"],
            x: Axis("number of label-relevant patterns 2K", min: lo, max: hi, tics: xs.map { ($0, String(Int($0))) }),
            y: Axis("effective rank r₀.₁", min: 0, max: hi + 0.5), layers: layers, key: .topLeft)
    }

    /// R4: test hinge after truncating every ΔW to rank r, and rank 1 on one matrix only (P6).
    static let truncation: FigureRecipe = { req, r in
        let g = try only(r)
        let s = try r.series("truncate_all_loss", in: g)
        let rmax = s.x.max() ?? 4
        var layers: [Layer] = [.line(.meanWithBand("all four ΔW truncated to rank r", s, color: Palette.blue, withPoints: true))]
        var bx: [Double] = [], bh: [Double] = [], tics: [(Double, String)] = s.x.map { ($0, String(Int($0))) }
        for (j, w) in matrices.enumerated() {
            let x = rmax + 2 + Double(j)
            bx.append(x); bh.append(try r.metric("truncate_rank1_only_\(w)_loss", in: g).mean)
            tics.append((x, "\(w) only"))
        }
        layers.append(.bars(Bars("rank 1 on one matrix, others full", x: bx, height: bh, width: 0.6, color: Palette.orange)))
        if let base = g.metrics["test_loss"]?.mean { layers.append(.hline(HLine("trained model (no truncation): \(fmt(base, 2))", y: base))) }
        return Figure(
            id: req.id, title: req.title ?? "Low rank suffices: test hinge after rank-r truncation of the updates",
            notes: r.figureNotes + ["claim P6: rank-2 truncation is free, rank 1 is not"],
            x: Axis("rank r of every ΔW   |   rank 1 on a single ΔW, others untouched", min: -0.5, max: rmax + 5.5, tics: tics),
            y: Axis("test hinge loss", min: 0),
            layers: layers, key: .topRight, width: 900)
    }

    /// R5: sorted W_O neuron norms at init and after training: a constant fraction grows (P7).
    static let neuronNorms: FigureRecipe = { req, r in
        let g = try only(r)
        let s0 = try r.series("neuron_norm_initial", in: g), s1 = try r.series("neuron_norm_trained", in: g)
        let frac = g.metrics["large_neuron_fraction"]?.mean ?? .nan, ratio = g.metrics["large_to_initial_ratio"]?.mean ?? .nan
        let thr = (g.metrics["median_initial_norm"]?.mean ?? .nan) * (g.parameters["large_neuron_factor"]?.doubleValue ?? 3)
        let layers: [Layer] = [
            .line(.meanWithBand("initialization", s0, color: "#7f7f7f")),
            .line(.meanWithBand("trained: \(fmt(100 * frac, 3))% large, median \(fmt(ratio, 2))× init", s1, color: Palette.vermillion)),
            .hline(HLine("large threshold (\(fmt(g.parameters["large_neuron_factor"]?.doubleValue ?? 3))× median init)", y: thr, dash: .dotted)),
        ]
        return Figure(
            id: req.id, title: req.title ?? "W_O becomes sparse: sorted neuron norms ‖W_O[i,:]‖",
            notes: r.figureNotes + ["neurons sorted ascending by norm; mean ± sd over seeds at each rank"],
            x: Axis("neuron rank (ascending norm)"), y: Axis("‖W_O[i,:]‖₂", log: true, min: req.double("y_min", default: 0.01)), layers: layers, key: .topLeft)
    }

    /// R6/R6b: test hinge (or error) vs pruning rate for magnitude / random / largest-first pruning,
    /// with the sorted neuron norms as bars on y2 (ICL'24 style) (P7).
    static let pruning: FigureRecipe = SharedRecipes.pruning

    /// R7: attention mass on label-relevant tokens over training vs on all other tokens (P8).
    static let attentionConcentration: FigureRecipe = { req, r in
        let g = try only(r)
        let s = try r.series("relevant_attention", in: g)
        var other = s
        other.mean = s.mean.map { 1 - $0 }
        let alpha = Double(g.parameters["n_rel"]?.intValue ?? 0) / Double(g.parameters["L"]?.intValue ?? 1)
        let layers: [Layer] = [
            .line(.meanWithBand("on label-relevant tokens", s, color: Palette.blue)),
            .line(.meanWithBand("on all other tokens", other, color: "#7f7f7f")),
            .hline(HLine("uniform attention: α_* = \(fmt(alpha))", y: alpha, dash: .dotted)),
        ]
        return Figure(
            id: req.id, title: req.title ?? "Attention concentrates on label-relevant tokens",
            notes: r.figureNotes + ["mass = mean over test samples and query positions of the softmax weight on tokens of pattern mu_y"],
            x: Axis("iteration t"), y: Axis("attention mass", min: 0, max: 1), layers: layers, key: .topRight)
    }

    /// R8: T* (iterations to test hinge < threshold) vs 1/α_* or η, log–log, with the fitted and the
    /// theoretical slope (T = Θ(α_*⁻¹ η⁻¹), P2).
    static let iterationScaling: FigureRecipe = { req, r in
        let axis = req.string("axis", default: "n_rel")  // n_rel → x = 1/α_* ; learning_rate → x = η
        let theory = req.double("theory_slope", default: axis == "n_rel" ? 1 : -1)
        let groups = r.groups
        var xs: [Double] = [], ys: [Double] = [], sds: [Double] = []
        for g in groups {
            guard let t = g.metrics["T_star"] else { continue }
            let x: Double
            if axis == "n_rel" {
                x = Double(g.parameters.int("L")) / Double(g.parameters.int("n_rel"))
            } else if let v = g.parameters[axis]?.doubleValue {
                x = v
            } else {
                throw RecipeError("option `axis: \(axis)` is not a numeric parameter of \(r.scenarioName) (use n_rel or learning_rate)")
            }
            xs.append(x); ys.append(t.mean); sds.append(t.sd.isFinite ? t.sd : 0)
        }
        let order = xs.indices.sorted { xs[$0] < xs[$1] }
        xs = order.map { xs[$0] }; ys = order.map { ys[$0] }; sds = order.map { sds[$0] }
        let overlay = try PowerLawOverlay(id: req.id, x: xs, y: ys, yErr: sds, measured: "measured T* (mean ± sd)", theory: theory)
        let fit = overlay.fit, x0 = overlay.xRange.lowerBound, x1 = overlay.xRange.upperBound
        let xLabel = axis == "n_rel" ? "1/α_* = L / n_rel" : (axis == "learning_rate" ? "step size η" : axis)
        let layers = overlay.layers
        return Figure(
            id: req.id, title: req.title ?? "Iterations to reach test hinge < threshold: T* = Θ(α_*⁻¹ η⁻¹)",
            notes: r.figureNotes + ["power-law fit of mean T* vs x: exponent \(fit.exponent) ± \(fit.exponentSE); theory \(theory)"],
            x: Axis(xLabel, log: true, min: x0 / 1.25, max: x1 * 1.25), y: Axis("T* (iterations)", log: true), layers: layers, key: .topLeft)
    }

    /// R9: fraction of seeds reaching test error ≤ threshold over (1/α_*, N), ICLR'23-style gray map (P9).
    static let phaseDiagram: FigureRecipe = { req, r in
        let invAlpha = { (g: AggregateGroup) in Double(g.parameters.int("L")) / Double(g.parameters.int("n_rel")) }
        let xsRaw = Array(Set(r.groups.map(invAlpha))).sorted()
        let ns = Array(Set(r.groups.map { Double($0.parameters.int("train_size")) })).sorted()
        var z = [[Double]](repeating: [Double](repeating: .nan, count: xsRaw.count), count: ns.count)
        for g in r.groups {
            guard let ix = xsRaw.firstIndex(of: invAlpha(g)), let iy = ns.firstIndex(of: Double(g.parameters.int("train_size"))) else { continue }
            z[iy][ix] = g.metrics["success"]?.mean ?? .nan
        }
        // N*(α_*) = smallest N whose mean test error ≤ the threshold (spec §5.10), and its log–log slope.
        let threshold = req.double("success_error", default: 0.05)
        var nStar: [Double] = []
        for x in xsRaw {
            let col = r.groups.filter { invAlpha($0) == x }.sorted { $0.parameters.int("train_size") < $1.parameters.int("train_size") }
            nStar.append(col.first { ($0.metrics["test_error"]?.mean ?? 1) <= threshold }.map { Double($0.parameters.int("train_size")) } ?? .nan)
        }
        let fit = Statistics.powerLawFit(x: xsRaw, y: nStar)
        let nStarText =
            "N* = " + nStar.map { $0.isFinite ? String(Int($0)) : "> max" }.joined(separator: " / ")
            + (fit.map { ", slope \(fmt($0.exponent, 2)) ± \(fmt($0.exponentSE, 2)) (theory 2)" } ?? "")
        // Cells on an index grid (image needs a uniform grid); tics carry the values.
        let layers: [Layer] = [
            .heatmap(
                Heatmap(
                    "success fraction", xs: xsRaw.indices.map(Double.init), ys: ns.indices.map(Double.init),
                    z: z, zLabel: "fraction of seeds with test error ≤ \(fmt(req.double("success_error", default: 0.05)))",
                    grayscale: true, zMin: 0, zMax: 1))
        ]
        return Figure(
            id: req.id, title: req.title ?? "Sample complexity, theory N ≥ Ω(α_*⁻²): \(nStarText)",
            notes: r.figureNotes + ["z = mean success over seeds; black = fail, white = success", nStarText],
            x: Axis("1/α_* = L / n_rel", min: -0.5, max: Double(xsRaw.count) - 0.5, tics: xsRaw.enumerated().map { (Double($0.offset), fmt($0.element, 3)) }),
            y: Axis("training samples N", min: -0.5, max: Double(ns.count) - 0.5, tics: ns.enumerated().map { (Double($0.offset), String(Int($0.element))) }),
            layers: layers, key: .none)
    }
}
