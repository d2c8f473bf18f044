import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// Paper 1 — low-rank & sparse one-layer transformer (spec `lowrank-sparse.md`).
///
/// One run trains the one-layer transformer with SGD on majority-vote token data and measures what
/// the claims P1–P9 talk about: test hinge/error and relevant-attention mass over training, T*
/// (iterations to a test-hinge threshold), singular spectra / E_2 / effective rank / alignment of
/// every ΔW, W_O neuron norms, pruning curves (magnitude, random masks, largest-first), rank-r
/// truncation. Defaults are the spec's Config A.
public struct LowRankExperiment: Experiment {
    public init() {}
    public let name = "lowrank.train"
    public let paper = "lowrank"
    public let paperTitle = "Low-rank and sparse updates of a one-layer transformer, and magnitude pruning"
    public var claims: [Claim] { LowRankClaims.all + LowRankClaims.robustness }
    public let summary = "One-layer softmax attention + ReLU perceptron on majority-vote tokens: low-rank ΔW, sparse W_O, pruning, T* scaling"

    public var parameters: [ParameterSpec] {
        [
            // Data model (§2.2)
            .init("d", .int(min: 1), default: .int(20), "token dimension d"),
            .init("M", .int(min: 3), default: .int(10), "number of orthonormal patterns M (2K relevant + M−2K irrelevant); needs d ≥ M"),
            .init("L", .int(min: 2), default: .int(20), "tokens per sample L"),
            .init("n_rel", .int(min: 1), default: .int(6), "label-relevant tokens per sample (α_* = n_rel/L)"),
            .init("n_conf", .int(min: 0), default: .int(2), "confusion tokens per sample (α_# = n_conf/L); must be < n_rel"),
            .init("tau", .double(min: 0), default: .double(0.1), "token-noise level τ (theory regime τ < O(1/M))"),
            .init("relevant_per_class", .int(min: 1), default: .int(1), "K: relevant patterns per class (2K relevant patterns, §5.6); the paper has K = 1"),
            .init("counts", .choice(["fixed", "binomial"]), default: .string("fixed"), "fixed n_rel/n_conf, or binomial counts conditioned on n_rel > n_conf"),
            .init("noise", .choice(["gaussian", "ball"]), default: .string("gaussian"), "token noise N(0, τ²/d·I) or uniform in the τ-ball"),
            .init("basis", .choice(["random", "standard"]), default: .string("random"), "patterns: random orthonormal (QR) or e_1..e_M"),
            // Learner (§3)
            .init("m", .int(min: 2), default: .int(200), "hidden neurons m (rows of W_O)"),
            .init("m_a", .int(min: 1), default: .int(20), "value dim m_a"),
            .init("m_b", .int(min: 1), default: .int(20), "query/key dim m_b"),
            .init("delta", .double(min: 0), default: .double(0.2), "δ: W_Q = W_K = W_V = δ·I at init (near-uniform attention)"),
            .init("xi", .double(min: 0), default: .double(0.01), "ξ: W_O entries ~ N(0, ξ²) at init"),
            .init("init_noise", .double(min: 0), default: .double(0), "sd of a Gaussian perturbation of W_Q, W_K, W_V at init"),
            .init("random_output_signs", .bool, default: .bool(false), "a = i.i.d. ±1/√m instead of half +, half −"),
            // Training (§4)
            .init("loss", .choice(["hinge", "logistic"]), default: .string("hinge"), "training loss (hinge: the paper's)"),
            .init(
                "learning_rate", .double(min: 0, exclusiveMin: true), default: .double(1.0), "SGD step size η (large because a ~ 1/√m and 1/L shrink gradients)"
            ),
            .init("batch_size", .int(min: 1), default: .int(32), "minibatch size B"),
            .init("T", .int(min: 0), default: .int(500), "SGD iterations (one-pass mode)"),
            .init("train_size", .int(min: 0), default: .int(0), "N: fixed training set size reused over epochs; 0 = fresh batch every step (N = B·T)"),
            .init("max_epochs", .int(min: 1), default: .int(300), "fixed-set mode: epoch cap"),
            .init("stop_train_loss", .double(min: 0), default: .double(1e-3), "fixed-set mode: stop once the training loss is below this"),
            // Measurements
            .init("n_test", .int(min: 1), default: .int(1000), "fresh test samples (same patterns)"),
            .init("log_every", .int(min: 0), default: .int(10), "log test metrics every this many iterations (0 = only start and end)"),
            .init("track_rank", .bool, default: .bool(false), "log E_2 and alignment of every ΔW over training (R2)"),
            .init("tstar_threshold", .double(min: 0), default: .double(0), "T* = first checked iteration with test loss below this (0 = off)"),
            .init("tstar_every", .int(min: 1), default: .int(10), "check T* every this many iterations"),
            .init("tstar_n_test", .int(min: 1), default: .int(200), "test samples for the T* check"),
            .init("stop_at_tstar", .bool, default: .bool(false), "stop training once T* is reached"),
            .init("pruning_rates", .doubleList, default: .list([]), "pruning rates R to evaluate after training (empty = none)"),
            .init("pruning_masks", .int(min: 1), default: .int(20), "random masks per pruning rate"),
            .init("truncation_ranks", .doubleList, default: .list([]), "ranks r for rank-r truncation of every ΔW (empty = none)"),
            .init(
                "large_neuron_factor", .double(min: 0, exclusiveMin: true), default: .double(3),
                "a neuron is 'large' if its norm > factor × median initial norm"),
            .init("success_error", .double(min: 0), default: .double(0.05), "a run succeeds if its test error ≤ this (R9)"),
            .init("divergence_loss", .double(min: 0, exclusiveMin: true), default: .double(1e6), "a batch loss above this (or NaN/∞) marks the run diverged"),
            // Execution option: not part of the run seed, nor of ids at its default
            .init(
                "precision", .choice(Precision.allCases.map(\.rawValue)), default: .string("double"),
                "working precision of forward/backward: double, or float (faster; weights, SGD updates and measurements stay Double; same seed, same data)",
                executionOption: true),
        ]
    }

