import Foundation
import Sim
import ProvableNumerics
import Plots

/// Figure recipes of the ICL paper (spec `icl.md` §6). Axes are "iterations" (online SGD), not the
/// paper's epochs; every curve is mean ± sd over seeds.
enum ICLFigures {
    static let palette = Palette.categorical

    static let recipes: [String: FigureRecipe] = [
        "attention_norms": attentionNorms,
        "attention_sum": attentionSum,
        "feature_embedding": featureEmbedding,
        "label_embedding": labelEmbedding,
        "pruning": SharedRecipes.pruning,
        "pruning_alpha": pruningAlpha,
        "baselines": baselines,
        "baseline_gap_map": baselineGapMap,
        "ood_s1": oodS1,
        "ood_alpha": oodAlpha,
        "task_coverage": taskCoverage,
        "context_length_collapse": contextLengthCollapse,
        "test_length": testLength,
        "iteration_scaling": iterationScaling,
    ]

    /// Lines for the listed (series, title) pairs of the single group, each with a ±sd band.
    static func lines(
        _ r: AggregateResults, _ g: AggregateGroup, _ items: [(String, String)], dash: Dash = .auto,
        withPoints: Bool = false, colorOffset: Int = 0
    ) throws -> [Layer] {
        try items.enumerated().map { k, item in
            .line(.meanWithBand(item.1, try r.series(item.0, in: g), color: palette[(k + colorOffset) % palette.count], dash: dash, withPoints: withPoints))
        }
    }

    /// F-ATTN-NORM: ‖W_Q p_query‖, ‖W_K p_i‖ and their pattern-only parts over training (P1).
    static let attentionNorms: FigureRecipe = { req, r in
        let g = try r.only()
        var layers = try lines(r, g, [("query_norm", "‖W_Q p_query‖"), ("key_norm", "‖W_K p_i‖")])
        layers += try lines(
            r, g, [("query_pattern_norm", "pattern only: ‖W_Q [μ_j; 0]‖"), ("key_pattern_norm", "pattern only: ‖W_K [μ_j; 0]‖")], dash: .dashed)
        return Figure(
            id: req.id, title: req.title ?? "Query/key magnitudes grow, carried by the pattern component (P1)",
            notes: r.figureNotes + ["unseen-task test prompts; pattern-only norms averaged over the IDR patterns"],
            x: Axis("iteration"), y: Axis("magnitude", min: 0), layers: layers, key: .bottomRight)
    }

    /// F-ATTN-SUM: attention mass on contexts sharing the query's pattern vs the others (P1, induction head).
    static let attentionSum: FigureRecipe = { req, r in
        let g = try r.only()
        let layers = try lines(r, g, [("att_same", "contexts with the query's pattern"), ("att_other", "other contexts")])
        return Figure(
            id: req.id, title: req.title ?? "Attention concentrates on same-pattern contexts (P1)",
            notes: r.figureNotes + ["unseen-task prompts, α′ = alpha_test"],
            x: Axis("iteration"), y: Axis("total attention weight", min: 0, max: 1), layers: layers, key: .topRight)
    }

    /// A trajectory (angle, magnitude) of the median large neuron over the logged iterations.
    static func trajectory(_ r: AggregateResults, _ g: AggregateGroup, angle: String, magnitude: String, title: String, color: String) throws -> Layer {
        let a = try r.series(angle, in: g), m = try r.series(magnitude, in: g)
        return .line(Line(title, x: a.mean, y: m.mean, color: color, withPoints: true))
    }

    /// F-FEAT: feature part of the W_O·W_V rows — angle to μ̄ and magnitude over training (P2).
    static let featureEmbedding: FigureRecipe = { req, r in
        let g = try r.only()
        let t = try r.series("feature_angle_deg", in: g).x
        let layers = [
            try trajectory(
                r, g, angle: "feature_angle_deg", magnitude: "feature_norm",
                title: "median large neuron, iterations 0 → \(Int(t.last ?? 0)) (every \(Int(t.count > 1 ? t[1] - t[0] : 0)))", color: Palette.blue)
        ]
        return Figure(
            id: req.id, title: req.title ?? "Feature embedding of W_O·W_V rows turns toward μ̄ and grows (P2)",
            notes: r.figureNotes + ["rows of W_O W_V restricted to the first d_X coordinates; large neurons: ‖W_O row‖ > ½ median"],
            x: Axis("angle to μ̄ (degrees)", min: 0, max: 180), y: Axis("magnitude", min: 0), layers: layers, key: .topRight)
    }

