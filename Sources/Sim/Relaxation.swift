import Foundation
import Training
import Plots
import ProvableNumerics
import DataModels

/// One relaxation of a theorem's assumptions (docs/relaxations.md): the papers prove their results
/// for one layer, one head, a fixed output layer, plain SGD and a given width; a relaxation scenario
/// re-measures a paper's central claims with the general transformer (`GeneralTransformer`) outside
/// them, one assumption at a time. `theorem` is the paper's own setting run through the general
/// learner (the one-layer reduction is exact; `GeneralTransformerTests`).
public enum Relaxation: String, CaseIterable, Sendable {
    case theorem
    case depth2 = "depth_2", depth3 = "depth_3"
    case heads2 = "heads_2", heads4 = "heads_4"
    case trainableOutput = "trainable_output"
    case adam
    case width4 = "width_4"

    /// Attention layers; deeper models get residual connections (X ← X + Σ_h A_h V_h), the form every
    /// deep transformer has.
    public var layers: Int {
        switch self {
        case .depth2: 2
        case .depth3: 3
        default: 1
        }
    }
    public var heads: Int {
        switch self {
        case .heads2: 2
        case .heads4: 4
        default: 1
        }
    }
    public var trainableOutput: Bool { self == .trainableOutput }
    public var usesAdam: Bool { self == .adam }
    /// Multiplier of the token dimension and of the readout width.
    public var widthFactor: Int { self == .width4 ? 4 : 1 }

    /// The scenario parameters every relaxation experiment shares.
    public static var parameters: [ParameterSpec] {
        [
            .init(
                "relaxation", .choice(allCases.map(\.rawValue)), default: .string(Relaxation.theorem.rawValue),
                "which assumption is left: theorem (none), depth_2, depth_3 (residual layers), heads_2, heads_4, trainable_output, adam, width_4 (4× token dimension and readout width)"
            ),
            .init(
                "adam_learning_rate", .double(min: 0, exclusiveMin: true), default: .double(0.001),
                "AdamW step size for the `adam` relaxation (β₁ = 0.9, β₂ = 0.999, ε = 1e-8; 0.001 is Adam's usual default, not tuned to any paper)"),
            .init(
                "optimizer", .choice(["sgd", "adam"]), default: .string("sgd"),
                "the update rule of every relaxation but `adam` (which always uses AdamW): a second relaxation on top of the first, e.g. depth_3 with AdamW"),
            .init("adam_weight_decay", .double(min: 0), default: .double(0), "AdamW's decoupled weight decay λ for the `adam` relaxation"),
            .init(
                "residual", .bool, default: .bool(true),
                "residual connections in the depth relaxations (X ← X + Σ_h A_h V_h); false stacks the paper's block as is"),
            .init(
                "head_noise", .double(min: 0), default: .double(0.02),
                "sd of the Gaussian perturbation of every head's W_Q, W_K, W_V when H > 1 (identical heads would stay identical)"),
        ]
    }

    public init(_ p: Parameters) { self = Relaxation(rawValue: p.string("relaxation"))! }

    /// Layers, heads, residual and a trainable readout set on a config that holds the paper's
    /// one-layer, one-head setting.
    public func apply(to c: inout GeneralTransformer.Config, headNoise: Double, residual: Bool = true) {
        c.layers = layers
        c.heads = heads
        c.residual = layers > 1 && residual
        c.trainableOutput = trainableOutput
        if heads > 1 {
            c.qkNoise = max(c.qkNoise, headNoise)
            c.vNoise = max(c.vNoise, headNoise)
        }
    }

    /// The update rule and step size: AdamW for `adam`, else the paper's plain SGD at `sgdRate`.
    public func optimizer(_ p: Parameters, sgdRate: Double) -> (rule: FlatOptimizer.Rule, rate: Double) {
        usesAdam || p.string("optimizer") == "adam"
            ? (.adamW(weightDecay: p.double("adam_weight_decay")), p.double("adam_learning_rate")) : (.plainSGD, sgdRate)
    }
}

