import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `graph.relax`: the graph-transformer paper's central claims outside its theorem's assumptions
/// (docs/relaxations.md). Variant A's core-vote nodes train a `GeneralTransformer` whose score bias is
/// the learned relative PE b[dist] (shared by every layer and head; −∞ on padding), with one assumption
/// left (`relaxation`): depth 2 or 3 (residual layers), 2 or 4 heads, a trainable output layer, AdamW
/// (for the W's and b), or 4× the feature dimension and width. Measured: test error, the PE gap
/// b_{z_m} − max_{z≠z_m} b_z, and per layer the centre node's attention on the core ring (distance
/// z_m) as the share of the gap to 1 closed since initialization.
public struct GraphRelaxationExperiment: Experiment {
    public init() {}
    public let name = "graph.relax"
    public let paper = "graph"
    public let paperTitle = GraphExperiment().paperTitle
    public let summary = "PE peak at z_m and core-ring attention under depth, heads, trainable output, Adam and width"

    static let shared = [
        "family", "N", "r", "Z", "z_m", "d", "M", "gamma_d", "tau", "eps0", "rho", "variant", "m", "sigma", "qk_init", "xi", "labeled",
        "learning_rate", "batch_size", "T", "loss", "divergence_loss", "n_test", "log_every",
    ]

    public var parameters: [ParameterSpec] {
        GraphExperiment().parameters.filter { Self.shared.contains($0.name) } + Relaxation.parameters
    }

    public func validate(_ p: Parameters) throws {
        if p.string("family") == "file" { throw ParameterError(key: "family", "graph.relax runs the synthetic families only") }
        if p.string("variant") != "gt_pe" { throw ParameterError(key: "variant", "graph.relax relaxes the GT with PE (variant gt_pe)") }
        if let problem = GraphExperiment.dataConfig(p).problem() { throw ParameterError(key: problem.key, problem.message) }
        if p.int("z_m") > p.int("Z") { throw ParameterError(key: "z_m", "z_m = \(p.int("z_m")) exceeds the attention radius Z = \(p.int("Z"))") }
        if p.int("m") % 2 != 0 { throw ParameterError(key: "m", "m must be even (half +1/√m, half −1/√m output weights)") }
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        try GraphRelaxationRun(p, context: context).execute()
    }

    public var figureRecipes: [String: FigureRecipe] { ["relaxations": SharedRecipes.relaxations] }
}

final class GraphRelaxationRun {
    let p: Parameters
    let context: RunContext
    let data: GraphNodes
    /// Gathers neighbourhoods into a batch and writes b[dist] (or −∞) into its score bias; its own
    /// weights are never used.
    let gatherer: GraphTransformer
    let model: GeneralTransformer
    let loss: Loss
    let labeled: [Int]
    let test: [Int]
    /// ∂loss/∂b; b itself (Z + 1 scalars) lives in `gatherer.pe`, which `gather` reads.
    let dPE: Buffer
    var result = RunResult()

    init(_ p: Parameters, context: RunContext) throws {
        self.p = p
        self.context = context
        let relax = Relaxation(p), w = relax.widthFactor
        var dataConfig = GraphExperiment.dataConfig(p)
        dataConfig.d *= w
        data = try GraphNodes(config: dataConfig, seed: context.seed)
        let L = p.int("labeled")
        (labeled, test) = try GraphRun.split(data, labeled: L, test: p.int("n_test"))
        var g = GraphTransformer.Config()
        g.d = dataConfig.d; g.m = 2; g.radius = p.int("Z"); g.maxNeighborhood = max(1, data.hoods.maxSize)
        g.variant = .gtPE; g.batchCapacity = min(p.int("batch_size"), L)
        gatherer = GraphTransformer(config: g, seed: 0)
        var c = GeneralTransformer.Config()
        c.d = dataConfig.d; c.length = g.maxNeighborhood + 1; c.mb = dataConfig.d; c.m = p.int("m") * w
        c.readout = .last; c.queryIsKey = false; c.batchCapacity = g.batchCapacity
        // The paper's initialization (GraphTransformer): W_Q, W_K ~ N(0, qk_init²), W_V = I + σG/√d, W_O ~ N(0, ξ²).
        c.qkScale = 0; c.qkNoise = p.double("qk_init"); c.vScale = 1; c.vNoise = p.double("sigma") / Double(dataConfig.d).squareRoot()
        c.outputInitSD = p.double("xi") / Double(w)
        relax.apply(to: &c, headNoise: p.double("head_noise"), residual: p.bool("residual"))
        model = GeneralTransformer(config: c, seed: context.seed)
        model.scoreBias = gatherer.attention.scoreBias  // the gatherer writes b[dist] there
        loss = Loss(rawValue: p.string("loss"))!
        dPE = Buffer(p.int("Z") + 1)
    }

