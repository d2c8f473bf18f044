import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `icl.relax`: the ICL paper's central claims outside its theorem's assumptions
/// (docs/relaxations.md). The paper's prompts train a `GeneralTransformer` (query readout, the query
/// not a key) with one assumption left (`relaxation`): depth 2 or 3 (residual layers; depth 3 is the
/// spec's F-3L model, "a stack of the paper's block with residual connections"), 2 or 4 heads, a
/// trainable output layer, AdamW, or 4× the pattern dimension, label dimension and width.
/// Measured: unseen-task error, the query's attention on same-pattern contexts in every layer
/// (F-3L-ATTN) and each layer's label embedding W_O·W_V^(ℓ) (F-3L-LABEL), over training.
public struct ICLRelaxationExperiment: Experiment {
    public init() {}
    public let name = "icl.relax"
    public let paper = "icl"
    public let paperTitle = ICLExperiment().paperTitle
    public let summary = "Unseen-task ICL and same-pattern attention in every layer under depth, heads, trainable output, Adam and width"

    static let shared = [
        "d_X", "M1", "M2", "d_Y", "beta", "kappa", "train_tasks", "task_param", "alpha", "l_tr", "composition", "m", "delta", "xi",
        "include_query", "learning_rate", "batch_size", "T", "loss", "divergence_loss", "n_test", "alpha_test", "log_every",
    ]

    public var parameters: [ParameterSpec] {
        ICLExperiment().parameters.filter { Self.shared.contains($0.name) } + Relaxation.parameters
    }

    public func validate(_ p: Parameters) throws {
        if let problem = Self.configs(p).0.problem() { throw ParameterError(key: problem.key, problem.message) }
    }

    /// `width_4` multiplies d_X, d_Y and m by 4 (the patterns stay M1 + M2) and divides ξ by 4, so a
    /// neuron's initial norm ξ√d stays as far below its learned one as in the paper's setting.
    static func configs(_ p: Parameters) -> (ICLPrompts.Config, GeneralTransformer.Config) {
        let relax = Relaxation(p), w = relax.widthFactor
        var data = ICLExperiment.dataConfig(p)
        data.dX *= w; data.dY *= w
        var c = GeneralTransformer.Config()
        c.d = data.d; c.length = p.int("l_tr") + 1; c.mb = data.d; c.m = p.int("m") * w
        c.readout = .last; c.queryIsKey = p.bool("include_query"); c.batchCapacity = p.int("batch_size")
        c.qkScale = p.double("delta"); c.vScale = p.double("delta"); c.outputInitSD = p.double("xi") / Double(w)
        c.randomOutputSigns = true  // a = i.i.d. ±1/√m (spec §0), as ICLTransformer
        relax.apply(to: &c, headNoise: p.double("head_noise"), residual: p.bool("residual"))
        return (data, c)
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        try ICLRelaxationRun(p, context: context).execute()
    }

    public var figureRecipes: [String: FigureRecipe] {
        ["relaxations": SharedRecipes.relaxations, "layer_attention": ICLFigures.layerAttention, "layer_label_embedding": ICLFigures.layerLabelEmbedding]
    }
}

final class ICLRelaxationRun {
    let p: Parameters
    let context: RunContext
    let data: ICLPrompts
    let model: GeneralTransformer
    let loss: Loss
    let trainTasks: [ICLPrompts.Task]
    let test: TokenBatch
    var result = RunResult()
    var curves: [String: ([Double], [Double])] = [:]

    init(_ p: Parameters, context: RunContext) throws {
        self.p = p
        self.context = context
        let (dataConfig, config) = ICLRelaxationExperiment.configs(p)
        data = ICLPrompts(config: dataConfig)
        model = GeneralTransformer(config: config, seed: context.seed)
        loss = Loss(rawValue: p.string("loss"))!
        var taskRNG = RNG(seed: context.seed, stream: .tasks)
        trainTasks = data.tasks(ICLExperiment.family(p), rng: &taskRNG)
        let u = data.unseenTasks(trainTasks)
        var testRNG = RNG(seed: context.seed, stream: .testSet)
        test = data.prompts(
            p.int("n_test"), contexts: p.int("l_tr"), domain: data.inDomain, tasks: u.isEmpty ? trainTasks : u,
            alpha: p.double("alpha_test"), composition: .init(rawValue: p.string("composition"))!, rng: &testRNG)
    }

    func record(_ name: String, _ x: Double, _ y: Double) {
        curves[name, default: ([], [])].0.append(x)
        curves[name, default: ([], [])].1.append(y)
    }

