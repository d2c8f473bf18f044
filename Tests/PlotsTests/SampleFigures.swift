import Foundation
@testable import Plots

/// Figures shared by the tests; `RenderTests` also renders them to `PLOTS_DEMO_DIR` when set,
/// to look at them.
enum SampleFigures {

    /// Every layer kind on one canvas: a mean line with a band (one band edge below zero, one
    /// missing value), points with error bars, bars on y2, a reference line, a theory slope,
    /// log x and y axes, and labels with Greek letters, underscores and a caret.
    static func everyLayer() -> Figure {
        let n: [Double] = [100, 200, 400, 800, 1600, 3200, 6400]
        let mean = n.map { 2.0 * pow($0, -0.5) }
        var lo = mean.map { $0 * 0.75 }, hi = mean.map { $0 * 1.3 }
        lo[5] = -0.004  // mean − sd < 0: must still shade on the log axis
        var y = mean
        y[3] = .nan  // a missing point: a gap, never a zero
        hi[3] = .nan; lo[3] = .nan
        var figure = Figure(
            id: "every_layer", title: "Sample complexity: ε ∝ N^−½ for W_Q, ΔW_K (α = 0.3, σ² = 0.1)",
            notes: ["scenario: tests/every_layer.yaml", "seeds 1…5; band = mean ± sd"],
            x: Axis("training samples N", log: true),
            y: Axis("test error ε", log: true),
            y2: Axis("neuron norm ‖w_j‖"),
            layers: [
                .line(Line("mean error (W_Q)", x: n, y: y, band: (lo, hi))),
                .points(
                    Points(
                        "T* measured ± sd", x: n.map { $0 * 1.05 }, y: mean.map { $0 * 1.6 },
                        yErr: mean.map { $0 * 0.3 })),
                .bars(Bars("‖w_j‖ sorted", x: n, height: [3, 2.5, 2, 1.4, 1, 0.6, 0.3], axis: .y2)),
                .hline(HLine("chance level ε = 0.5", y: 0.5)),
            ],
            key: .topRight)
        figure.addTheorySlope(
            exponent: -0.5,
            title: Figure.slopeLabel(name: "", fitted: -0.512, stderr: 0.031, theory: -0.5))
        return figure
    }

    /// A pruning curve as the papers draw it: linear axes, accuracy with a band, a baseline,
    /// sorted neuron norms as bars behind on y2, and explicit tics.
    static func dualAxis() -> Figure {
        let r = stride(from: 0.0, through: 0.9, by: 0.1).map { $0 }
        let acc = r.map { 0.98 - 0.6 * pow($0, 4) }
        return Figure(
            id: "dual_axis", title: "Magnitude pruning of W_O (R = pruned fraction)",
            x: Axis("pruning ratio R", min: -0.05, max: 0.95),
            y: Axis("test accuracy", min: 0.4, max: 1.02),
            y2: Axis("neuron norm (sorted)", min: 0),
            layers: [
                .line(
                    Line(
                        "magnitude pruning", x: r, y: acc, band: (acc.map { $0 - 0.02 }, acc.map { $0 + 0.02 }),
                        withPoints: true)),
                .line(Line("random pruning", x: r, y: r.map { 0.98 - 0.5 * $0 }, dash: .dotted)),
                .bars(Bars("‖w_j‖", x: r, height: r.map { 2 * exp(-3 * $0) }, width: 0.06, axis: .y2)),
                .hline(HLine("unpruned", y: 0.98)),
            ],
            key: .bottomLeft)
    }

    /// A gray-scale phase diagram on a uniform grid with one missing cell (`with image`).
    static func heatmap() -> Figure {
        let alphas = stride(from: 0.1, through: 0.9, by: 0.1).map { $0 }
        let lengths = (1...8).map { Double($0) * 4 }
        var z = lengths.map { l in alphas.map { a in 1 / (1 + exp(-(a * l - 6) * 0.8)) } }
        z[3][4] = .nan
        return Figure(
            id: "phase_gray", title: "Phase diagram: accuracy over (α, L)",
            x: Axis("fraction α of context examples sharing the query's pattern"),
            y: Axis("context length L"),
            layers: [
                .heatmap(
                    Heatmap(
                        "accuracy", xs: alphas, ys: lengths, z: z, zLabel: "test accuracy",
                        zMin: 0, zMax: 1))
            ],
            key: .outside, width: 640, height: 520)
    }