    public func validate(_ p: Parameters) throws {
        let data = Self.dataConfig(p)
        if let problem = data.problem() { throw ParameterError(key: problem.key, problem.message) }
        if p.int("m_b") != p.int("d") || p.int("m_a") != p.int("d") {
            // Rectangular identities are allowed, but alignment with W^(0)-mapped subspaces assumes square.
        }
        if p.int("m") % 2 != 0 && !p.bool("random_output_signs") {
            throw ParameterError(key: "m", "m = \(p.int("m")) must be even for the half +/half − output layer (or set random_output_signs)")
        }
        for r in p.doubles("pruning_rates") where !(0...1).contains(r) {
            throw ParameterError(key: "pruning_rates", "pruning rate \(r) is outside [0, 1]")
        }
        let maxRank = Double(min(p.int("d"), p.int("m"), p.int("m_a"), p.int("m_b")))
        for r in p.doubles("truncation_ranks") where r < 0 || r != r.rounded() || r > maxRank {
            throw ParameterError(key: "truncation_ranks", "rank \(r) is not an integer in 0 … \(Int(maxRank)) (the smallest weight dimension)")
        }
        // Keep every buffer well inside memory: the largest activation is (B·L)×m doubles per run.
        let activations = Double(p.int("batch_size")) * Double(p.int("L")) * Double(max(p.int("m"), p.int("L"), p.int("d")))
        if activations > 5e8 || Double(p.int("n_test")) * Double(p.int("L")) * Double(p.int("d")) > 5e8 || p.int("d") > 100_000 {
            throw ParameterError(
                key: "batch_size",
                "the run would need more than 4 GB of activations (batch_size·L·max(m, L, d) = \(Int(activations))); reduce d, m, L, batch_size or n_test")
        }
    }

    static func dataConfig(_ p: Parameters) -> MajorityVoteTokens.Config {
        var c = MajorityVoteTokens.Config()
        c.d = p.int("d"); c.M = p.int("M"); c.L = p.int("L")
        c.nRel = p.int("n_rel"); c.nConf = p.int("n_conf"); c.tau = p.double("tau")
        c.relevantPerClass = p.int("relevant_per_class")
        c.counts = .init(rawValue: p.string("counts"))!
        c.noise = .init(rawValue: p.string("noise"))!
        c.basis = .init(rawValue: p.string("basis"))!
        return c
    }

    static func modelConfig(_ p: Parameters) -> OneLayerTransformerConfig {
        var c = OneLayerTransformerConfig()
        c.d = p.int("d"); c.L = p.int("L"); c.m = p.int("m"); c.ma = p.int("m_a"); c.mb = p.int("m_b")
        c.initScale = p.double("delta"); c.outputInitSD = p.double("xi"); c.initNoise = p.double("init_noise")
        c.randomOutputSigns = p.bool("random_output_signs")
        c.batchCapacity = p.int("batch_size")
        return c
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        switch Precision(rawValue: p.string("precision"))! {
        case .double: try LowRankRun<Double>(p, context: context).execute()
        case .float: try LowRankRun<Float>(p, context: context).execute()
        }
    }

