import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// Paper 4 — expert pruning in a fine-tuned sparse MoE by router-norm change (spec `moe-pruning.md`).
///
/// One run builds the pre-trained checkpoint (constructed as in §2.4, or actually pre-trained on a
/// broad multi-feature distribution), fine-tunes it with hinge-loss SGD on the downstream task, and
/// measures what Theorems 1 and 2 talk about: Δ_s = ‖w_s^(T)‖ − ‖w_s^(0)‖ and ‖w_s^(T) − w_s^(0)‖
/// per expert over training (P1, P1b, P2), and test accuracy after pruning a fraction ρ of the
/// experts by Δ (smallest first), reverse, final norm, contribution and random orders, with and
/// without post-pruning fine-tuning (P3–P5). Defaults are the spec's Config A.
public struct MoEExperiment: Experiment {
    public init() {}
    public let name = "moe.finetune"
    public let paper = "moe"
    public let paperTitle = "Provably effective expert pruning in a fine-tuned sparse mixture-of-experts"
    public var claims: [Claim] { MoEClaims.all }
    public let summary = "Sparse MoE fine-tuning from a pre-trained state: router-norm change Δ_s separates important experts; prune smallest-Δ first"

    public var parameters: [ParameterSpec] {
        [
            // Data model (§2.2)
            .init("d", .int(min: 3), default: .int(100), "token dimension d; patterns are e_0 … e_{d−1} (√d law: sweep 25–800)"),
            .init("n", .int(min: 2), default: .int(16), "tokens per sample n (one feature token + n−1 background)"),
            .init("F", .int(min: 1), default: .int(1), "relevant features per class F (paper: 1, i.e. o1, o2; Config B: 4)"),
            .init("sigma_tok", .double(min: 0), default: .double(0.5), "token noise σ_tok: each coordinate ~ N(0, σ_tok²/d)"),
            .init("n_test", .int(min: 1), default: .int(2000), "test samples (separate stream)"),
            // Pre-trained state (§2.4)
            .init(
                "pretrained", .choice(["constructed", "pretrain"]), default: .string("constructed"),
                "constructed checkpoint with known important experts (§2.4), or pre-train on F_pre features per class first"),
            .init("k", .int(min: 1), default: .int(8), "number of experts k"),
            .init("ipf", .int(min: 1), default: .int(2), "important experts per relevant feature (n_imp = 2·F·ipf, γ = 1 − n_imp/k)"),
            .init("alpha", .double(min: 0), default: .double(1), "α: router weight on an important expert's own feature"),
            .init(
                "eps_bg", .double(min: 0), default: .double(0.05),
                "ε_bg: router weight on every background coordinate of an important expert (keeps it a specialist)"),
            .init("alpha_u_min", .double(min: 0), default: .double(0.5), "lower end of α_u ~ U[min, max], the irrelevant routers' norms"),
            .init("alpha_u_max", .double(min: 0), default: .double(3), "upper end of α_u (heterogeneous norms make final-norm pruning fail)"),
            .init("router_noise", .double(min: 0), default: .double(0.1), "router init noise sd × √d (spec: 0.1/√d)"),
            .init("expert_scale", .double(min: 0), default: .double(1), "expert hidden weights ~ N(0, expert_scale²/d)"),
            .init(
                "pretrain_F", .int(min: 1), default: .int(4),
                "pretrain: features per class of the broad pre-training task (≥ F; the task's features are among them)"),
            .init("pretrain_T", .int(min: 0), default: .int(1500), "pretrain: SGD iterations of pre-training from a random init"),
            .init(
                "importance_threshold", .double(min: 0, max: 1), default: .double(0.05),
                "pretrain: an expert is 'important' if its initial proficiency (selects a task feature with G ≥ 1/l) is ≥ this"),
            // Network (§3)
            .init("m", .int(min: 2), default: .int(10), "hidden ReLU neurons per expert m (even: a_r = ±1/m, half each)"),
            .init(
                "routing", .choice(["expert_choice", "token_choice"]), default: .string("expert_choice"),
                "expert choice (top-l tokens per expert, the theory) or token choice (top-K experts per token)"),
            .init("l", .int(min: 1), default: .int(2), "tokens per expert l (expert choice)"),
            .init("K", .int(min: 1), default: .int(2), "experts per token K (token choice)"),
            .init(
                "pruned_semantics", .choice(["drop", "reroute"]), default: .string("drop"),
                "token choice: a pruned router still competes and its tokens get 0 (drop, official code) or is removed from routing (reroute)"),
            // Training (§4)
            .init("loss", .choice(["hinge", "logistic"]), default: .string("hinge"), "training loss (hinge: the theory's; logistic: ablation)"),
            .init("batch_size", .int(min: 1), default: .int(16), "minibatch size B (fresh samples every step)"),
            .init("eta_e", .double(min: 0, exclusiveMin: true), default: .double(0.5), "expert learning rate η_e"),
            .init("eta_r", .double(min: 0), default: .double(0.5), "router learning rate η_r"),
            .init("T", .int(min: 0), default: .int(800), "fine-tuning iterations T"),
            .init("T_post", .int(min: 0), default: .int(300), "post-pruning fine-tuning iterations T′ (Config A 300, B 600)"),
            .init("divergence_loss", .double(min: 0, exclusiveMin: true), default: .double(1e6), "a batch loss above this (or NaN/∞) marks the run diverged"),
            // Measurements
            .init("log_every", .int(min: 0), default: .int(50), "log Δ_s(t), test accuracy and hinge every this many iterations (0 = start and end only)"),
            .init(
                "pruning", .choice(["off", "no_finetune", "finetune"]), default: .string("off"),
                "pruning sweep: off, accuracy right after pruning, or also after T′ post-pruning fine-tuning"),
            .init(
                "criteria", .choice(["all", "delta"]), default: .string("all"), "pruning orders: Δ, reverse, final norm, contribution and random; or Δ only"),
            .init(
                "finetune_criteria", .choice(["all", "delta"]), default: .string("all"),
                "orders that also get post-pruning fine-tuning: every criterion, or Δ only (cheaper)"),
            .init("prune_ratios", .doubleList, default: .list([]), "pruning ratios ρ (rounded to j/k); empty = every j/k, j = 0 … k−1"),
            .init("random_orders", .int(min: 0), default: .int(5), "random pruning orders averaged (no post-pruning fine-tune)"),
            .init("random_orders_finetune", .int(min: 0), default: .int(2), "random orders also post-pruning fine-tuned (each costs T′ steps per ratio)"),
            // A measurement only: the post-pruning trajectory and every other number are the same with
            // or without it, so it is an execution option — out of the run seed (a run with the curve
            // sees its twin's data and masks) and out of point and sweep ids at 0 (existing ids stay).
            .init(
                "post_eval_every", .int(min: 0), default: .int(0),
                "pruning: finetune, Δ order: test accuracy every this many post-pruning steps t′ = 0 … T′ (series acc_delta_ft_steps_j<j>, ρ = j/k; 0 = off)",
                executionOption: true),
        ]
    }