    /// A color heat map on log-spaced axes (drawn as boxes) with a theory boundary on top.
    static func heatmapLog() -> Figure {
        let ns: [Double] = [50, 100, 200, 400, 800, 1600]
        let etas: [Double] = [0.001, 0.003, 0.01, 0.03, 0.1]
        let z = etas.map { eta in ns.map { n in log10(n * eta) } }
        var figure = Figure(
            id: "phase_log", title: "Iterations to converge, log10 T",
            x: Axis("N", log: true), y: Axis("learning rate η", log: true),
            layers: [.heatmap(Heatmap("log10 T", xs: ns, ys: etas, z: z, zLabel: "log10 T", grayscale: false))],
            key: .bottomLeft)
        figure.layers.append(
            .line(
                Line.powerLaw(
                    exponent: -1, through: (200, 0.01), over: 50...1600,
                    title: "theory: N·η = 2", color: "#ffffff")))
        return figure
    }

    /// Nothing drawable at all: empty layers and an all-NaN one.
    static func empty() -> Figure {
        Figure(
            id: "empty", title: "no data yet", x: Axis("x"), y: Axis("y", log: true),
            layers: [
                .line(Line("nothing", x: [], y: [])),
                .points(Points("all missing", x: [1, 2], y: [.nan, .nan])),
                .line(Line("negative on log axis", x: [1, 2], y: [-1, 0])),
            ])
    }

    /// Awkward figures that must still render without gnuplot errors or warnings.
    static func edgeCases() -> [Figure] {
        [
            Figure(
                id: "edge_y2_only", title: "only bars on y2", x: Axis("x"), y: Axis("y"), y2: Axis("norm"),
                layers: [.bars(Bars("b", x: [1, 2, 3], height: [3, 2, 1], axis: .y2))]),
            Figure(
                id: "edge_y2_empty", title: "y2 declared, nothing on it", x: Axis("x"), y: Axis("y"), y2: Axis("norm"),
                layers: [.line(Line("l", x: [1, 2], y: [1, 2]))]),
            Figure(
                id: "edge_hline_only", title: "only a reference line", x: Axis("x", log: true), y: Axis("y"),
                layers: [.hline(HLine("baseline", y: 0.9))]),
            Figure(
                id: "edge_log_nonpositive", title: "values ≤ 0 on log axes", x: Axis("x", log: true),
                y: Axis("y", log: true),
                layers: [
                    .line(Line("mixed", x: [0, 1, 2, 3], y: [1, -1, 2, 0], band: ([-1, -1, 1, -2], [2, 3, 3, 1]))),
                    .points(Points("p", x: [1, 2], y: [0.5, 1], yErr: [1, 0.1])),
                    .bars(Bars("b", x: [1, 2], height: [1, 0])),
                ]),
            Figure(
                id: "edge_heatmap_tiny", title: "1×1 and 1×3 grids", x: Axis("x"), y: Axis("y"),
                layers: [
                    .heatmap(Heatmap("one", xs: [1], ys: [1], z: [[0.5]], zLabel: "z")),
                    .heatmap(Heatmap("row", xs: [3, 4, 5], ys: [2], z: [[0, .nan, 1]], zLabel: "z")),
                ]),
            Figure(
                id: "edge_all_nan_heatmap", title: "heat map without values", x: Axis("x"), y: Axis("y"),
                layers: [.heatmap(Heatmap("none", xs: [1, 2], ys: [1, 2], z: [[.nan, .nan], [.nan, .nan]], zLabel: "z"))]),
            Figure(
                id: "edge_named_tics", title: "effective rank of ΔW per matrix",
                x: Axis(
                    "matrix", min: 0.5, max: 3.5,
                    tics: [(1, "ΔW_Q"), (2, "ΔW_K"), (3, "ΔW_V")]), y: Axis("rank"), y2: Axis("share", tics: [(0, "none"), (1, "all")]),
                layers: [
                    .bars(Bars("rank", x: [1, 2, 3], height: [2, 2, 3], width: 0.5)),
                    .points(Points("share", x: [1, 2, 3], y: [0.2, 0.5, 1], axis: .y2)),
                ]),
            Figure(
                id: "edge_decreasing_grid", title: "decreasing grid", x: Axis("x"), y: Axis("y"),
                layers: [
                    .heatmap(
                        Heatmap(
                            "dec", xs: [3, 2, 1], ys: [2, 1], z: [[1, 2, 3], [4, 5, 6]], zLabel: "z",
                            grayscale: false))
                ]),
        ]
    }
}