extension SharedRecipes {
    /// A claim's quantity under every relaxation of a relaxation scenario (docs/relaxations.md): one
    /// column per value of `axis` (default `relaxation`, in `Relaxation`'s order for its values),
    /// each metric of `metrics` (or `metric`) as mean ± its 95% t-interval over seeds, and the claim's
    /// threshold (`threshold`, `threshold_label`) as a dashed line. Options: `labels` (or `label`),
    /// the key entries; `y_label`, `log_y`, `y_min`, `y_max`.
    public static let relaxations: FigureRecipe = { req, r in
        let axis = req.string("axis", default: "relaxation")
        var names: [String] = []
        if case .list(let items)? = req.options["metrics"] { names = items.map(\.description) }
        if names.isEmpty { names = [req.string("metric", default: "")] }
        guard !names.contains(where: \.isEmpty) else { throw RecipeError("\(req.id): set `metric` or `metrics`") }
        // Key entries in the reader's words (`labels`, one per metric); the metric names otherwise.
        var labels: [String] = []
        if case .list(let items)? = req.options["labels"] { labels = items.map(\.description) }
        if case .string(let one)? = req.options["label"] { labels = [one] }
        let present = Set(r.groups.compactMap { ($0.coordinates[axis] ?? $0.parameters[axis]).map { "\($0)" } })
        let order = Relaxation.allCases.map(\.rawValue)
        let columns = present.sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }
        guard !columns.isEmpty else { throw RecipeError("\(req.id): no point has a parameter `\(axis)`") }
        var layers: [Layer] = []
        let offsets = names.count == 1 ? [0.0] : names.indices.map { -0.15 + 0.3 * Double($0) / Double(names.count - 1) }
        for (k, name) in names.enumerated() {
            var xs: [Double] = [], ys: [Double] = [], errs: [Double] = []
            for (i, c) in columns.enumerated() {
                guard let g = r.groups.first(where: { ($0.coordinates[axis] ?? $0.parameters[axis]).map { "\($0)" } == c }),
                    let s = g.metrics[name], s.mean.isFinite
                else { continue }
                xs.append(Double(i) + offsets[k]); ys.append(s.mean)
                errs.append(s.ciHigh.isFinite && s.ciLow.isFinite ? (s.ciHigh - s.ciLow) / 2 : 0)
            }
            layers.append(.points(Points(k < labels.count ? labels[k] : name, x: xs, y: ys, yErr: errs)))
        }
        if let t = req.options["threshold"]?.doubleValue {
            layers.append(.hline(HLine(req.string("threshold_label", default: "theory's threshold \(fmt(t))"), y: t, dash: .dashed, color: "#505050")))
        }
        return Figure(
            id: req.id, title: req.title ?? "\(names.joined(separator: ", ")) under each relaxation",
            notes: r.figureNotes + ["x = relaxation of the theorem's assumptions; each point mean ± 95% t-interval over seeds"],
            x: Axis(axis, min: -0.5, max: Double(columns.count) - 0.5, tics: columns.enumerated().map { (Double($0.offset), $0.element) }),
            y: Axis(
                req.string("y_label", default: names.joined(separator: ", ")), log: req.bool("log_y", default: false),
                min: req.options["y_min"]?.doubleValue, max: req.options["y_max"]?.doubleValue),
            layers: layers, key: names.count > 1 || req.options["threshold"] != nil ? .topRight : .none, width: 900, height: 520)
    }
}