    public var figureRecipes: [String: FigureRecipe] { LowRankFigures.recipes }

    /// `sim bench lowrank`: Config A SGD throughput (see `LowRankBench`).
    public var benchmark: BenchmarkRegistry.Benchmark? { { try LowRankBench.report().joined(separator: "\n") } }
}

/// The state of one low-rank run: data, model, logs.
final class LowRankRun<Scalar: BLASScalar> {
    let p: Parameters
    let context: RunContext
    let data: MajorityVoteTokens
    let model: OneLayerTransformer<Scalar>
    let loss: Loss
    let initial: TransformerWeights
    let test: TokenBatch
    var result = RunResult()
    var curves: [String: ([Double], [Double])] = [:]

    init(_ p: Parameters, context: RunContext) throws {
        self.p = p
        self.context = context
        data = try MajorityVoteTokens(config: LowRankExperiment.dataConfig(p), seed: context.seed)
        model = OneLayerTransformer<Scalar>(config: LowRankExperiment.modelConfig(p), seed: context.seed)
        loss = Loss(rawValue: p.string("loss"))!
        initial = model.weights
        var testRNG = RNG(seed: context.seed, stream: .testSet)
        test = data.sample(p.int("n_test"), rng: &testRNG)
    }

    func record(_ name: String, _ x: Double, _ y: Double) {
        curves[name, default: ([], [])].0.append(x)
        curves[name, default: ([], [])].1.append(y)
    }

    func isRelevant(_ pattern: Int, _ y: Double) -> Bool { data.isLabelRelevant(pattern: pattern, label: y) }

    /// Log test metrics (and the rank statistics when tracked) at iteration t.
    func log(at t: Int) throws {
        let e = model.evaluate(test, loss: loss, isRelevant: isRelevant)
        record("test_loss", Double(t), e.loss)
        record("test_error", Double(t), e.error)
        record("relevant_attention", Double(t), e.relevantAttention)
        if p.bool("track_rank") && t > 0 {
            let stats = try rankStatistics()
            for (k, v) in stats where k.hasPrefix("E2_") || k.hasPrefix("align_") { record(k, Double(t), v) }
        }
    }

    func execute() throws -> RunResult {
        let eta = p.double("learning_rate")
        let B = p.int("batch_size")
        let logEvery = p.int("log_every")
        let tstarThreshold = p.double("tstar_threshold")
        let tstarEvery = p.int("tstar_every")
        var tstarTest: TokenBatch? = nil
        if tstarThreshold > 0 {
            var r = RNG(seed: context.seed, stream: "tstar_test")
            tstarTest = data.sample(p.int("tstar_n_test"), rng: &r)
        }
        var tStar: Int? = nil
        var rng = RNG(seed: context.seed, stream: .data)
        var batch = TokenBatch(capacity: B, length: data.config.L, dimension: data.config.d)
        try log(at: 0)
        let initialEval = model.evaluate(test, loss: loss, isRelevant: isRelevant)
        result.metrics["relevant_attention_initial"] = initialEval.relevantAttention
        result.metrics["test_loss_initial"] = initialEval.loss

        // Step body shared by both data modes; returns false to stop.
        var t = 0
        func afterStep(_ batchLoss: Double) throws -> Bool {
            t += 1
            if !batchLoss.isFinite || batchLoss > p.double("divergence_loss") {
                result.status = .diverged
                result.divergedAtStep = t
                result.note = "batch loss \(batchLoss) at step \(t) (η = \(eta))"
                return false
            }
            if logEvery > 0 && t % logEvery == 0 { try log(at: t) }
            if let tt = tstarTest, tStar == nil, t % tstarEvery == 0 {
                let e = model.evaluate(tt, loss: loss, isRelevant: isRelevant)
                if e.loss < tstarThreshold {
                    tStar = t
                    if p.bool("stop_at_tstar") { return false }
                }
            }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
            return true
        }

        let N = p.int("train_size")
        if N == 0 {
            // One-pass SGD: a fresh batch every iteration (N = B·T).
            for _ in 0..<p.int("T") {
                data.fill(&batch, rng: &rng)
                if try !afterStep(model.trainStep(batch, learningRate: eta, loss: loss)) { break }
            }
            result.metrics["train_samples"] = Double(t * B)
        } else {
            // Fixed training set reused over epochs (R9's finite-sample regime).
            let train = data.sample(N, rng: &rng)
            var order = Array(0..<N)
            var shuffle = RNG(seed: context.seed, stream: .shuffle)
            var epochs = 0
            training: while epochs < p.int("max_epochs") {
                shuffle.shuffle(&order)
                var start = 0
                while start < N {
                    let n = min(B, N - start)
                    for j in 0..<n { batch.copySample(order[start + j], from: train, to: j) }
                    batch.count = n
                    if try !afterStep(model.trainStep(batch, learningRate: eta, loss: loss)) { break training }
                    start += n
                }
                epochs += 1
                if model.evaluate(train, loss: loss, isRelevant: isRelevant).loss < p.double("stop_train_loss") { break }
            }
            result.metrics["epochs"] = Double(epochs)
            result.metrics["train_samples"] = Double(N)
            result.metrics["train_loss"] = model.evaluate(train, loss: loss, isRelevant: isRelevant).loss
        }
        result.metrics["steps"] = Double(t)
        if tstarThreshold > 0 { result.metrics["T_star"] = tStar.map(Double.init) ?? .nan }
        if result.status == .diverged { finishCurves(); return result }
        if logEvery == 0 || t % logEvery != 0 { try log(at: t) }

        let final = model.evaluate(test, loss: loss, isRelevant: isRelevant)
        result.metrics["test_loss"] = final.loss
        result.metrics["test_error"] = final.error
        result.metrics["relevant_attention"] = final.relevantAttention
        result.metrics["success"] = final.error <= p.double("success_error") ? 1 : 0
        for (k, v) in try rankStatistics() { result.metrics[k] = v }
        try spectra()
        neuronNorms()
        let rates = p.doubles("pruning_rates")
        if !rates.isEmpty { pruning(rates: rates, baseline: final) }
        let ranks = p.doubles("truncation_ranks").map { Int($0) }
        if !ranks.isEmpty { try truncation(ranks: ranks) }
        finishCurves()
        return result
    }

