import Foundation
import Plots
import ProvableNumerics
import Sim

/// A fifth paper, built outside the engine: averaged SGD for least squares.
///
/// Theorem (Polyak & Juditsky 1992; Bach & Moulines 2013; Jain et al. 2018, tail averaging): for
/// the data model of `LinearRegressionData` and constant step γ = c/d, the average w̄ of the last
/// n = tail·T iterates has excess risk
///
///     E[R(w̄)] − R(w*) = σ² d κ / n · (1 − 1/(γ n) + …) + (bias, ∝ (1 − γ)^{T − n}),
///     κ = 1 + (d + 1) γ / (2 − (d + 2) γ),
///
/// the statistical rate σ² d / n times κ, the cost of the multiplicative gradient noise at the
/// stationary spread of the iterates (κ → 1 as γ → 0): n·Cov(w̄) → E[ξξᵀ] = σ²I + (d+1)p I for the
/// gradient noise ξ at the stationary covariance p I of the iterates, p = γσ²/(2 − (d+2)γ). The
/// −1/(γn) term is the window's boundary (the iterates are correlated over 1/γ steps); it is what
/// bends small-T points below the 1/T line. The last iterate does not converge: its
/// excess risk stays at the stationary level d γ σ² / (2 − (d + 2) γ) for every T.
public struct AveragedSGDExperiment: Experiment {
    public init() {}
    public let name = "asgd.train"
    public let paper = "asgd"
    public let paperTitle = "Averaged SGD for least squares (example paper)"
    public let summary = "constant-step SGD on linear regression with Gaussian design; excess risk of the tail-averaged and the last iterate"

    public var parameters: [ParameterSpec] {
        [
            .init("d", .int(min: 1, max: 4096), default: .int(16), "input dimension d"),
            .init("T", .int(min: 2), default: .int(8000), "SGD steps (one fresh sample each)"),
            .init("sigma", .double(min: 0), default: .double(1), "label noise σ"),
            .init("step", .double(min: 0, exclusiveMin: true), default: .double(0.25), "c in the step size γ = c/d (stable for c < 2d/(d+2))"),
            .init("tail", .double(min: 0, max: 1, exclusiveMin: true), default: .double(0.5), "fraction of the last iterates averaged"),
        ]
    }

    public func validate(_ p: Parameters) throws {
        let d = Double(p.int("d")), c = p.double("step")
        guard c * (d + 2) / d < 2 else {
            throw ParameterError(key: "step", "γ = c/d with c = \(c) is beyond the stability limit c < 2d/(d+2) = \(2 * d / (d + 2))")
        }
        guard Int(p.double("tail") * Double(p.int("T"))) >= 1 else {
            throw ParameterError(key: "tail", "tail · T must leave at least one iterate to average")
        }
    }

    /// The theory's constant κ(γ, d).
    public static func kappa(gamma: Double, d: Int) -> Double {
        1 + Double(d + 1) * gamma / (2 - Double(d + 2) * gamma)
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        let d = p.int("d"), T = p.int("T"), sigma = p.double("sigma")
        let gamma = p.double("step") / Double(d)
        let n = Int(p.double("tail") * Double(T))
        var data = LinearRegressionData(d: d, sigma: sigma, seed: context.seed)
        let learner = AveragedLMS(d: d, stepSize: gamma)
        let x = UnsafeMutablePointer<Double>.allocate(capacity: d)
        defer { x.deallocate() }
        for t in 0..<T {
            if t % 4096 == 0, context.isCancelled() { throw RunCancelled() }
            let y = data.sample(into: x)
            let loss = learner.step(x, y)
            guard loss.isFinite else { return RunResult(status: .diverged, divergedAtStep: t, note: "loss is \(loss)") }
            if t >= T - n { learner.accumulate() }
        }
        let avg = data.excessRisk(UnsafeBufferPointer(start: learner.average.p, count: d))
        let last = data.excessRisk(UnsafeBufferPointer(start: learner.weights.p, count: d))
        let predicted = sigma * sigma * Double(d) * Self.kappa(gamma: gamma, d: d) / Double(n)
        return RunResult(metrics: [
            "excess_risk": avg,
            "excess_risk_last": last,
            // n·ER / (σ² d κ): 1 when the theorem's constant is right.
            "normalized": predicted > 0 ? avg / predicted : .nan,
        ])
    }

    public var figureRecipes: [String: FigureRecipe] { ["rate": AveragedSGDFigures.rate] }
    // The claims are declared in the scenario files' `claims:` blocks (scenarios/asgd/).
}

enum AveragedSGDFigures {
    /// Excess risk of the averaged and of the last iterate against the swept axis (option `axis`:
    /// T or d), log–log, with the fitted slope and the theory's (−1 in T, +1 in d).
    static let rate: FigureRecipe = { req, r in
        let axis = req.string("axis", default: "T")
        guard axis == "T" || axis == "d" else { throw RecipeError("option `axis` must be T or d, found `\(axis)`") }
        let gs = r.groups.sorted { $0.parameters.int(axis) < $1.parameters.int(axis) }
        let x = gs.map { Double($0.parameters.int(axis)) }
        let avg = try gs.map { try r.metric("excess_risk", in: $0) }
        let last = try gs.map { try r.metric("excess_risk_last", in: $0) }
        let overlay = try PowerLawOverlay(
            id: req.id, x: x, y: avg.map(\.mean), yErr: avg.map(\.sd), measured: "tail-averaged iterate (mean ± sd)",
            theory: axis == "T" ? -1 : 1, theoryTitle: axis == "T" ? "theory slope −1" : "theory slope +1")
        // The theorem also gives the constant: σ²dκ/n with nothing fitted.
        let predicted = gs.map { g -> Double in
            let d = g.parameters.int("d"), sigma = g.parameters.double("sigma")
            let gamma = g.parameters.double("step") / Double(d), n = (g.parameters.double("tail") * Double(g.parameters.int("T"))).rounded(.down)
            return sigma * sigma * Double(d) * AveragedSGDExperiment.kappa(gamma: gamma, d: d) / n
        }
        let layers =
            overlay.layers + [
                .line(Line("theory σ²dκ/n (nothing fitted)", x: x, y: predicted, dash: .dotted, color: "#2ca02c")),
                .points(Points("last iterate (mean ± sd)", x: x, y: last.map(\.mean), yErr: last.map(\.sd), color: "#ff7f0e")),
            ]
        let fixed = axis == "T" ? "d = \(gs.first?.parameters.int("d") ?? 0)" : "T = \(gs.first?.parameters.int("T") ?? 0)"
        return Figure(
            id: req.id, title: req.title ?? "Averaged SGD: excess risk against \(axis) (\(fixed))",
            notes: r.figureNotes + ["excess risk = ‖w − w*‖² (Σ = I), exact"],
            x: Axis(
                axis == "T" ? "SGD steps T" : "dimension d", log: true, min: overlay.xRange.lowerBound / 1.3, max: overlay.xRange.upperBound * 1.3,
                tics: x.map { ($0, String(Int($0))) }),
            y: Axis("excess risk R(w) − R(w*)", log: true), layers: layers, key: .bottomLeft)
    }
}