/// Measurements every relaxation experiment takes of a trained `GeneralTransformer`, paper-free.
public enum RelaxationMeasures {
    /// E₂ = (σ₁² + σ₂²)/Σσᵢ² and the effective rank #{σᵢ/σ₁ > 0.1} of every update ΔW: per block the
    /// smallest E₂ over layers and heads (`E2_Q`, `E2_K`, `E2_V`), `E2_O`, the smallest of all
    /// (`E2_min`) and the largest effective rank of all (`eff_rank_max`). `top` is the rank the theory
    /// predicts (2 for two label-relevant patterns).
    public static func updateRank(_ model: GeneralTransformer, initial: [Double], top: Int = 2) throws -> [String: Double] {
        let now = model.parameterValues
        let delta = GeneralTransformer(config: model.config, seed: 0)
        delta.parameterValues = zip(now, initial).map { $0 - $1 }
        var out: [String: Double] = [:]
        var all: [Double] = [], effMax = 0
        for block in GeneralTransformer.Block.allCases {
            var worst = Double.infinity
            for i in 0..<model.config.layers {
                for h in 0..<model.config.heads {
                    let s = try Measure.spectrum(delta.weight(block, layer: i, head: h))
                    worst = min(worst, Measure.energyFraction(s, top: top))
                    effMax = max(effMax, Measure.effectiveRank(s, threshold: 0.1))
                }
            }
            out["E2_\(block.rawValue)"] = worst
            all.append(worst)
        }
        let s = try Measure.spectrum(delta.outputMatrix)
        out["E2_O"] = Measure.energyFraction(s, top: top)
        effMax = max(effMax, Measure.effectiveRank(s, threshold: 0.1))
        out["E2_min"] = (all + [out["E2_O"]!]).min()!
        out["eff_rank_max"] = Double(effMax)
        return out
    }

    /// Each readout neuron's magnitude |a_i|·‖W_O[i,:]‖ (with a fixed a, the W_O row norm up to 1/√m).
    public static func neuronMagnitudes(_ model: GeneralTransformer) -> [Double] {
        zip(model.outputWeights, model.outputMatrix.rowNorms).map { abs($0) * $1 }
    }

    /// The cost of magnitude pruning up to the small neurons: the neurons whose magnitude exceeds
    /// `factor` × the median initial one are large; at the largest rate on `rates` not above the
    /// small fraction, the test loss of the magnitude-pruned model minus the unpruned one.
    /// Metrics: `large_neuron_fraction`, `prune_rate_small`, `prune_cost_small`,
    /// `prune_cost_random_small` (random masks at the same rate, mean over `masks`), series
    /// `prune_magnitude_loss` and `prune_random_loss` over `rates`.
    public static func pruning(
        _ model: GeneralTransformer, test: TokenBatch, initialMagnitudes: [Double], factor: Double, rates: [Double], masks: Int,
        loss: Loss, rng: inout RNG
    ) -> (metrics: [String: Double], series: [String: Series]) {
        let magnitudes = neuronMagnitudes(model)
        let large = Measure.largeNeurons(trained: magnitudes, initial: initialMagnitudes, factor: factor)
        let C = model.neuronContributions(test)
        let a = model.outputWeights, scale = 1 / Double(model.config.readout == .mean ? model.config.length : 1)
        let labels = Array(test.labels.prefix(test.count))
        func cost(_ mask: [Double]) -> Double {
            Pruning.evaluate(contributions: C, outputWeights: a, mask: mask, scale: scale, labels: labels, loss: loss).loss
        }
        let base = cost([Double](repeating: 1, count: a.count))
        var magnitude: [Double] = [], random: [Double] = []
        for r in rates {
            magnitude.append(cost(Pruning.mask(norms: magnitudes, rate: r, scheme: .magnitude, rng: &rng)))
            random.append(Statistics.mean((0..<masks).map { _ in cost(Pruning.mask(norms: magnitudes, rate: r, scheme: .random, rng: &rng)) }))
        }
        let small = 1 - large.fraction
        let k = rates.lastIndex { $0 <= small + 1e-12 }
        var metrics: [String: Double] = [
            "large_neuron_fraction": large.fraction, "baseline_loss": base,
            "prune_rate_small": k.map { rates[$0] } ?? .nan,
            "prune_cost_small": k.map { magnitude[$0] - base } ?? .nan,
            "prune_cost_random_small": k.map { random[$0] - base } ?? .nan,
        ]
        metrics["large_to_initial_ratio"] = large.ratio
        return (metrics, ["prune_magnitude_loss": Series(x: rates, y: magnitude), "prune_random_loss": Series(x: rates, y: random)])
    }
}