    func finishCurves() {
        for (k, v) in curves { result.series[k] = Series(x: v.0, y: v.1) }
    }

    // MARK: rank, alignment (P3–P5)

    /// Orthonormal basis (columns) of span{relevant patterns} in R^d, optionally mapped by W^(0).
    func relevantBasis(mappedBy w0: Matrix? = nil) throws -> Matrix {
        let P = data.dictionary
        let vecs: [[Double]] = (0..<data.config.relevantPatternCount).map { k in
            let mu = P.pattern(k)
            guard let w = w0 else { return mu }
            return (0..<w.rows).map { i in (0..<w.cols).reduce(0) { $0 + w[i, $1] * mu[$1] } }
        }
        return try Measure.orthonormalBasis(vecs)
    }

    func rankStatistics() throws -> [String: Double] {
        var out: [String: Double] = [:]
        let w = model.weights
        let U = try relevantBasis()
        let UK = try relevantBasis(mappedBy: initial.wK)  // output side of ΔW_Q carries W_K^(0)μ
        let UV = try relevantBasis(mappedBy: initial.wV)  // input side of ΔW_O is h ∈ span W_V^(0)μ
        let k = data.config.relevantPatternCount
        for name in TransformerWeightName.allCases {
            let delta = w[name] - initial[name]
            let s = try Measure.spectrum(delta)
            let n = Measure.normalized(s)
            out["E2_\(name)"] = Measure.energyFraction(s, top: 2)
            out["Ek_\(name)"] = Measure.energyFraction(s, top: k)
            out["sigma2_\(name)"] = n.count > 1 ? n[1] : .nan
            out["sigma3_\(name)"] = n.count > 2 ? n[2] : .nan
            out["eff_rank_\(name)"] = Double(Measure.effectiveRank(s, threshold: 0.1))
            out["norm_delta_\(name)"] = delta.frobeniusNorm
            switch name {
            case .Q: out["align_Q"] = Measure.columnSpaceAlignment(delta, basis: UK)
            case .K: out["align_K"] = Measure.rowSpaceAlignment(delta, basis: U)
            case .V: out["align_V"] = Measure.rowSpaceAlignment(delta, basis: U)
            case .O: out["align_O"] = Measure.rowSpaceAlignment(delta, basis: UV)
            }
        }
        return out
    }

    func spectra() throws {
        let w = model.weights
        for name in TransformerWeightName.allCases {
            let n = Measure.normalized(try Measure.spectrum(w[name] - initial[name]))
            result.series["spectrum_\(name)"] = Series(x: (1...n.count).map(Double.init), y: n)
        }
    }

