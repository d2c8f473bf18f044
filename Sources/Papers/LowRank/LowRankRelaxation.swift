import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `lowrank.relax`: the low-rank paper's central claims outside its theorem's assumptions
/// (docs/relaxations.md). The majority-vote data of Config A trains a `GeneralTransformer` with one
/// assumption left (`relaxation`): depth 2 or 3 (residual), 2 or 4 heads, a trainable output layer,
/// AdamW, or 4× the token dimension and width. `theorem` is the paper's own model (the one-layer
/// reduction is exact). Measured: test error, E₂ and effective rank of every update ΔW (every layer
/// and head), the large-neuron fraction and the cost of magnitude pruning up to the small neurons.
public struct LowRankRelaxationExperiment: Experiment {
    public init() {}
    public let name = "lowrank.relax"
    public let paper = "lowrank"
    public let paperTitle = LowRankExperiment().paperTitle
    public let summary = "Low-rank updates, free magnitude pruning and zero error under depth, heads, trainable output, Adam and width"

    static let shared = [
        "d", "M", "L", "n_rel", "n_conf", "tau", "relevant_per_class", "counts", "noise", "basis", "m", "m_a", "m_b", "delta", "xi",
        "random_output_signs", "loss", "learning_rate", "batch_size", "T", "n_test", "pruning_rates", "pruning_masks", "large_neuron_factor",
        "divergence_loss",
    ]

    public var parameters: [ParameterSpec] {
        LowRankExperiment().parameters.filter { Self.shared.contains($0.name) } + Relaxation.parameters
    }

    public func validate(_ p: Parameters) throws {
        if p.int("m_a") != p.int("d") {
            throw ParameterError(key: "m_a", "m_a = \(p.int("m_a")) must equal d = \(p.int("d")): every head's W_V maps the stream back to R^d")
        }
        if let problem = LowRankExperiment.dataConfig(p).problem() { throw ParameterError(key: problem.key, problem.message) }
        if p.int("m") % 2 != 0 && !p.bool("random_output_signs") {
            throw ParameterError(key: "m", "m = \(p.int("m")) must be even for the half +/half − output layer (or set random_output_signs)")
        }
        for r in p.doubles("pruning_rates") where !(0...1).contains(r) {
            throw ParameterError(key: "pruning_rates", "pruning rate \(r) is outside [0, 1]")
        }
    }

    /// The data and model of a relaxation: `width_4` multiplies d, m_b and m by 4 and divides ξ by 4,
    /// so a neuron's initial norm ξ√d stays as far below its learned one (∝ 1/√m) as in Config A.
    static func configs(_ p: Parameters) -> (MajorityVoteTokens.Config, GeneralTransformer.Config) {
        let relax = Relaxation(p), w = relax.widthFactor
        var data = LowRankExperiment.dataConfig(p)
        data.d *= w
        var c = GeneralTransformer.Config()
        c.d = data.d; c.length = data.L; c.mb = p.int("m_b") * w; c.m = p.int("m") * w
        c.readout = .mean; c.queryIsKey = true; c.batchCapacity = p.int("batch_size")
        c.qkScale = p.double("delta"); c.vScale = p.double("delta"); c.outputInitSD = p.double("xi") / Double(w)
        c.randomOutputSigns = p.bool("random_output_signs")
        relax.apply(to: &c, headNoise: p.double("head_noise"), residual: p.bool("residual"))
        return (data, c)
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        let (dataConfig, config) = Self.configs(p)
        let data = try MajorityVoteTokens(config: dataConfig, seed: context.seed)
        let model = GeneralTransformer(config: config, seed: context.seed)
        let loss = Loss(rawValue: p.string("loss"))!
        let (rule, eta) = Relaxation(p).optimizer(p, sgdRate: p.double("learning_rate"))
        let optimizer = model.makeOptimizer(rule)
        let initial = model.parameterValues
        let initialMagnitudes = RelaxationMeasures.neuronMagnitudes(model)
        var testRNG = RNG(seed: context.seed, stream: .testSet)
        let test = data.sample(p.int("n_test"), rng: &testRNG)
        var rng = RNG(seed: context.seed, stream: .data)
        var batch = TokenBatch(capacity: p.int("batch_size"), length: dataConfig.L, dimension: dataConfig.d)
        var result = RunResult()
        for t in 0..<p.int("T") {
            data.fill(&batch, rng: &rng)
            let l = model.trainStep(batch, optimizer: optimizer, learningRate: eta, loss: loss)
            if !l.isFinite || l > p.double("divergence_loss") {
                result.status = .diverged; result.divergedAtStep = t + 1; result.note = "batch loss \(l) at step \(t + 1)"
                return result
            }
            if t % 64 == 63 && context.isCancelled() { throw RunCancelled() }
        }
        // Test loss, error, and the first layer's attention mass on label-relevant tokens (mean over heads and queries).
        var lossSum = 0.0, wrong = 0, mass = 0.0
        let L = dataConfig.L, H = config.heads
        model.forEachChunk(of: test) { start, n in
            for b in 0..<n {
                let y = test.labels[start + b], f = model.outputs.p[b]
                lossSum += loss.value(f, label: y)
                if y * f <= 0 { wrong += 1 }
                for h in 0..<H {
                    for l in 0..<L {
                        let row = model.attentionRow(layer: 0, head: h, sample: b, query: l)
                        for s in 0..<L where data.isLabelRelevant(pattern: Int(test.pattern[(start + b) * L + s]), label: y) { mass += row[s] }
                    }
                }
            }
        }
        let N = Double(test.count)
        result.metrics["test_loss"] = lossSum / N
        result.metrics["test_error"] = Double(wrong) / N
        result.metrics["relevant_attention"] = mass / (N * Double(L * H))
        for (k, v) in try RelaxationMeasures.updateRank(model, initial: initial, top: dataConfig.relevantPatternCount) { result.metrics[k] = v }
        var maskRNG = RNG(seed: context.seed, stream: .masks)
        let pruned = RelaxationMeasures.pruning(
            model, test: test, initialMagnitudes: initialMagnitudes, factor: p.double("large_neuron_factor"), rates: p.doubles("pruning_rates"),
            masks: p.int("pruning_masks"), loss: loss, rng: &maskRNG)
        result.metrics.merge(pruned.metrics) { $1 }
        result.series.merge(pruned.series) { $1 }
        return result
    }

    public var figureRecipes: [String: FigureRecipe] { ["relaxations": SharedRecipes.relaxations] }
}