    public func validate(_ p: Parameters) throws {
        let data = Self.dataConfig(p)
        if let problem = data.problem() { throw ParameterError(key: problem.key, problem.message) }
        if p.string("pretrained") == "constructed", let problem = Self.construction(p).problem(F: p.int("F")) {
            throw ParameterError(key: problem.key, problem.message)
        }
        if p.int("m") % 2 != 0 { throw ParameterError(key: "m", "m = \(p.int("m")) must be even (half +1/m, half −1/m output weights)") }
        if p.double("alpha_u_min") > p.double("alpha_u_max") {
            throw ParameterError(key: "alpha_u_min", "α_u range [\(p.double("alpha_u_min")), \(p.double("alpha_u_max"))] is empty")
        }
        if p.int("l") > p.int("n") { throw ParameterError(key: "l", "l = \(p.int("l")) tokens per expert exceeds n = \(p.int("n")) tokens per sample") }
        if p.string("routing") == "token_choice" && p.int("K") > p.int("k") {
            throw ParameterError(key: "K", "K = \(p.int("K")) experts per token exceeds k = \(p.int("k"))")
        }
        if p.string("pretrained") == "pretrain" {
            if p.int("pretrain_F") < p.int("F") { throw ParameterError(key: "pretrain_F", "F_pre = \(p.int("pretrain_F")) must be ≥ F = \(p.int("F"))") }
            if 2 * p.int("pretrain_F") >= p.int("d") {
                throw ParameterError(key: "pretrain_F", "2·F_pre = \(2 * p.int("pretrain_F")) must be < d = \(p.int("d"))")
            }
        }
        if p.int("post_eval_every") > 0 && p.string("pruning") != "finetune" {
            throw ParameterError(
                key: "post_eval_every", "the accuracy along the post-pruning steps needs pruning: finetune (pruning is \(p.string("pruning")))")
        }
        for r in p.doubles("prune_ratios") where !(0..<1).contains(r) {
            throw ParameterError(key: "prune_ratios", "ratio \(r) is outside [0, 1): at least one expert must survive")
        }
    }