    // MARK: sparsity and pruning (P7)

    func neuronNorms() {
        let n0 = initial.wO.rowNorms, n1 = model.readout.wO.rowNorms
        let large = Measure.largeNeurons(trained: n1, initial: n0, factor: p.double("large_neuron_factor"))
        result.metrics["large_neuron_fraction"] = large.fraction
        result.metrics["large_to_initial_ratio"] = large.ratio
        result.metrics["median_initial_norm"] = Statistics.median(n0)
        let m = n0.count
        let rank = (1...m).map { Double($0) }
        result.series["neuron_norm_initial"] = Series(x: rank, y: n0.sorted())
        result.series["neuron_norm_trained"] = Series(x: rank, y: n1.sorted())
        // Large fraction per output sign (spec: ≈ the same for a_i > 0 and a_i < 0).
        let a = model.readout.a, thr = p.double("large_neuron_factor") * Statistics.median(n0)
        for (label, sel) in [("pos", { (x: Double) in x > 0 }), ("neg", { (x: Double) in x < 0 })] {
            let idx = (0..<m).filter { sel(a[$0]) }
            result.metrics["large_neuron_fraction_\(label)"] = idx.isEmpty ? .nan : Double(idx.filter { n1[$0] > thr }.count) / Double(idx.count)
        }
    }

    func pruning(rates: [Double], baseline: OneLayerTransformerEvaluation) {
        let C = model.neuronContributions(test)  // N×m
        let norms = model.readout.wO.rowNorms
        let a = model.readout.a, L = Double(data.config.L)
        var maskRNG = RNG(seed: context.seed, stream: .masks)
        /// Test loss and error of a keep-mask: F = C (a ⊙ mask / L).
        let labels = Array(test.labels.prefix(test.count))
        func evaluate(_ mask: [Double]) -> (Double, Double) {
            Pruning.evaluate(contributions: C, outputWeights: a, mask: mask, scale: 1 / L, labels: labels, loss: loss)
        }
        var rows: [String: [Double]] = [:]
        for r in rates {
            for scheme in [PruningScheme.magnitude, .largestFirst] {
                let (l, e) = evaluate(Pruning.mask(norms: norms, rate: r, scheme: scheme, rng: &maskRNG))
                rows["prune_\(scheme.rawValue)_loss", default: []].append(l)
                rows["prune_\(scheme.rawValue)_error", default: []].append(e)
            }
            var ls: [Double] = [], es: [Double] = []
            for _ in 0..<p.int("pruning_masks") {
                let (l, e) = evaluate(Pruning.mask(norms: norms, rate: r, scheme: .random, rng: &maskRNG))
                ls.append(l); es.append(e)
            }
            rows["prune_random_loss", default: []].append(Statistics.mean(ls))
            rows["prune_random_error", default: []].append(Statistics.mean(es))
            rows["prune_random_loss_mask_sd", default: []].append(Statistics.standardDeviation(ls))
            rows["prune_random_error_mask_sd", default: []].append(Statistics.standardDeviation(es))
        }
        for (k, v) in rows { result.series[k] = Series(x: rates, y: v) }
        result.metrics["baseline_loss"] = baseline.loss
        result.metrics["baseline_error"] = baseline.error
    }

    // MARK: truncation (P6)

    func truncation(ranks: [Int]) throws {
        let trained = model.weights
        defer { model.weights = trained }
        var ls: [Double] = [], es: [Double] = []
        for r in ranks {
            var w = trained
            for name in TransformerWeightName.allCases {
                w[name] = try Truncation.truncate(initial: initial[name], trained: trained[name], rank: r)
            }
            model.weights = w
            let e = model.evaluate(test, loss: loss, isRelevant: isRelevant)
            ls.append(e.loss); es.append(e.error)
        }
        result.series["truncate_all_loss"] = Series(x: ranks.map(Double.init), y: ls)
        result.series["truncate_all_error"] = Series(x: ranks.map(Double.init), y: es)
        // Rank 1 on one matrix at a time, the others untouched.
        for name in TransformerWeightName.allCases {
            var w = trained
            w[name] = try Truncation.truncate(initial: initial[name], trained: trained[name], rank: 1)
            model.weights = w
            let e = model.evaluate(test, loss: loss, isRelevant: isRelevant)
            result.metrics["truncate_rank1_only_\(name)_loss"] = e.loss
            result.metrics["truncate_rank1_only_\(name)_error"] = e.error
        }
    }
}