    /// Unseen-task loss and error, and per layer and head the query's attention mass on contexts that
    /// share its pattern (mean over prompts; P1's att_same).
    func evaluate() -> (loss: Double, error: Double, same: [[Double]]) {
        let c = model.config, L = c.length
        var lossSum = 0.0, wrong = 0
        var same = [[Double]](repeating: [Double](repeating: 0, count: c.heads), count: c.layers)
        model.forEachChunk(of: test) { start, n in
            for b in 0..<n {
                let y = test.labels[start + b], f = model.outputs.p[b]
                lossSum += loss.value(f, label: y)
                if y * f <= 0 { wrong += 1 }
                let qp = test.pattern[(start + b) * L + L - 1]
                for i in 0..<c.layers {
                    for h in 0..<c.heads {
                        let row = model.attentionRow(layer: i, head: h, sample: b, query: L - 1)
                        for s in 0..<(L - 1) where test.pattern[(start + b) * L + s] == qp { same[i][h] += row[s] }
                    }
                }
            }
        }
        let N = Double(test.count)
        return (lossSum / N, Double(wrong) / N, same.map { $0.map { $0 / N } })
    }

    /// Per layer ℓ the label part of the rows of W_O·W_V^(ℓ) (summed over heads): the median angle
    /// to q for a_i > 0 and a_i < 0 and the median magnitude, over the large neurons (‖W_O row‖ >
    /// ½ median, as ICLRun.neuronEmbeddings). With residual layers, W_O·W_V^(ℓ) is what layer ℓ's
    /// value path writes into neuron i's input (the spec's F-3L-LABEL, per layer).
    func labelEmbeddings() -> [String: Double] {
        let c = model.config, dX = data.config.dX, d = c.d
        let wO = model.outputMatrix, a = model.outputWeights
        let norms = wO.rowNorms, med = Statistics.median(norms)
        var out: [String: Double] = [:]
        for i in 0..<c.layers {
            var wV = Matrix(rows: d, cols: d)
            for h in 0..<c.heads { wV.add(model.weight(.V, layer: i, head: h)) }
            let E = wO * wV
            var pos: [Double] = [], neg: [Double] = [], mags: [Double] = []
            for r in 0..<E.rows where norms[r] > 0.5 * med {
                var nL = 0.0
                for col in dX..<d { nL += E[r, col] * E[r, col] }
                nL = nL.squareRoot()
                guard nL > 0 else { continue }
                let angle = acos(max(-1, min(1, E[r, dX] / nL))) * 180 / .pi
                if a[r] > 0 { pos.append(angle) } else { neg.append(angle) }
                mags.append(nL)
            }
            out["label_angle_pos_deg_L\(i + 1)"] = pos.isEmpty ? .nan : Statistics.median(pos)
            out["label_angle_neg_deg_L\(i + 1)"] = neg.isEmpty ? .nan : Statistics.median(neg)
            out["label_norm_L\(i + 1)"] = mags.isEmpty ? .nan : Statistics.median(mags)
        }
        return out
    }

    func log(at t: Int) -> (loss: Double, error: Double, same: [[Double]]) {
        let e = evaluate(), x = Double(t)
        record("test_error", x, e.error)
        for (i, heads) in e.same.enumerated() {
            let s = Statistics.mean(heads)
            record("att_same_L\(i + 1)", x, s)
            record("att_other_L\(i + 1)", x, 1 - s)
        }
        for (k, v) in labelEmbeddings() { record(k, x, v) }
        return e
    }