    static func dataConfig(_ p: Parameters) -> MoETokens.Config {
        var c = MoETokens.Config()
        c.d = p.int("d"); c.n = p.int("n"); c.F = p.int("F"); c.sigmaTok = p.double("sigma_tok")
        return c
    }

    static func construction(_ p: Parameters) -> MoEConstruction {
        var c = MoEConstruction()
        c.k = p.int("k"); c.m = p.int("m"); c.ipf = p.int("ipf")
        c.alpha = p.double("alpha"); c.epsBg = p.double("eps_bg")
        c.alphaUMin = p.double("alpha_u_min"); c.alphaUMax = p.double("alpha_u_max")
        c.routerNoise = p.double("router_noise"); c.expertScale = p.double("expert_scale")
        return c
    }

    static func modelConfig(_ p: Parameters) -> SparseMoE.Config {
        var c = SparseMoE.Config()
        c.d = p.int("d"); c.n = p.int("n"); c.k = p.int("k"); c.m = p.int("m"); c.l = p.int("l"); c.K = p.int("K")
        c.routing = .init(rawValue: p.string("routing"))!
        c.pruned = .init(rawValue: p.string("pruned_semantics"))!
        c.batchCapacity = p.int("batch_size")
        return c
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        try MoERun(p, context: context).execute()
    }

    public var figureRecipes: [String: FigureRecipe] { MoEFigures.recipes }

    /// `sim bench moe`: Config A SGD throughput (see `MoEBench`).
    public var benchmark: BenchmarkRegistry.Benchmark? { { try MoEBench.report().joined(separator: "\n") } }
}

/// The state of one MoE run: data, checkpoint, model, logs.
final class MoERun {
    let p: Parameters
    let context: RunContext
    let data: MoETokens
    let loss: Loss
    let test: TokenBatch
    var state: MoECheckpoint
    var model: SparseMoE
    /// Bigger-chunk copy for evaluation (weights and mask copied in before each use).
    var evalModel: SparseMoE
    var result = RunResult()
    var curves: [String: ([Double], [Double])] = [:]
    let etaE: Double, etaR: Double

    init(_ p: Parameters, context: RunContext) throws {
        self.p = p
        self.context = context
        loss = Loss(rawValue: p.string("loss"))!
        etaE = p.double("eta_e"); etaR = p.double("eta_r")
        let cfg = MoEExperiment.dataConfig(p)
        var initRNG = RNG(seed: context.seed, stream: .`init`)
        if p.string("pretrained") == "pretrain" {
            let (_, down) = MoETokens.pretrainingDistribution(downstream: cfg, featuresPerClass: p.int("pretrain_F"))
            data = down
            let c = MoEExperiment.construction(p)
            state = MoETokens.randomState(k: c.k, m: c.m, d: cfg.d, routerNoise: c.routerNoise, expertScale: c.expertScale, rng: &initRNG)
        } else {
            data = MoETokens(config: cfg)
            state = data.constructedState(MoEExperiment.construction(p), rng: &initRNG)
        }
        var testRNG = RNG(seed: context.seed, stream: .testSet)
        test = data.sample(p.int("n_test"), rng: &testRNG)
        model = SparseMoE(config: MoEExperiment.modelConfig(p), state: state)
        evalModel = model.copy(capacity: 125)
    }

