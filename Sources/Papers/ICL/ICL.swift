import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// Paper 2 — how a nonlinear one-layer transformer learns and generalizes in-context (spec `icl.md`).
///
/// One run trains the ICL transformer with online SGD on prompts of the training tasks and measures:
/// unseen-task and OOD error/hinge against the test context length (T1c, T2), the step T_hit at which
/// the minibatch hinge first drops below a threshold (T1d), same-pattern attention mass and query/key
/// norms over training (P1), the W_O·W_V feature/label embeddings of the neurons (P2), neuron-norm
/// bimodality and pruning curves (T3), and classical per-prompt learners on identical prompts (F-BASE).
public struct ICLExperiment: Experiment {
    public init() {}
    public let name = "icl.train"
    public let paper = "icl"
    public let paperTitle = "How a nonlinear one-layer transformer learns and generalizes in in-context learning"
    public var claims: [Claim] { ICLClaims.all }
    public let summary =
        "One-layer transformer in-context learning of binary tasks: unseen tasks, context length, OOD (S1), induction head, lucky neurons, pruning"

    public var parameters: [ParameterSpec] {
        [
            // Data (§2)
            .init("d_X", .int(min: 2), default: .int(30), "input (pattern) dimension d_X; needs ≥ M1 + M2"),
            .init("M1", .int(min: 3), default: .int(6), "in-domain-relevant (IDR) patterns μ_j"),
            .init("M2", .int(min: 1), default: .int(24), "in-domain-irrelevant (IDI) patterns ν_k"),
            .init("d_Y", .int(min: 1), default: .int(10), "label-embedding dimension (q = e_1 of the label block)"),
            .init("beta", .double(min: 0, exclusiveMin: true), default: .double(1), "‖μ_j‖ = β (T1e)"),
            .init("kappa", .double(min: 0), default: .double(0.5), "κ ~ U[−K, K]: coefficient of the irrelevant pattern"),
            .init(
                "train_tasks", .choice(["ring", "partial_ring", "star", "single", "all", "rings", "random"]), default: .string("ring"),
                "training-task family T_tr (ring = {(a, a+1 mod M1)})"),
            .init("task_param", .int(min: 1), default: .int(4), "partial_ring: patterns used; rings: number of rings; random: number of tasks"),
            .init("alpha", .double(min: 0, max: 1, exclusiveMin: true), default: .double(0.8), "α: training fraction of task-relevant contexts"),
            .init("l_tr", .int(min: 1), default: .int(20), "training context length l_tr"),
            .init("composition", .choice(["probabilistic", "exact"]), default: .string("probabilistic"), "context composition (spec §2.3 / A10)"),
            // Learner (§3)
            .init("m", .int(min: 1), default: .int(64), "W_O rows (neurons)"),
            .init("delta", .double(min: 0), default: .double(0.1), "δ: W_Q = W_K = W_V = δ·I at init"),
            .init("xi", .double(min: 0), default: .double(0.01), "ξ: W_O entries ~ N(0, ξ²) (small ξ gives the bimodal neuron norms)"),
            .init("include_query", .bool, default: .bool(false), "the query column attends to itself too (spec A4)"),
            // Training (§4)
            .init("learning_rate", .double(min: 0, exclusiveMin: true), default: .double(1), "SGD step size η"),
            .init("batch_size", .int(min: 1), default: .int(64), "prompts per step B (fresh every step)"),
            .init("T", .int(min: 0), default: .int(1500), "SGD iterations"),
            .init("loss", .choice(["hinge", "logistic"]), default: .string("hinge"), "training loss"),
            .init("hit_threshold", .double(min: 0), default: .double(0.1), "T_hit = first step whose minibatch hinge is below this (T1d)"),
            .init("stop_at_hit", .bool, default: .bool(false), "stop once T_hit is reached"),
            .init("divergence_loss", .double(min: 0, exclusiveMin: true), default: .double(1e6), "a batch loss above this (or NaN/∞) marks the run diverged"),
            // Execution option: not part of the run seed, nor of ids at its default
            .init(
                "precision", .choice(Precision.allCases.map(\.rawValue)), default: .string("double"),
                "working precision of forward/backward: double, or float (faster; weights, SGD updates and measurements stay Double; same seed, same data)",
                executionOption: true),
            // Measurements
            .init("n_test", .int(min: 1), default: .int(1000), "test prompts per evaluation"),
            .init("alpha_test", .double(min: 0, max: 1, exclusiveMin: true), default: .double(0.8), "α′ of the headline test (unseen tasks, l_ts = l_tr)"),
            .init("log_every", .int(min: 0), default: .int(50), "log P1/P2 quantities every this many steps (0 = start and end only)"),
            .init("eval_alphas", .doubleList, default: .list([]), "α′ values for error-vs-l_ts curves on unseen tasks (T1c)"),
            .init("eval_lengths", .doubleList, default: .list([1, 2, 4, 6, 8, 10, 12, 16, 20, 30].map { .int($0) }), "test context lengths l_ts"),
            .init("success_error", .double(min: 0), default: .double(0.02), "success / l* threshold on the test error (T1b, T1c)"),
            .init("ood_s1", .doubleList, default: .list([]), "S1 values for OOD curves (T2); empty = none"),
            .init("ood_alpha", .double(min: 0, max: 1, exclusiveMin: true), default: .double(0.8), "α′ of the OOD prompts"),
            .init(
                "ood_construction", .choice(["scaled", "unit_norm"]), default: .string("scaled"), "ODR construction: A3(b) scaled (default) or A3(a) unit norm"),
            .init("ood_relevant", .int(min: 2), default: .int(3), "M1′ for the unit-norm construction"),
            .init("ood_draws", .int(min: 1), default: .int(4), "ODR draws averaged per S1"),
            .init("ood_alphas", .doubleList, default: .list([]), "α′ values for ID-vs-OOD (S1 = 1) curves (F-OOD-ALPHA)"),
            .init("pruning_rates", .doubleList, default: .list([]), "pruning rates R (empty = none)"),
            .init("pruning_masks", .int(min: 1), default: .int(20), "random masks per rate"),
            .init("pruning_alphas", .doubleList, default: .list([.double(0.6)]), "α′ of the pruning test prompts"),
            .init("pruning_domain", .choice(["ood", "id"]), default: .string("ood"), "pruning evaluated on OOD (S1 = 1) or unseen-ID prompts"),
            .init("baselines", .bool, default: .bool(false), "evaluate classical learners on the same prompts (F-BASE)"),
            .init("baseline_alphas", .doubleList, default: .list([.double(0.6), .double(0.8)]), "α′ values for the baseline comparison"),
            .init(
                "baseline_lengths", .doubleList, default: .list([6, 8, 10, 12, 14, 16, 18, 20].map { .int($0) }), "context lengths for the baseline comparison"),
        ]
    }