    func gather(_ nodes: ArraySlice<Int>) { gatherer.gather(nodes, from: data) }

    /// Test loss and error, and per layer the centre node's attention mass on distance z_m (mean over heads).
    func evaluate(_ nodes: [Int]) -> (loss: Double, error: Double, core: [Double]) {
        let c = model.config, L = c.length, zm = p.int("z_m"), cap = c.batchCapacity
        var wrong = 0, lsum = 0.0, core = [Double](repeating: 0, count: c.layers)
        var start = 0
        while start < nodes.count {
            let chunk = nodes[start..<min(start + cap, nodes.count)]
            gather(chunk)
            gatherer.batch.x.withUnsafeBufferPointer { model.forward($0.baseAddress!, count: chunk.count) }
            for j in 0..<chunk.count {
                let y = gatherer.batch.labels[j], f = model.outputs.p[j]
                lsum += loss.value(f, label: y)
                if y * f <= 0 { wrong += 1 }
                for i in 0..<c.layers {
                    for h in 0..<c.heads {
                        let row = model.attentionRow(layer: i, head: h, sample: j, query: L - 1)
                        for s in 0..<(L - 1) where Int(gatherer.keyDistance[j * L + s]) == zm { core[i] += row[s] / Double(c.heads) }
                    }
                }
            }
            start += chunk.count
        }
        let n = Double(nodes.count)
        return (lsum / n, Double(wrong) / n, core.map { $0 / n })
    }

    func execute() throws -> RunResult {
        let (rule, eta) = Relaxation(p).optimizer(p, sgdRate: p.double("learning_rate"))
        let optimizer = model.makeOptimizer(rule), peOptimizer = FlatOptimizer(rule: rule, count: dPE.count)
        let B = model.config.batchCapacity, L = model.config.length, T = p.int("T")
        var order = labeled
        var shuffle = RNG(seed: context.seed, stream: .shuffle)
        var pos = order.count
        let initial = evaluate(test)
        var t = 0
        while t < T {
            if pos + B > order.count { shuffle.shuffle(&order); pos = 0 }
            gather(order[pos..<(pos + B)])
            pos += B
            let l = model.lossAndGradient(gatherer.batch, loss: loss)
            // db_z = Σ over keys at distance z of ∂loss/∂score (every layer, head and query row).
            dPE.zero()
            for j in 0..<B {
                for s in 0..<(L - 1) {
                    let z = gatherer.keyDistance[j * L + s]
                    if z >= 0 { dPE.p[Int(z)] += model.scoreBiasGrad.p[j * L + s] }
                }
            }
            model.update(optimizer, learningRate: eta)
            if case .sgd = rule, model.activeSampleCount == 0 {
            } else {
                gatherer.pe.withUnsafeMutableBufferPointer { b in peOptimizer.step(b.baseAddress!, grad: dPE.p, count: b.count, learningRate: eta) }
            }
            t += 1
            if !l.isFinite || l > p.double("divergence_loss") || gatherer.pe.contains(where: { !$0.isFinite }) {
                result.status = .diverged; result.divergedAtStep = t; result.note = "batch loss \(l) at step \(t)"
                return result
            }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        let e = evaluate(test)
        result.metrics["test_error"] = e.error
        result.metrics["test_loss"] = e.loss
        var gaps: [Double] = []
        for (i, a) in e.core.enumerated() {
            let gap = (a - initial.core[i]) / (1 - initial.core[i])
            result.metrics["attention_core_L\(i + 1)"] = a
            result.metrics["attention_core_initial_L\(i + 1)"] = initial.core[i]
            result.metrics["attention_core_gap_L\(i + 1)"] = gap
            gaps.append(gap)
        }
        result.metrics["attention_core_gap_min"] = gaps.min()!
        let b = gatherer.pe, zm = p.int("z_m")
        for z in 0..<b.count { result.metrics["pe_b\(z)"] = b[z] }
        result.metrics["pe_gap"] = b[zm] - (b.indices.filter { $0 != zm }.map { b[$0] }.max() ?? 0)
        result.metrics["pe_argmax"] = Double(b.indices.max { b[$0] < b[$1] } ?? 0)
        result.series["pe_profile"] = Series(x: b.indices.map(Double.init), y: b)
        return result
    }
}