    func record(_ name: String, _ x: Double, _ y: Double) {
        curves[name, default: ([], [])].0.append(x)
        curves[name, default: ([], [])].1.append(y)
    }

    func evaluate(_ m: SparseMoE, alive: [Bool]? = nil, on set: TokenBatch? = nil, _ body: ((Int, Int) -> Void)? = nil) -> SparseMoE.Evaluation {
        evalModel.weights = m.weights
        evalModel.alive = alive ?? m.alive
        return evalModel.evaluate(set ?? test, loss: loss, body)
    }

    /// Per expert: the larger over the two classes of the fraction of that class's samples in which the
    /// expert selects one of the class's feature tokens with gate ≥ 1/l (router proficiency p_1, p_2, §2.1).
    func proficiency(_ m: SparseMoE) -> [Double] {
        let k = m.config.k, n = m.config.n
        let threshold = m.config.routing == .expertChoice ? 1 / Double(m.config.l) - 1e-12 : 0
        var hits = [[Int]](repeating: [0, 0], count: k)
        var lastSample = [Int](repeating: -1, count: k)
        _ = evaluate(m) { start, count in
            for s in 0..<k where self.evalModel.alive[s] {
                let (rows, gates) = self.evalModel.entries(of: s)
                for (i, row) in rows.enumerated() where gates[i] >= threshold {
                    let b = start + Int(row) / n
                    let c = Int(self.test.pattern[start * n + Int(row)])
                    let y = self.test.labels[b]
                    if self.data.labelOf(coordinate: c) == y && lastSample[s] != b {
                        lastSample[s] = b
                        hits[s][y > 0 ? 0 : 1] += 1
                    }
                }
            }
        }
        let pos = Double(max(test.labels.filter { $0 > 0 }.count, 1)), neg = Double(max(test.labels.filter { $0 < 0 }.count, 1))
        return hits.map { max(Double($0[0]) / pos, Double($0[1]) / neg) }
    }