    func execute() throws -> RunResult {
        let (rule, eta) = Relaxation(p).optimizer(p, sgdRate: p.double("learning_rate"))
        let optimizer = model.makeOptimizer(rule)
        let composition = ICLPrompts.Composition(rawValue: p.string("composition"))!
        let T = p.int("T"), logEvery = p.int("log_every")
        var rng = RNG(seed: context.seed, stream: .data)
        var batch = TokenBatch(capacity: p.int("batch_size"), length: p.int("l_tr") + 1, dimension: data.config.d)
        let initial = log(at: 0)
        var t = 0
        while t < T {
            data.fill(&batch, domain: data.inDomain, tasks: trainTasks, alpha: p.double("alpha"), composition: composition, rng: &rng)
            let l = model.trainStep(batch, optimizer: optimizer, learningRate: eta, loss: loss)
            t += 1
            if !l.isFinite || l > p.double("divergence_loss") {
                result.status = .diverged; result.divergedAtStep = t; result.note = "batch loss \(l) at step \(t)"
                return result
            }
            if logEvery > 0 && t % logEvery == 0 && t < T { _ = log(at: t) }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        let e = log(at: t)
        result.metrics["test_error"] = e.error
        result.metrics["test_loss"] = e.loss
        // Per layer the share of the way from the initial same-pattern mass to 1 (icl.P1's gap_closed),
        // of the heads' mean attention (the claim's statistic) and, to tell a diluted mechanism from
        // an absent one, of the head that concentrates most.
        func gap(_ now: Double, _ start: Double) -> Double { (now - start) / (1 - start) }
        var gaps: [Double] = [], best: [Double] = []
        for i in e.same.indices {
            let s = Statistics.mean(e.same[i]), s0 = Statistics.mean(initial.same[i])
            result.metrics["att_same_L\(i + 1)"] = s
            result.metrics["att_same_initial_L\(i + 1)"] = s0
            result.metrics["att_same_gap_L\(i + 1)"] = gap(s, s0)
            gaps.append(gap(s, s0))
            best.append(e.same[i].indices.map { gap(e.same[i][$0], initial.same[i][$0]) }.max()!)
        }
        result.metrics["att_same"] = Statistics.mean(e.same.last!)
        result.metrics["att_same_gap_min"] = gaps.min()!
        result.metrics["att_same_gap_best_head_min"] = best.min()!
        for (k, v) in labelEmbeddings() { result.metrics[k] = v }
        for (k, v) in curves { result.series[k] = Series(x: v.0, y: v.1) }
        return result
    }
}

extension ICLFigures {
    /// F-3L-ATTN: the query's attention on same-pattern contexts against other contexts in every
    /// layer over training (one colour per layer; same-pattern solid, other dashed). Option `point`
    /// picks the group (`relaxation: depth_3` by default when the sweep has several).
    static let layerAttention: FigureRecipe = { req, r in
        let g = try group(req, r)
        let layers = Int((g.parameters["relaxation"].flatMap { Relaxation(rawValue: "\($0)") } ?? .depth3).layers)
        var out: [Layer] = []
        for i in 1...layers {
            let color = palette[(i - 1) % palette.count]
            out.append(.line(.meanWithBand("layer \(i): same-pattern contexts", try r.series("att_same_L\(i)", in: g), color: color, dash: .solid)))
            out.append(.line(.meanWithBand("layer \(i): other contexts", try r.series("att_other_L\(i)", in: g), color: color, dash: .dashed)))
        }
        return Figure(
            id: req.id, title: req.title ?? "F-3L-ATTN: same-pattern attention in every layer of a \(layers)-layer model",
            notes: r.figureNotes + ["unseen-task prompts, α′ = alpha_test; query's attention, mean over heads; mean ± sd over seeds"],
            x: Axis("iteration"), y: Axis("total attention weight of the query", min: 0, max: 1), layers: out, key: .below)
    }

    /// F-3L-LABEL: each layer's label embedding (rows of W_O·W_V^(ℓ), label block): median angle to q
    /// against median magnitude over training, for a_i > 0 and a_i < 0.
    static let layerLabelEmbedding: FigureRecipe = { req, r in
        let g = try group(req, r)
        let layers = Int((g.parameters["relaxation"].flatMap { Relaxation(rawValue: "\($0)") } ?? .depth3).layers)
        var out: [Layer] = []
        for i in 1...layers {
            let color = palette[(i - 1) % palette.count]
            let m = try r.series("label_norm_L\(i)", in: g)
            for (sign, dash) in [("pos", Dash.solid), ("neg", Dash.dashed)] {
                let a = try r.series("label_angle_\(sign)_deg_L\(i)", in: g)
                out.append(.line(Line("layer \(i), a_i \(sign == "pos" ? ">" : "<") 0", x: a.mean, y: m.mean, dash: dash, color: color, withPoints: true)))
            }
        }
        return Figure(
            id: req.id, title: req.title ?? "F-3L-LABEL: label embedding of W_O·W_V^(ℓ) in every layer",
            notes: r.figureNotes + [
                "rows of W_O·W_V^(ℓ) (heads summed) restricted to the label block; median over large neurons (‖W_O row‖ > ½ median); trajectory over logged iterations, mean over seeds"
            ],
            x: Axis("angle to q (degrees)", min: 0, max: 180), y: Axis("magnitude (median over large neurons)", min: 0), layers: out, key: .below)
    }

    /// The group a per-model figure reads: the only one, or the one at `relaxation` (default depth_3).
    static func group(_ req: FigureRequest, _ r: AggregateResults) throws -> AggregateGroup {
        if r.groups.count == 1 { return r.groups[0] }
        let want = req.string("relaxation", default: Relaxation.depth3.rawValue)
        guard let g = r.groups.first(where: { $0.parameters["relaxation"].map { "\($0)" } == want }) else {
            throw RecipeError("\(req.id): no point at relaxation = \(want)")
        }
        return g
    }
}