    /// F-LABEL: label part of the W_O·W_V rows — angle to q and magnitude, split by sign(a_i) (P2).
    static let labelEmbedding: FigureRecipe = { req, r in
        let g = try r.only()
        let layers = [
            try trajectory(r, g, angle: "label_angle_pos_deg", magnitude: "label_norm", title: "a_i > 0: median angle → +q", color: Palette.vermillion),
            try trajectory(r, g, angle: "label_angle_neg_deg", magnitude: "label_norm", title: "a_i < 0: median angle → −q", color: Palette.blue),
        ]
        return Figure(
            id: req.id, title: req.title ?? "Label embedding of W_O·W_V rows aligns with ±q by the sign of a_i (P2)",
            notes: r.figureNotes + ["rows of W_O W_V restricted to the label block; trajectory over logged iterations"],
            x: Axis("angle to q (degrees)", min: 0, max: 180), y: Axis("magnitude (median over large neurons)", min: 0),
            layers: layers, key: .topRight)
    }

    /// F-PRUNE-ALPHA: magnitude pruning error vs R for several α′.
    static let pruningAlpha: FigureRecipe = { req, r in
        let g = try r.only()
        let alphas = g.parameters.doubles("pruning_alphas")
        let metric = req.string("metric", default: "error")
        var layers: [Layer] = []
        for (k, a) in alphas.enumerated() {
            let s = try r.series("prune_magnitude_\(metric)_a\(tag(a))", in: g)
            layers.append(.line(.meanWithBand("α′ = \(tag(a))", s, color: palette[k % palette.count], withPoints: true)))
        }
        return Figure(
            id: req.id, title: req.title ?? "Magnitude pruning at different α′: a larger α′ tolerates more pruning",
            notes: r.figureNotes + ["test prompts at l_ts = l_tr"],
            x: Axis("pruning rate R", min: 0, max: req.double("x_max", default: 0.4)),
            y: Axis(metric == "error" ? "test classification error" : "test hinge loss", log: metric == "error", min: metric == "error" ? 1e-3 : 0),
            layers: layers, key: .topLeft)
    }

    /// F-BASE: ICL against classical per-prompt learners on identical prompts, error vs l.
    static let baselines: FigureRecipe = { req, r in
        let g = try r.only()
        let a = tag(req.double("alpha", default: 0.8))
        let items = [
            ("base_icl_error_a\(a)", "one-layer transformer (ICL)"), ("base_logistic_error_a\(a)", "logistic regression"),
            ("base_1nn_error_a\(a)", "1-NN"), ("base_3nn_error_a\(a)", "3-NN"),
            ("base_same_pattern_majority_error_a\(a)", "majority of same-pattern contexts (oracle)"),
        ]
        var layers = try lines(r, g, items, withPoints: true)
        layers.append(.hline(HLine("1% error", y: 0.01, dash: .dashed, color: "#555555")))
        return Figure(
            id: req.id, title: req.title ?? "ICL against classical learners on the same prompts (α′ = \(a))",
            notes: r.figureNotes + ["each baseline sees only the prompt's context pairs and predicts the query"],
            x: Axis("number of contexts l"), y: Axis("test classification error", log: true, min: 1e-3, max: 1), layers: layers, key: .topRight)
    }

    /// Axis label, in the paper's symbols, for a data-model knob a gap map sweeps.
    static func knobLabel(_ knob: String, beta: Double) -> String {
        switch knob {
        case "kappa": return "K: irrelevant coefficient κ ~ U[−K, K] in x = μ_j + κ ν_k   (‖μ_j‖ = β = \(tag(beta)), ‖ν_k‖ = 1)"
        case "beta": return "β = ‖μ_j‖, the norm of the relevant patterns"
        case "M2": return "M2, the number of irrelevant patterns ν_k"
        default: return knob
        }
    }

    /// How a cell's 95% interval of the per-seed gap sits against 0.
    enum GapVerdict: CaseIterable {
        case iclBetter, tie, baselineBetter

        init(_ s: Summary) {
            self = s.ciHigh < 0 ? .iclBetter : (s.ciLow > 0 ? .baselineBetter : .tie)
        }