    public func validate(_ p: Parameters) throws {
        let c = Self.dataConfig(p)
        if let problem = c.problem() { throw ParameterError(key: problem.key, problem.message) }
        let M1 = p.int("M1")
        switch p.string("train_tasks") {
        case "partial_ring" where !(3...M1).contains(p.int("task_param")):
            throw ParameterError(key: "task_param", "partial_ring needs 3 ≤ task_param ≤ M1 = \(M1)")
        case "rings" where p.int("task_param") > M1 - 1:
            throw ParameterError(key: "task_param", "rings: at most M1 − 1 = \(M1 - 1) distinct offsets")
        case "random" where p.int("task_param") > M1 * (M1 - 1):
            throw ParameterError(key: "task_param", "random: at most M1(M1 − 1) = \(M1 * (M1 - 1)) tasks")
        default: break
        }
        for key in ["eval_lengths", "baseline_lengths"] {
            for v in p.doubles(key) where v < 1 || v != v.rounded() {
                throw ParameterError(key: key, "context length \(v) is not a positive integer")
            }
        }
        for key in ["eval_alphas", "ood_alphas", "pruning_alphas", "baseline_alphas"] {
            for v in p.doubles(key) where !(v > 0 && v <= 1) { throw ParameterError(key: key, "α′ = \(v) is outside (0, 1]") }
        }
        for v in p.doubles("pruning_rates") where !(0...1).contains(v) { throw ParameterError(key: "pruning_rates", "rate \(v) is outside [0, 1]") }
        for v in p.doubles("ood_s1") where v <= 0 { throw ParameterError(key: "ood_s1", "S1 = \(v) must be > 0") }
        if p.string("ood_construction") == "unit_norm" {
            let bound = (Double(M1) / Double(p.int("ood_relevant"))).squareRoot()
            for v in p.doubles("ood_s1") where v > bound {
                throw ParameterError(key: "ood_s1", "S1 = \(v) exceeds √(M1/M1′) = \(String(format: "%.3f", bound)), infeasible for the unit-norm construction")
            }
            if p.int("ood_relevant") > M1 - 1 { throw ParameterError(key: "ood_relevant", "M1′ must be ≤ M1 − 1 for the unit-norm construction") }
        }
    }