    func execute() throws -> RunResult {
        if p.string("pretrained") == "pretrain" {
            if let step = try pretrain() {
                result.status = .diverged; result.divergedAtStep = step
                result.note = "pre-training loss not finite at step \(step)"
                return result
            }
        }
        let k = p.int("k")
        let w0 = model.routers
        let norm0 = w0.rowNorms
        // Initial proficiencies (spec §8 item 5) and the importance ground truth.
        let prof0 = proficiency(model)
        if p.string("pretrained") == "pretrain" {
            state.important = prof0.map { $0 >= p.double("importance_threshold") }
        }
        let important = state.important
        let gamma = Double(important.filter { !$0 }.count) / Double(k)
        result.metrics["gamma"] = gamma
        result.metrics["n_important"] = Double(important.filter { $0 }.count)
        let profImp = zip(prof0, important).filter { $0.1 }.map(\.0), profIrr = zip(prof0, important).filter { !$0.1 }.map(\.0)
        result.metrics["proficiency_imp_min"] = profImp.min() ?? .nan
        result.metrics["proficiency_irr_max"] = profIrr.max() ?? .nan
        result.series["proficiency_initial"] = Series(x: (0..<k).map(Double.init), y: prof0)
        result.series["important_by_expert"] = Series(x: (0..<k).map(Double.init), y: important.map { $0 ? 1 : 0 })

        // Fine-tuning (§4.1).
        var rng = RNG(seed: context.seed, stream: .data)
        var batch = TokenBatch(capacity: p.int("batch_size"), length: p.int("n"), dimension: p.int("d"))
        let logEvery = p.int("log_every"), T = p.int("T")
        var window = 0.0, windowSteps = 0
        func log(_ t: Int) {
            let rn = model.routers.rowNorms
            for s in 0..<k {
                record("router_delta_\(s)", Double(t), rn[s] - norm0[s])
                var dw = 0.0
                for j in 0..<model.config.d { let v = model.routers[s, j] - w0[s, j]; dw += v * v }
                record("router_change_\(s)", Double(t), dw.squareRoot())
            }
            let e = evaluate(model)
            record("test_accuracy", Double(t), e.accuracy)
            record("test_hinge", Double(t), e.loss)
            if t > 0 { record("train_hinge", Double(t), window / Double(max(windowSteps, 1))) }
            window = 0; windowSteps = 0
        }
        log(0)
        result.metrics["test_accuracy_initial"] = curves["test_accuracy"]!.1[0]
        var t = 0
        while t < T {
            data.fill(&batch, rng: &rng)
            let l = model.trainStep(batch, expertRate: etaE, routerRate: etaR, loss: loss)
            t += 1
            window += l; windowSteps += 1
            if !l.isFinite || l > p.double("divergence_loss") {
                result.status = .diverged; result.divergedAtStep = t
                result.note = "batch loss \(l) at step \(t) (η_e = \(etaE), η_r = \(etaR))"
                finish(); return result
            }
            if logEvery > 0 && t % logEvery == 0 { log(t) }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        if logEvery == 0 || t % logEvery != 0 { log(t) }
        result.metrics["steps"] = Double(t)

        // Theorem 1: Δ_s and ‖w_s^(T) − w_s^(0)‖ split by importance.
        let normT = model.routers.rowNorms
        let delta = (0..<k).map { normT[$0] - norm0[$0] }
        let change = (0..<k).map { s in (0..<model.config.d).reduce(0.0) { $0 + pow(model.routers[s, $1] - w0[s, $1], 2) }.squareRoot() }
        let final = evaluate(model)
        result.metrics["test_accuracy"] = final.accuracy
        result.metrics["test_hinge"] = final.loss
        let dImp = (0..<k).filter { important[$0] }.map { delta[$0] }, dIrr = (0..<k).filter { !important[$0] }.map { delta[$0] }
        let cImp = (0..<k).filter { important[$0] }.map { change[$0] }, cIrr = (0..<k).filter { !important[$0] }.map { change[$0] }
        result.metrics["delta_imp_min"] = dImp.min() ?? .nan
        result.metrics["delta_imp_max"] = dImp.max() ?? .nan
        result.metrics["delta_imp_mean"] = dImp.isEmpty ? .nan : Statistics.mean(dImp)
        result.metrics["delta_irr_absmax"] = dIrr.map(abs).max() ?? .nan
        result.metrics["delta_irr_absmean"] = dIrr.isEmpty ? .nan : Statistics.mean(dIrr.map(abs))
        result.metrics["change_imp_mean"] = cImp.isEmpty ? .nan : Statistics.mean(cImp)
        result.metrics["change_irr_mean"] = cIrr.isEmpty ? .nan : Statistics.mean(cIrr)
        result.metrics["separation_ratio"] = (dImp.min() ?? .nan) / (dIrr.map(abs).max() ?? .nan)
        result.metrics["ranking_perfect"] = (dImp.min() ?? .infinity) > (dIrr.max() ?? -.infinity) ? 1 : 0
        let order = (0..<k).sorted { (delta[$0], $0) < (delta[$1], $1) }
        let ranks = (1...k).map(Double.init)
        result.series["delta_sorted"] = Series(x: ranks, y: order.map { delta[$0] })
        result.series["abs_delta_sorted"] = Series(x: ranks, y: order.map { abs(delta[$0]) })
        result.series["delta_sorted_important"] = Series(x: ranks, y: order.map { important[$0] ? 1 : 0 })
        result.series["delta_by_expert"] = Series(x: (0..<k).map(Double.init), y: delta)
        result.series["change_by_expert"] = Series(x: (0..<k).map(Double.init), y: change)

        if p.string("pruning") != "off" { try pruning(delta: delta, normT: normT, gamma: gamma) }
        finish()
        return result
    }

    func finish() { for (k, v) in curves { result.series[k] = Series(x: v.0, y: v.1) } }

    /// The `pretrain` option: train the random checkpoint on the broad F_pre-feature task (stream
    /// "pretrain"), then fine-tune from it. Importance is then measured, not constructed.
    /// Returns the step at which pre-training diverged, or nil.
    func pretrain() throws -> Int? {
        let (pre, _) = MoETokens.pretrainingDistribution(downstream: data.config, featuresPerClass: p.int("pretrain_F"))
        var rng = RNG(seed: context.seed, stream: "pretrain")
        var batch = TokenBatch(capacity: p.int("batch_size"), length: p.int("n"), dimension: p.int("d"))
        for t in 0..<p.int("pretrain_T") {
            pre.fill(&batch, rng: &rng)
            let l = model.trainStep(batch, expertRate: etaE, routerRate: etaR, loss: loss)
            if !l.isFinite { return t + 1 }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        state.routers = model.routers
        state.experts = model.experts
        var preTestRNG = RNG(seed: context.seed, stream: "pretrain_test")
        let preTest = pre.sample(1000, rng: &preTestRNG)
        result.metrics["pretrain_accuracy"] = evaluate(model, on: preTest).accuracy
        return nil
    }

    // MARK: pruning (Theorem 2, P3–P5)

    /// Alive mask with the first j experts of `order` pruned, as a bit set key.
    static func key(_ order: [Int], _ j: Int) -> UInt64 { order.prefix(j).reduce(0) { $0 | (1 << UInt64($1)) } }

    /// Post-pruning fine-tune of the surviving experts and routers (§4.1, §8 item 10) for T′ steps:
    /// the test accuracy at the end, and, when `every` > 0, at t′ = 0, every, 2·every, … and T′ (the
    /// x grid of the T6 curve). Evaluating only reads the weights, so the trajectory and the final
    /// accuracy do not depend on `every`. The data stream is named after the mask, so equal masks
    /// from different orders give equal results.
    func postPruningFineTune(alive key: UInt64, every: Int) throws -> (accuracy: Double, curve: Series) {
        let k = p.int("k"), steps = p.int("T_post")
        let pruned = model.copy()
        for s in 0..<k { pruned.alive[s] = key & (1 << UInt64(s)) == 0 }
        var rng = RNG(seed: context.seed, stream: "post_finetune_\(key)")
        var batch = TokenBatch(capacity: p.int("batch_size"), length: p.int("n"), dimension: p.int("d"))
        var curve = Series(x: [], y: [])
        func mark(_ t: Int) { curve.x.append(Double(t)); curve.y.append(evaluate(pruned).accuracy) }
        if every > 0 { mark(0) }
        for t in 0..<steps {
            data.fill(&batch, rng: &rng)
            pruned.trainStep(batch, expertRate: etaE, routerRate: etaR, loss: loss)
            if every > 0 && (t + 1) % every == 0 && t + 1 < steps { mark(t + 1) }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        let v = evaluate(pruned).accuracy
        if every > 0 && steps > 0 { curve.x.append(Double(steps)); curve.y.append(v) }
        return (v, curve)
    }

    func pruning(delta: [Double], normT: [Double], gamma: Double) throws {
        let k = p.int("k")
        let finetune = p.string("pruning") == "finetune"
        let counts: [Int] =
            p.doubles("prune_ratios").isEmpty
            ? Array(0..<k)
            : Array(Set(p.doubles("prune_ratios").map { min(k - 1, Int(($0 * Double(k)).rounded())) })).sorted()
        let ratios = counts.map { Double($0) / Double(k) }
        var orders: [(String, [Int])] = [("delta", (0..<k).sorted { (delta[$0], $0) < (delta[$1], $1) })]
        if p.string("criteria") == "all" {
            orders.append(("reverse", (0..<k).sorted { (delta[$0], $1) > (delta[$1], $0) }))
            orders.append(("final_norm", (0..<k).sorted { (normT[$0], $0) < (normT[$1], $1) }))
            // Contribution: mean |Σ_{j∈J_s} G h| on held-out samples (not the test set).
            var hr = RNG(seed: context.seed, stream: "heldout")
            let held = data.sample(min(1000, p.int("n_test")), rng: &hr)
            let contrib = evaluate(model, on: held).contribution
            orders.append(("contribution", (0..<k).sorted { (contrib[$0], $0) < (contrib[$1], $1) }))
        }
        var memo: [UInt64: Double] = [:], memoFT: [UInt64: Double] = [:]
        func accuracy(_ key: UInt64) -> Double {
            if let v = memo[key] { return v }
            let v = evaluate(model, alive: (0..<k).map { key & (1 << UInt64($0)) == 0 }).accuracy
            memo[key] = v
            return v
        }
        func accuracyFT(_ key: UInt64) throws -> Double {
            if let v = memoFT[key] { return v }
            let v = try postPruningFineTune(alive: key, every: 0).accuracy
            memoFT[key] = v
            return v
        }
        // Δ order first, so its masks are fine-tuned here (not served from the memo) and can carry
        // the test accuracy along the T′ axis (claim T6: recovery as a function of t′).
        let every = finetune ? p.int("post_eval_every") : 0
        if every > 0 {
            for j in counts {
                let key = Self.key(orders[0].1, j)
                let (v, curve) = try postPruningFineTune(alive: key, every: every)
                memoFT[key] = v
                result.series["acc_delta_ft_steps_j\(j)"] = curve
            }
        }
        for (name, order) in orders {
            result.series["acc_\(name)"] = Series(x: ratios, y: counts.map { accuracy(Self.key(order, $0)) })
            if finetune && (name == "delta" || p.string("finetune_criteria") == "all") {
                result.series["acc_\(name)_ft"] = Series(x: ratios, y: try counts.map { try accuracyFT(Self.key(order, $0)) })
            }
        }
        if p.string("criteria") == "all" {
            var maskRNG = RNG(seed: context.seed, stream: .masks)
            let R = p.int("random_orders"), RF = finetune && p.string("finetune_criteria") == "all" ? min(p.int("random_orders_finetune"), R) : 0
            var perms: [[Int]] = []
            for _ in 0..<max(R, RF) { var o = Array(0..<k); maskRNG.shuffle(&o); perms.append(o) }
            if R > 0 {
                let accs = perms.prefix(R).map { o in counts.map { accuracy(Self.key(o, $0)) } }
                result.series["acc_random"] = Series(x: ratios, y: counts.indices.map { i in Statistics.mean(accs.map { $0[i] }) })
                result.series["acc_random_mask_sd"] = Series(
                    x: ratios, y: counts.indices.map { i in R > 1 ? Statistics.standardDeviation(accs.map { $0[i] }) : 0 })
            }
            if RF > 0 {
                let accs = try perms.prefix(RF).map { o in try counts.map { try accuracyFT(Self.key(o, $0)) } }
                result.series["acc_random_ft"] = Series(x: ratios, y: counts.indices.map { i in Statistics.mean(accs.map { $0[i] }) })
                result.series["acc_random_ft_mask_sd"] = Series(
                    x: ratios, y: counts.indices.map { i in RF > 1 ? Statistics.standardDeviation(accs.map { $0[i] }) : 0 })
            }
        }
        // Knee: the largest ρ up to which Δ-pruning keeps the unpruned accuracy (within 0.01).
        let accDelta = result.series["acc_delta"]!.y
        let base = accuracy(0)
        result.metrics["acc_unpruned"] = base
        var knee = 0.0
        for (i, r) in ratios.enumerated() { if accDelta[i] >= base - 0.01 { knee = r } else { break } }
        result.metrics["knee_delta"] = knee
        result.metrics["knee_minus_gamma"] = knee - gamma
        if let i = ratios.firstIndex(where: { abs($0 - gamma) < 1e-9 }) {
            for (name, s) in result.series where name.hasPrefix("acc_") && !name.hasSuffix("_sd") {
                result.metrics["\(name)_at_gamma"] = s.y[i]
            }
        }
    }
}