        /// Shapes, not colors: the markers sit on a blue–red scale.
        var marker: Marker {
            switch self {
            case .iclBetter: return .disc
            case .tie: return .circle
            case .baselineBetter: return .cross
            }
        }
        var color: String { self == .tie ? "#444444" : "#000000" }
        var title: String {
            switch self {
            case .iclBetter: return "95% CI < 0: ICL better"
            case .tie: return "95% CI contains 0"
            case .baselineBetter: return "95% CI > 0: baseline better"
            }
        }
    }

    /// The smallest 1-significant-digit number ≥ v (v > 0): a round end for a symmetric color scale.
    static func roundUp(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1e-3 }
        let step = pow(10, floor(log10(v)))
        return (v / step).rounded(.up) * step
    }

    /// The gap map's cells: mean gap z[iy][ix] (α′ × knob), the cells of each verdict, and one text
    /// line per α′ with every cell's mean [95% CI] n for the .tsv header.
    static func gapCells(
        _ r: AggregateResults, knob: String, xs: [Double], alphas: [Double]
    ) throws
        -> (z: [[Double]], cells: [GapVerdict: (x: [Double], y: [Double])], rows: [String])
    {
        var z = [[Double]](repeating: [Double](repeating: .nan, count: xs.count), count: alphas.count)
        var cells: [GapVerdict: (x: [Double], y: [Double])] = [:]
        var rows: [String] = []
        for (iy, a) in alphas.enumerated() {
            var row: [String] = []
            for (ix, x) in xs.enumerated() {
                guard let g = r.groups.first(where: { ($0.coordinates[knob]?.doubleValue ?? $0.parameters[knob]?.doubleValue) == x }) else { continue }
                let s = try r.metric("base_gap_a\(tag(a))", in: g)
                z[iy][ix] = s.mean
                let v = GapVerdict(s)
                cells[v, default: ([], [])].x.append(x); cells[v, default: ([], [])].y.append(a)
                row.append("\(fmt(x)): \(fmt(s.mean, 2)) [\(fmt(s.ciLow, 2)), \(fmt(s.ciHigh, 2))] n=\(s.n)")
            }
            rows.append("α′ = \(tag(a)) — " + row.joined(separator: "; "))
        }
        return (z, cells, rows)
    }

    /// F-BASE map: the per-seed gap err_ICL − min(err_1NN, err_3NN, err_logistic) at the largest
    /// baseline length (metric `base_gap_a<α′>`) over a swept data-model knob (x, option `axis`,
    /// default κ's range K) × α′ (y, the runs' `baseline_alphas`). Color: the mean over seeds on a
    /// diverging scale centred at 0 (blue: ICL better); marker: where the 95% t-interval of the mean
    /// lies against 0.
    static let baselineGapMap: FigureRecipe = { req, r in
        let knob = req.string("axis", default: "kappa")
        let first = try r.only()
        let xs = r.axisValues(knob), alphas = first.parameters.doubles("baseline_alphas").sorted()
        let l = first.parameters.doubles("baseline_lengths").max() ?? .nan
        let (z, cells, rows) = try gapCells(r, knob: knob, xs: xs, alphas: alphas)
        let zMax = roundUp(z.joined().filter(\.isFinite).map(abs).max() ?? 0)
        var layers: [Layer] = [
            .heatmap(
                Heatmap(
                    "mean gap", xs: xs, ys: alphas, z: z,
                    zLabel: "mean over seeds of err_ICL − min(err_1NN, err_3NN, err_logistic)",
                    grayscale: false, zMin: -zMax, zMax: zMax, diverging: true, crisp: true))
        ]
        for v in GapVerdict.allCases {
            let c = cells[v] ?? ([], [])
            layers.append(.points(Points(v.title, x: c.x, y: c.y, color: v.color, marker: v.marker, size: 1.6)))
        }
        return Figure(
            id: req.id, title: req.title ?? "Where the transformer beats 1-NN, 3-NN and logistic regression on the same prompts (F-BASE, l = \(tag(l)))",
            notes: r.figureNotes + [
                "gap = err_ICL − min(err_1NN, err_3NN, err_logistic) per seed on identical unseen-task prompts with l = \(tag(l)) contexts (metric base_gap_a<α′>)",
                "color = mean over seeds; marker = 95% t-interval of the mean below 0 (disc), above 0 (cross), containing 0 (circle)",
                "per cell: \(knob): mean [95% CI] n",
            ] + rows,
            x: Axis(knobLabel(knob, beta: first.parameters.double("beta"))), y: Axis("α′, the fraction of task-relevant test contexts"),
            layers: layers, key: .below, width: 820, height: 620)
    }

    /// F-OOD-S1: OOD error vs test context length for several S1 (T2).
    static let oodS1: FigureRecipe = { req, r in
        let g = try r.only()
        let s1s = g.parameters.doubles("ood_s1").sorted(by: >)
        var layers = try s1s.enumerated().map { k, s -> Layer in
            .line(.meanWithBand("S1 = \(tag(s))", try r.series("ood_error_S\(tag(s))", in: g), color: palette[k % palette.count], withPoints: true))
        }
        layers.append(.hline(HLine("1% error", y: 0.01, dash: .dashed, color: "#555555")))
        let construction = g.parameters["ood_construction"]?.description ?? "scaled"
        return Figure(
            id: req.id, title: req.title ?? "Out-of-domain error vs context length: S1 ≥ 1 generalizes (one-layer substitute for GPT-2)",
            notes: r.figureNotes + ["ODR construction \(construction); mean over ODR draws per seed"],
            x: Axis("test context length l_ts"), y: Axis("OOD classification error", log: true, min: 1e-3, max: 1), layers: layers, key: .bottomLeft)
    }

    /// F-OOD-ALPHA: ID (unseen tasks) and OOD (S1 = 1) error vs l for several α′.
    static let oodAlpha: FigureRecipe = { req, r in
        let g = try r.only()
        var layers: [Layer] = []
        for (k, a) in g.parameters.doubles("ood_alphas").sorted(by: >).enumerated() {
            layers.append(
                .line(
                    .meanWithBand(
                        "α′ = \(tag(a)), in-domain", try r.series("oa_id_error_a\(tag(a))", in: g), color: palette[k % palette.count], withPoints: true)))
            layers.append(
                .line(
                    .meanWithBand(
                        "α′ = \(tag(a)), OOD", try r.series("oa_ood_error_a\(tag(a))", in: g), color: palette[k % palette.count], dash: .dashed,
                        withPoints: true)))
        }
        return Figure(
            id: req.id, title: req.title ?? "In-domain and OOD (S1 = 1) error vs context length for α′ (one-layer substitute for GPT-2)",
            notes: r.figureNotes, x: Axis("context length l"), y: Axis("classification error", log: true, min: 1e-3, max: 1),
            layers: layers, key: .topRight)
    }

    /// T1a: unseen-task error for each training-task family (bars ± sd as error points).
    static let taskCoverage: FigureRecipe = { req, r in
        let names = [
            "ring": "ring (6)", "partial_ring": "ring on 4", "star": "star", "single": "single task", "all": "all 30", "rings": "rings", "random": "random",
        ]
        var xs: [Double] = [], hs: [Double] = [], sds: [Double] = [], tics: [(Double, String)] = []
        for (k, g) in r.groups.enumerated() {
            let e = try r.metric("test_error", in: g)
            let fam = g.parameters["train_tasks"]?.description ?? "?"
            xs.append(Double(k)); hs.append(e.mean); sds.append(e.sd.isFinite ? e.sd : 0)
            tics.append((Double(k), names[fam] ?? fam))
        }
        let layers: [Layer] = [
            .bars(Bars("unseen-task error (mean)", x: xs, height: hs, width: 0.6, color: Palette.blue)),
            .points(Points("± sd over seeds", x: xs, y: hs, yErr: sds, color: "#333333")),
            .hline(HLine("chance", y: 0.5, dash: .dotted, color: "#888888")),
        ]
        return Figure(
            id: req.id, title: req.title ?? "Training tasks must cover every pattern in both roles (T1a)",
            notes: r.figureNotes + ["error on the tasks not trained on, l_ts = l_tr, α′ = alpha_test"],
            x: Axis("training-task family T_tr", min: -0.6, max: Double(xs.count) - 0.4, tics: tics),
            y: Axis("unseen-task classification error", min: 0, max: 0.8), layers: layers, key: .topLeft)
    }

    /// F-T1B: success rate (error ≤ threshold) against α·l_tr, one series per α: the curves collapse.
    static let contextLengthCollapse: FigureRecipe = { req, r in
        let alphas = r.axisValues("alpha")
        var layers: [Layer] = []
        for (k, a) in alphas.enumerated() {
            let gs = r.groups.filter { $0.parameters.double("alpha") == a }.sorted { $0.parameters.int("l_tr") < $1.parameters.int("l_tr") }
            let x = gs.map { a * Double($0.parameters.int("l_tr")) }
            let y = try gs.map { try r.metric("success", in: $0).mean }
            layers.append(.line(Line("α = \(tag(a))", x: x, y: y, color: palette[k % palette.count], withPoints: true)))
        }
        return Figure(
            id: req.id, title: req.title ?? "Training context length ∝ 1/α: success collapses onto α·l_tr (T1b)",
            notes: r.figureNotes + ["success = unseen-task test error ≤ success_error"],
            x: Axis("α · l_tr", log: true), y: Axis("success rate over seeds", min: -0.05, max: 1.05), layers: layers, key: .bottomRight)
    }

    /// F-T1C: unseen-task error vs l_ts for α′ ∈ eval_alphas, with l*(α′) in the key.
    static let testLength: FigureRecipe = { req, r in
        let g = try r.only()
        var layers: [Layer] = []
        for (k, a) in g.parameters.doubles("eval_alphas").sorted().enumerated() {
            let ls = g.metrics["l_star_a\(tag(a))"]
            let lsText = ls.map { "l* = \(fmt($0.mean, 3))" + ($0.sd.isFinite ? " ± \(fmt($0.sd, 2))" : "") } ?? ""
            layers.append(
                .line(
                    .meanWithBand(
                        "α′ = \(tag(a)): \(lsText), α′·l* = \(fmt(a * (ls?.mean ?? .nan), 3))", try r.series("id_error_a\(tag(a))", in: g),
                        color: palette[k % palette.count], withPoints: true)))
        }
        let thr = g.parameters["success_error"]?.doubleValue ?? 0.02
        layers.append(.hline(HLine("error threshold \(fmt(thr))", y: thr, dash: .dashed, color: "#555555")))
        return Figure(
            id: req.id, title: req.title ?? "Test context length ∝ 1/α′: l*(α′)·α′ ≈ constant (T1c)",
            notes: r.figureNotes + ["unseen tasks; l* = smallest l_ts with error ≤ threshold"],
            x: Axis("test context length l_ts", log: true), y: Axis("classification error", log: true, min: 1e-3, max: 1),
            layers: layers, key: .bottomLeft)
    }

    /// F-T1D: T_hit vs α on log–log axes with the fitted slope and the theory's −2/3.
    static let iterationScaling: FigureRecipe = { req, r in
        var xs: [Double] = [], ys: [Double] = [], sds: [Double] = []
        for g in r.groups.sorted(by: { $0.parameters.double("alpha") < $1.parameters.double("alpha") }) {
            guard let t = g.metrics["T_hit"] else { continue }
            xs.append(g.parameters.double("alpha")); ys.append(t.mean); sds.append(t.sd.isFinite ? t.sd : 0)
        }
        let theory = req.double("theory_slope", default: -2.0 / 3.0)
        let overlay = try PowerLawOverlay(
            id: req.id, x: xs, y: ys, yErr: sds, measured: "measured T_hit (mean ± sd)",
            theory: theory, theoryTitle: "theory: slope −2/3")
        let fit = overlay.fit, x0 = overlay.xRange.lowerBound, x1 = overlay.xRange.upperBound
        let layers = overlay.layers
        return Figure(
            id: req.id, title: req.title ?? "Iterations to minibatch hinge < threshold vs α: T = Θ(α^(−2/3)) (T1d)",
            notes: r.figureNotes + ["power-law fit exponent \(fit.exponent) ± \(fit.exponentSE); theory -2/3 is an upper-bound order"],
            // α spans less than a decade: label the grid values (a log axis would label only 1).
            x: Axis(
                "α (fraction of task-relevant contexts)", log: true, min: x0 / 1.15, max: x1 * 1.15,
                tics: xs.map { ($0, fmt($0)) }),
            y: Axis("T_hit (iterations)", log: true), layers: layers, key: .topRight)
    }
}