    /// The per-prompt learners F-BASE compares the transformer with: 1-NN, 3-NN and logistic
    /// regression. The same-pattern majority is left out: it is an oracle that knows the patterns μ_j.
    static let classicalLearners: [ICLBaseline] = [.nearest1, .nearest3, .logistic]

    static func dataConfig(_ p: Parameters) -> ICLPrompts.Config {
        var c = ICLPrompts.Config()
        c.dX = p.int("d_X"); c.M1 = p.int("M1"); c.M2 = p.int("M2"); c.dY = p.int("d_Y")
        c.beta = p.double("beta"); c.kappa = p.double("kappa")
        return c
    }

    static func family(_ p: Parameters) -> ICLPrompts.TaskFamily {
        switch p.string("train_tasks") {
        case "partial_ring": return .partialRing(p.int("task_param"))
        case "star": return .star
        case "single": return .single
        case "all": return .all
        case "rings": return .rings(p.int("task_param"))
        case "random": return .random(p.int("task_param"))
        default: return .ring
        }
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        switch Precision(rawValue: p.string("precision"))! {
        case .double: try ICLRun<Double>(p, context: context).execute()
        case .float: try ICLRun<Float>(p, context: context).execute()
        }
    }

    public var figureRecipes: [String: FigureRecipe] { ICLFigures.recipes }

    public var benchmark: BenchmarkRegistry.Benchmark? { { try ICLBench.report().joined(separator: "\n") } }
}

/// Formats a parameter value inside series names: 0.8 → "0.8", 1 → "1".
func tag(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%g", v) }

/// One ICL run.
final class ICLRun<Scalar: BLASScalar> {
    let p: Parameters
    let context: RunContext
    let data: ICLPrompts
    let model: ICLTransformer<Scalar>
    let loss: Loss
    let trainTasks: [ICLPrompts.Task]
    let unseen: [ICLPrompts.Task]
    let test: TokenBatch
    var result = RunResult()
    var curves: [String: ([Double], [Double])] = [:]

    init(_ p: Parameters, context: RunContext) throws {
        self.p = p
        self.context = context
        data = ICLPrompts(config: ICLExperiment.dataConfig(p))
        var cfg = ICLTransformerConfig()
        cfg.d = data.config.d; cfg.ma = cfg.d; cfg.mb = cfg.d
        cfg.contexts = p.int("l_tr"); cfg.m = p.int("m"); cfg.initScale = p.double("delta"); cfg.outputInitSD = p.double("xi")
        cfg.includeQuery = p.bool("include_query"); cfg.batchCapacity = p.int("batch_size")
        model = ICLTransformer<Scalar>(config: cfg, seed: context.seed)
        loss = Loss(rawValue: p.string("loss"))!
        var taskRNG = RNG(seed: context.seed, stream: .tasks)
        trainTasks = data.tasks(ICLExperiment.family(p), rng: &taskRNG)
        let u = data.unseenTasks(trainTasks)
        unseen = u.isEmpty ? trainTasks : u  // "all" leaves no unseen task: evaluate on T itself
        var testRNG = RNG(seed: context.seed, stream: .testSet)
        test = data.prompts(
            p.int("n_test"), contexts: p.int("l_tr"), domain: data.inDomain, tasks: unseen,
            alpha: p.double("alpha_test"), composition: .init(rawValue: p.string("composition"))!, rng: &testRNG)
    }

    var composition: ICLPrompts.Composition { .init(rawValue: p.string("composition"))! }

    func record(_ name: String, _ x: Double, _ y: Double) {
        curves[name, default: ([], [])].0.append(x)
        curves[name, default: ([], [])].1.append(y)
    }

    func execute() throws -> RunResult {
        let eta = p.double("learning_rate"), T = p.int("T"), logEvery = p.int("log_every")
        var rng = RNG(seed: context.seed, stream: .data)
        var batch = TokenBatch(capacity: p.int("batch_size"), length: p.int("l_tr") + 1, dimension: data.config.d)
        let initial = model.weights
        log(at: 0)
        result.metrics["att_same_initial"] = curves["att_same"]!.1[0]
        result.metrics["query_norm_initial"] = curves["query_norm"]!.1[0]
        result.metrics["key_norm_initial"] = curves["key_norm"]!.1[0]
        var tHit: Int? = nil
        var t = 0
        while t < T {
            data.fill(&batch, domain: data.inDomain, tasks: trainTasks, alpha: p.double("alpha"), composition: composition, rng: &rng)
            let l = model.trainStep(batch, learningRate: eta, loss: loss)
            t += 1
            if !l.isFinite || l > p.double("divergence_loss") {
                result.status = .diverged; result.divergedAtStep = t
                result.note = "batch loss \(l) at step \(t) (η = \(eta))"
                break
            }
            if tHit == nil && l < p.double("hit_threshold") {
                tHit = t
                if p.bool("stop_at_hit") { break }
            }
            if logEvery > 0 && t % logEvery == 0 { log(at: t) }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        result.metrics["steps"] = Double(t)
        result.metrics["T_hit"] = tHit.map(Double.init) ?? .nan
        if result.status == .diverged { finish(); return result }
        if logEvery == 0 || t % logEvery != 0 { log(at: t) }

        let e = model.evaluate(test, loss: loss)
        result.metrics["test_error"] = e.error
        result.metrics["test_loss"] = e.loss
        result.metrics["success"] = e.error <= p.double("success_error") ? 1 : 0
        result.metrics["att_same"] = e.sameAttention
        result.metrics["query_norm"] = e.queryNorm
        result.metrics["key_norm"] = e.keyNorm
        for (k, v) in patternNorms() { result.metrics[k] = v }
        for (k, v) in neuronEmbeddings() { result.metrics[k] = v }
        neuronNorms(initial: initial)
        try contextLengthCurves()
        try oodCurves()
        try pruning()
        try baselines()
        finish()
        return result
    }

    func finish() { for (k, v) in curves { result.series[k] = Series(x: v.0, y: v.1) } }

    /// P1/P2 quantities at step t, on the unseen-task test prompts.
    func log(at t: Int) {
        let e = model.evaluate(test, loss: loss)
        let x = Double(t)
        record("test_error", x, e.error); record("test_loss", x, e.loss)
        record("att_same", x, e.sameAttention); record("att_other", x, 1 - e.sameAttention)
        record("query_norm", x, e.queryNorm); record("key_norm", x, e.keyNorm)
        for (k, v) in patternNorms() { record(k, x, v) }
        for (k, v) in neuronEmbeddings() { record(k, x, v) }
    }

    /// ‖W_Q [μ_j; 0]‖ and ‖W_K [μ_j; 0]‖ averaged over the IDR patterns: the pattern-only ("xdr") norms of P1.
    func patternNorms() -> [String: Double] {
        let M1 = data.config.M1, d = data.config.d, dX = data.config.dX
        var out: [String: Double] = [:]
        for (name, w) in [("query_pattern_norm", model.attention.wQ), ("key_pattern_norm", model.attention.wK)] {
            var total = 0.0
            for j in 0..<M1 {
                var s = 0.0
                for r in 0..<w.rows {
                    var v = 0.0
                    for c in 0..<dX { v += w.storage[r * d + c] * data.inDomain.relevant[j, c] }
                    s += v * v
                }
                total += s.squareRoot()
            }
            out[name] = total / Double(M1)
        }
        return out
    }

    /// P2: rows of W_O·W_V split into the feature part (first d_X coords) and label part (last d_Y).
    /// Among "large" neurons (‖W_O row‖ > ½ median): median angle of the feature part to μ̄, fraction
    /// whose label part has sign(·q) = sign(a_i), median label angle for a_i > 0 and a_i < 0, magnitudes.
    func neuronEmbeddings() -> [String: Double] {
        let E = model.readout.wO * model.attention.wV  // m × d
        let dX = data.config.dX, d = data.config.d, m = E.rows
        var muBar = [Double](repeating: 0, count: dX)
        for j in 0..<data.config.M1 { for c in 0..<dX { muBar[c] += data.inDomain.relevant[j, c] / Double(data.config.M1) } }
        let muNorm = muBar.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let norms = model.readout.wO.rowNorms, med = Statistics.median(norms)
        var featAngles: [Double] = [], featMags: [Double] = [], labelPos: [Double] = [], labelNeg: [Double] = [], labelMags: [Double] = []
        var agree = 0, large = 0
        for i in 0..<m where norms[i] > 0.5 * med {
            large += 1
            var dotF = 0.0, nF = 0.0
            for c in 0..<dX { let v = E[i, c]; dotF += v * muBar[c]; nF += v * v }
            nF = nF.squareRoot()
            var nL = 0.0
            for c in dX..<d { nL += E[i, c] * E[i, c] }
            nL = nL.squareRoot()
            let lq = E[i, dX]  // label part · q (q = e_1 of the label block)
            featAngles.append(Self.angle(dotF, nF * muNorm)); featMags.append(nF)
            let la = Self.angle(lq, nL)
            if model.readout.a[i] > 0 { labelPos.append(la) } else { labelNeg.append(la) }
            labelMags.append(nL)
            if (lq > 0) == (model.readout.a[i] > 0) { agree += 1 }
        }
        return [
            "feature_angle_deg": Statistics.median(featAngles), "feature_norm": Statistics.median(featMags),
            "label_angle_pos_deg": Statistics.median(labelPos), "label_angle_neg_deg": Statistics.median(labelNeg),
            "label_norm": Statistics.median(labelMags),
            "label_sign_agreement": large == 0 ? .nan : Double(agree) / Double(large),
        ]
    }

    static func angle(_ dot: Double, _ norms: Double) -> Double {
        guard norms > 0 else { return .nan }
        return acos(max(-1, min(1, dot / norms))) * 180 / .pi
    }

    /// T3a: sorted W_O row norms, small fraction (< ½ median) and the gap ratio.
    func neuronNorms(initial: TransformerWeights) {
        let n = model.readout.wO.rowNorms, med = Statistics.median(n)
        let small = n.filter { $0 < 0.5 * med }, large = n.filter { $0 >= 0.5 * med }
        result.metrics["small_neuron_fraction"] = Double(small.count) / Double(n.count)
        result.metrics["neuron_gap_ratio"] = small.isEmpty ? .nan : Statistics.median(large) / (small.max() ?? .nan)
        let rank = (1...n.count).map(Double.init)
        result.series["neuron_norm_trained"] = Series(x: rank, y: n.sorted())
        result.series["neuron_norm_initial"] = Series(x: rank, y: initial.wO.rowNorms.sorted())
    }

    /// Prompts with l contexts for an evaluation, drawn from a stream named after the evaluation.
    func prompts(_ stream: String, contexts l: Int, domain: ICLPrompts.Domain, tasks: [ICLPrompts.Task], alpha: Double) -> TokenBatch {
        var r = RNG(seed: context.seed, stream: stream)
        return data.prompts(p.int("n_test"), contexts: l, domain: domain, tasks: tasks, alpha: alpha, composition: composition, rng: &r)
    }

    /// T1c: unseen-task error and hinge vs l_ts for each α′; l*(α′) = smallest l_ts with error ≤ threshold.
    func contextLengthCurves() throws {
        let lengths = p.doubles("eval_lengths").map { Int($0) }
        for a in p.doubles("eval_alphas") {
            var lStar = Double.nan
            for l in lengths {
                let m = model.withContexts(l)
                let e = m.evaluate(prompts("eval_a\(tag(a))_l\(l)", contexts: l, domain: data.inDomain, tasks: unseen, alpha: a), loss: loss)
                record("id_error_a\(tag(a))", Double(l), e.error)
                record("id_loss_a\(tag(a))", Double(l), e.loss)
                if lStar.isNaN && e.error <= p.double("success_error") { lStar = Double(l) }
            }
            result.metrics["l_star_a\(tag(a))"] = lStar
        }
    }

    /// OOD tasks: every ordered pair of ODR patterns.
    func oodTasks(_ dom: ICLPrompts.Domain) -> [ICLPrompts.Task] { ICLPrompts.allTasks(dom.relevantCount) }

    func oodDomain(S1: Double, draw: Int) throws -> ICLPrompts.Domain {
        var r = RNG(seed: context.seed, stream: "ood_S\(tag(S1))_draw\(draw)")
        return try data.oodDomain(
            S1: S1, construction: .init(rawValue: p.string("ood_construction"))!,
            relevantCount: p.int("ood_relevant"), rng: &r)
    }

    /// T2 / F-OOD-S1: OOD error vs l_ts per S1 (mean over ODR draws); F-OOD-ALPHA: ID vs OOD (S1 = 1) per α′.
    func oodCurves() throws {
        let lengths = p.doubles("eval_lengths").map { Int($0) }
        let draws = p.int("ood_draws")
        for S1 in p.doubles("ood_s1") {
            let doms = try (0..<draws).map { try oodDomain(S1: S1, draw: $0) }
            for l in lengths {
                let m = model.withContexts(l)
                var err = 0.0, hin = 0.0
                for (k, dom) in doms.enumerated() {
                    let e = m.evaluate(
                        prompts("ood_S\(tag(S1))_d\(k)_l\(l)", contexts: l, domain: dom, tasks: oodTasks(dom), alpha: p.double("ood_alpha")), loss: loss)
                    err += e.error / Double(draws); hin += e.loss / Double(draws)
                }
                record("ood_error_S\(tag(S1))", Double(l), err)
                record("ood_loss_S\(tag(S1))", Double(l), hin)
            }
        }
        let alphas = p.doubles("ood_alphas")
        if !alphas.isEmpty {
            let doms = try (0..<draws).map { try oodDomain(S1: 1, draw: $0) }
            for a in alphas {
                for l in lengths {
                    let m = model.withContexts(l)
                    let id = m.evaluate(prompts("oa_id_a\(tag(a))_l\(l)", contexts: l, domain: data.inDomain, tasks: unseen, alpha: a), loss: loss)
                    record("oa_id_error_a\(tag(a))", Double(l), id.error)
                    var err = 0.0
                    for (k, dom) in doms.enumerated() {
                        err +=
                            m.evaluate(prompts("oa_ood_a\(tag(a))_d\(k)_l\(l)", contexts: l, domain: dom, tasks: oodTasks(dom), alpha: a), loss: loss).error
                            / Double(draws)
                    }
                    record("oa_ood_error_a\(tag(a))", Double(l), err)
                }
            }
        }
    }

    /// T3b: pruning curves at l_ts = l_tr on OOD (S1 = 1) or unseen-ID prompts, per α′.
    func pruning() throws {
        let rates = p.doubles("pruning_rates")
        guard !rates.isEmpty else { return }
        let norms = model.readout.wO.rowNorms, a = model.readout.a, m = a.count
        var maskRNG = RNG(seed: context.seed, stream: .masks)
        let l = p.int("l_tr")
        for alpha in p.doubles("pruning_alphas") {
            let set: TokenBatch
            if p.string("pruning_domain") == "ood" {
                let dom = try oodDomain(S1: 1, draw: 0)
                set = prompts("prune_ood_a\(tag(alpha))", contexts: l, domain: dom, tasks: oodTasks(dom), alpha: alpha)
            } else {
                set = prompts("prune_id_a\(tag(alpha))", contexts: l, domain: data.inDomain, tasks: unseen, alpha: alpha)
            }
            let C = model.neuronActivations(set)
            let labels = Array(set.labels.prefix(set.count))
            func evaluate(_ mask: [Double]) -> (Double, Double) {
                Pruning.evaluate(contributions: C, outputWeights: a, mask: mask, scale: 1, labels: labels, loss: loss)
            }
            let suffix = "_a\(tag(alpha))"
            for r in rates {
                for scheme in [PruningScheme.magnitude, .largestFirst] {
                    let (lv, ev) = evaluate(Pruning.mask(norms: norms, rate: r, scheme: scheme, rng: &maskRNG))
                    record("prune_\(scheme.rawValue)_loss\(suffix)", r, lv); record("prune_\(scheme.rawValue)_error\(suffix)", r, ev)
                }
                var ls: [Double] = [], es: [Double] = []
                for _ in 0..<p.int("pruning_masks") {
                    let (lv, ev) = evaluate(Pruning.mask(norms: norms, rate: r, scheme: .random, rng: &maskRNG))
                    ls.append(lv); es.append(ev)
                }
                record("prune_random_loss\(suffix)", r, Statistics.mean(ls)); record("prune_random_error\(suffix)", r, Statistics.mean(es))
                record("prune_random_loss_mask_sd\(suffix)", r, Statistics.standardDeviation(ls))
                record("prune_random_error_mask_sd\(suffix)", r, Statistics.standardDeviation(es))
            }
            let (bl, be) = evaluate([Double](repeating: 1, count: m))
            result.metrics["baseline_loss\(suffix)"] = bl; result.metrics["baseline_error\(suffix)"] = be
        }
    }

    /// F-BASE: the transformer and classical learners on identical unseen-task prompts.
    /// Besides each learner's error vs l, records per seed the gap err_ICL − min(err_1NN, err_3NN,
    /// err_logistic) on the same prompts: a series over l (`base_gap_vs_l_a<α′>`) and, at the largest
    /// baseline length, the metrics `base_gap_a<α′>` and `base_best_error_a<α′>`, so a claim can take
    /// the interval of the gap over seeds rather than a difference of means.
    func baselines() throws {
        guard p.bool("baselines") else { return }
        var ws = LogisticWorkspace(dX: data.config.dX)
        let lMax = p.doubles("baseline_lengths").max()
        for a in p.doubles("baseline_alphas") {
            for lv in p.doubles("baseline_lengths") {
                let l = Int(lv)
                let set = prompts("base_a\(tag(a))_l\(l)", contexts: l, domain: data.inDomain, tasks: unseen, alpha: a)
                let iclError = model.withContexts(l).evaluate(set, loss: loss).error
                record("base_icl_error_a\(tag(a))", lv, iclError)
                let errors = baselineErrors(set, workspace: &ws)
                for method in ICLBaseline.allCases { record("base_\(method.rawValue)_error_a\(tag(a))", lv, errors[method]!) }
                let best = ICLExperiment.classicalLearners.map { errors[$0]! }.min()!
                record("base_gap_vs_l_a\(tag(a))", lv, iclError - best)
                if lv == lMax {
                    result.metrics["base_gap_a\(tag(a))"] = iclError - best
                    result.metrics["base_best_error_a\(tag(a))"] = best
                }
            }
        }
    }

    /// Test error of every classical learner on `set` (each fits one prompt's contexts, predicts its query).
    func baselineErrors(_ set: TokenBatch, workspace ws: inout LogisticWorkspace) -> [ICLBaseline: Double] {
        var errors: [ICLBaseline: Double] = [:]
        for method in ICLBaseline.allCases {
            var wrong = 0
            for b in 0..<set.count where method.predict(set, prompt: b, dX: data.config.dX, workspace: &ws) != set.labels[b] { wrong += 1 }
            errors[method] = Double(wrong) / Double(set.count)
        }
        return errors
    }
}
