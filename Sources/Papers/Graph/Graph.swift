import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// Paper 3 — what improves the generalization of graph transformers (spec `graph-transformer.md`).
///
/// One run builds a graph (random regular, Erdős–Rényi, planted ego-trees, or a graph from disk),
/// labels nodes by the core-ring vote, trains the graph transformer (with PE, without PE, or the GCN
/// baseline) on |L| labelled nodes with SGD, and measures: test error, the learned PE profile b_z and
/// its trajectory, attention mass on the core ring over training, the first iteration reaching a test
/// error threshold, and (with `shell`) the error when attending to one distance shell only.
public struct GraphExperiment: Experiment {
    public init() {}
    public let name = "graph.train"
    public let paper = "graph"
    public let paperTitle = "What improves the generalization of graph transformers (self-attention, positional encoding)"
    public var claims: [Claim] { GraphClaims.all }
    public let summary =
        "Graph transformer with relative positional encoding on core-vote node labels: sample complexity vs γ_d, learned PE, sparse attention, GCN / no-PE baselines"

    public var parameters: [ParameterSpec] {
        [
            // Graph and data (§2.2)
            .init(
                "family", .choice(["regular", "erdos_renyi", "planted", "file"]), default: .string("regular"),
                "graph: random r-regular (Variant A), Erdős–Rényi (mean degree r), planted ego-trees (Variant B), or a graph directory"),
            .init(
                "graph_path", .string, default: .string("data/karate"),
                "family = file: directory with edges.tsv, features.tsv, labels.tsv (relative to the package root)"),
            .init("N", .int(min: 4), default: .int(2000), "nodes (planted: number of ego-trees)"),
            .init("r", .int(min: 1), default: .int(4), "degree (mean degree for Erdős–Rényi)"),
            .init("Z", .int(min: 0, max: 20), default: .int(3), "attention radius: T^n = nodes within distance Z; PE has Z + 1 scalars"),
            .init("z_m", .int(min: 0, max: 20), default: .int(2), "core distance: labels are the discriminative vote at exactly this distance"),
            .init("d", .int(min: 1), default: .int(16), "feature dimension"),
            .init("M", .int(min: 3), default: .int(8), "patterns: μ_+ = e_0, μ_− = e_1, and M − 2 non-discriminative"),
            .init("gamma_d", .double(min: 0, max: 1), default: .double(0.5), "γ_d: fraction of discriminative nodes"),
            .init("tau", .double(min: 0), default: .double(0.1), "feature noise τ (κ ≥ 4τ needs τ ≤ 0.354)"),
            .init("eps0", .double(min: 0, max: 0.49), default: .double(0), "ε_0: fraction of eligible labels flipped"),
            .init("rho", .double(min: 0, max: 1, exclusiveMin: true), default: .double(0.6), "planted: core-vote margin ρ"),
            // Learner (§3)
            .init(
                "variant", .choice(["gt_pe", "gt_nope", "gcn"]), default: .string("gt_pe"),
                "GT with PE, GT without PE (b ≡ 0), or GCN (uniform attention over T^n)"),
            .init("m", .int(min: 2), default: .int(32), "hidden neurons m"),
            .init("sigma", .double(min: 0), default: .double(0), "σ: W_V^(0) = I + σG/√d (initial value-map error)"),
            .init("qk_init", .double(min: 0), default: .double(0.01), "sd of W_Q, W_K at init (near-uniform initial attention)"),
            .init("xi", .double(min: 0), default: .double(0.01), "sd of W_O at init"),
            .init("shell", .int(min: -1, max: 20), default: .int(-1), "−1 = attend to all of T^n; z ≥ 0 = only the distance-z shell (PE-based sampling, §5.7)"),
            // Training (§4)
            .init("labeled", .int(min: 1), default: .int(64), "|L|: labelled nodes (the sample complexity)"),
            .init("learning_rate", .double(min: 0, exclusiveMin: true), default: .double(0.5), "SGD step size η"),
            .init("batch_size", .int(min: 1), default: .int(16), "labelled nodes per step B (≤ |L|)"),
            .init("T", .int(min: 0), default: .int(1000), "SGD iterations"),
            .init("loss", .choice(["hinge", "logistic"]), default: .string("hinge"), "training loss"),
            .init("divergence_loss", .double(min: 0, exclusiveMin: true), default: .double(1e6), "a batch loss above this (or NaN/∞) marks the run diverged"),
            // Measurements
            .init("n_test", .int(min: 1), default: .int(1000), "test nodes (eligible, unlabelled; capped by availability)"),
            .init("log_every", .int(min: 0), default: .int(50), "log b_z, attention masses and test error every this many iterations (0 = start and end)"),
            .init("tstar_threshold", .double(min: 0), default: .double(0), "T* = first checked iteration with test error ≤ this (0 = off)"),
            .init("tstar_every", .int(min: 1), default: .int(10), "check T* every this many iterations"),
            .init("stop_at_tstar", .bool, default: .bool(false), "stop training at T*"),
            .init("success_error", .double(min: 0), default: .double(0.05), "a run succeeds if its test error ≤ this"),
        ]
    }

    public func validate(_ p: Parameters) throws {
        if p.string("family") != "file", let problem = Self.dataConfig(p).problem() {
            let key =
                ["gamma_d": "gamma_d", "eps0": "eps0", "rho": "rho", "z_m": "z_m", "degree": "r", "d": "d", "M": "M", "Z": "Z"][problem.key] ?? problem.key
            throw ParameterError(key: key, problem.message)
        }
        if p.int("z_m") > p.int("Z") { throw ParameterError(key: "z_m", "z_m = \(p.int("z_m")) exceeds the attention radius Z = \(p.int("Z"))") }
        if p.int("shell") > p.int("Z") { throw ParameterError(key: "shell", "shell = \(p.int("shell")) exceeds Z = \(p.int("Z"))") }
        if p.int("m") % 2 != 0 { throw ParameterError(key: "m", "m must be even (half +1/√m, half −1/√m output weights)") }
    }

    static func dataConfig(_ p: Parameters) -> GraphNodes.Config {
        var c = GraphNodes.Config()
        c.family = GraphNodes.Family(rawValue: p.string("family")) ?? .regular
        c.nodes = p.int("N"); c.degree = p.int("r"); c.radius = p.int("Z"); c.coreDistance = p.int("z_m")
        c.d = p.int("d"); c.M = p.int("M"); c.gammaD = p.double("gamma_d"); c.tau = p.double("tau")
        c.labelNoise = p.double("eps0"); c.margin = p.double("rho")
        return c
    }

    public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        try GraphRun(p, context: context).execute()
    }

    public var figureRecipes: [String: FigureRecipe] { GraphFigures.recipes }

    public var benchmark: BenchmarkRegistry.Benchmark? { { try GraphBench.report().joined(separator: "\n") } }
}

/// One graph run.
final class GraphRun {
    let p: Parameters
    let context: RunContext
    let data: GraphNodes
    let model: GraphTransformer
    let loss: Loss
    let labeled: [Int]
    let test: [Int]
    let shell: Int?
    var result = RunResult()
    var curves: [String: ([Double], [Double])] = [:]

    init(_ p: Parameters, context: RunContext) throws {
        self.p = p
        self.context = context
        if p.string("family") == "file" {
            data = try GraphNodes.load(directory: PackageRoot.resolve(p.string("graph_path")), radius: p.int("Z"), seed: context.seed)
        } else {
            data = try GraphNodes(config: GraphExperiment.dataConfig(p), seed: context.seed)
        }
        shell = p.int("shell") >= 0 ? p.int("shell") : nil
        let L = p.int("labeled")
        (labeled, test) = try Self.split(data, labeled: L, test: p.int("n_test"))
        var c = GraphTransformer.Config()
        c.d = data.features.cols; c.m = p.int("m"); c.radius = p.int("Z")
        let hoods = data.hoods
        c.maxNeighborhood = max(
            1,
            shell.map { z in
                (0..<hoods.offsets.count - 1).map { n in
                    (hoods.offsets[n]..<hoods.offsets[n + 1]).filter { Int(hoods.distance[$0]) == z }.count
                }.max() ?? 1
            } ?? hoods.maxSize)
        c.variant = GraphTransformer.Variant(rawValue: p.string("variant"))!
        c.qkInitSD = p.double("qk_init"); c.valueInitError = p.double("sigma"); c.outputInitSD = p.double("xi")
        c.batchCapacity = min(p.int("batch_size"), L)
        model = GraphTransformer(config: c, seed: context.seed)
        loss = Loss(rawValue: p.string("loss"))!
    }

    /// The first |L| eligible nodes are labelled, the next (up to `test`) are the test set.
    static func split(_ data: GraphNodes, labeled L: Int, test: Int) throws -> (labeled: [Int], test: [Int]) {
        guard data.eligible.count > L else {
            throw GraphError("only \(data.eligible.count) eligible nodes for |L| = \(L) labelled plus a test set; lower `labeled` or raise `N`")
        }
        return (Array(data.eligible.prefix(L)), Array(data.eligible.dropFirst(L).prefix(test)))
    }

    func record(_ name: String, _ x: Double, _ y: Double) {
        curves[name, default: ([], [])].0.append(x)
        curves[name, default: ([], [])].1.append(y)
    }

    struct Evaluation { var error: Double; var loss: Double; var byDistance: [Double]; var coreSame: Double; var rDisc: Double }

    /// Test error, hinge and attention measurements over a node set, in chunks of the batch capacity.
    func evaluate(_ nodes: [Int]) -> Evaluation {
        let zm = p.int("z_m"), cap = model.config.batchCapacity, L = model.config.maxNeighborhood + 1
        var wrong = 0, lsum = 0.0, byZ = [Double](repeating: 0, count: p.int("Z") + 1), same = 0.0
        var discMass = 0.0, discCount = 0, otherMass = 0.0, otherCount = 0
        var start = 0
        while start < nodes.count {
            let chunk = nodes[start..<min(start + cap, nodes.count)]
            model.gather(chunk, from: data, shell: shell)
            model.forward(model.batch)
            for j in 0..<chunk.count {
                let y = model.batch.labels[j], f = model.outputs.p[j]
                lsum += loss.value(f, label: y)
                if y * f <= 0 { wrong += 1 }
                for s in 0..<(L - 1) {
                    let pat = model.batch.pattern[j * L + s]
                    guard pat >= 0 || model.attention.scoreBias!.p[j * L + s] > -.infinity else { continue }
                    let a = model.attention.a.p[j * L + s]
                    if pat == 0 || pat == 1 { discMass += a; discCount += 1 } else if pat >= 2 { otherMass += a; otherCount += 1 }
                }
            }
            let m = model.attentionMass(coreDistance: zm) { j in model.batch.labels[j] > 0 ? 0 : 1 }
            for z in 0..<byZ.count { byZ[z] += m.byDistance[z] * Double(chunk.count) }
            same += m.coreSame * Double(chunk.count)
            start += chunk.count
        }
        let n = Double(nodes.count)
        let rDisc = (discCount > 0 && otherCount > 0 && otherMass > 0) ? (discMass / Double(discCount)) / (otherMass / Double(otherCount)) : .nan
        return Evaluation(error: Double(wrong) / n, loss: lsum / n, byDistance: byZ.map { $0 / n }, coreSame: same / n, rDisc: rDisc)
    }

    func log(at t: Int) {
        let e = evaluate(test)
        let x = Double(t)
        record("test_error", x, e.error); record("test_loss", x, e.loss)
        record("attention_core", x, e.byDistance[p.int("z_m")]); record("attention_core_same", x, e.coreSame)
        record("r_disc", x, e.rDisc)
        for z in 0..<model.pe.count { record("pe_b\(z)", x, model.pe[z]); record("attention_d\(z)", x, e.byDistance[z]) }
    }

    func execute() throws -> RunResult {
        let eta = p.double("learning_rate"), T = p.int("T"), logEvery = p.int("log_every")
        let threshold = p.double("tstar_threshold"), every = p.int("tstar_every")
        let B = model.config.batchCapacity
        var order = labeled
        var shuffle = RNG(seed: context.seed, stream: .shuffle)
        var pos = order.count
        log(at: 0)
        let e0 = curves["attention_core"]!.1[0]
        result.metrics["attention_core_initial"] = e0
        var tStar: Int? = nil
        var t = 0
        while t < T {
            if pos + B > order.count { shuffle.shuffle(&order); pos = 0 }  // B distinct labelled nodes per batch
            model.gather(order[pos..<(pos + B)], from: data, shell: shell)
            pos += B
            let l = model.step(learningRate: eta, loss: loss)
            t += 1
            if !l.isFinite || l > p.double("divergence_loss") || model.pe.contains(where: { !$0.isFinite }) {
                result.status = .diverged; result.divergedAtStep = t
                result.note = "batch loss \(l) at step \(t) (η = \(eta))"
                break
            }
            if logEvery > 0 && t % logEvery == 0 { log(at: t) }
            if threshold > 0 && tStar == nil && t % every == 0 && evaluate(test).error <= threshold {
                tStar = t
                if p.bool("stop_at_tstar") { break }
            }
            if t % 64 == 0 && context.isCancelled() { throw RunCancelled() }
        }
        result.metrics["steps"] = Double(t)
        if threshold > 0 { result.metrics["T_star"] = tStar.map(Double.init) ?? .nan }
        if result.status == .ok {
            if logEvery == 0 || t % logEvery != 0 { log(at: t) }
            let e = evaluate(test)
            result.metrics["test_error"] = e.error
            result.metrics["test_loss"] = e.loss
            result.metrics["test_accuracy"] = 1 - e.error
            result.metrics["success"] = e.error <= p.double("success_error") ? 1 : 0
            result.metrics["train_error"] = evaluate(labeled).error
            result.metrics["attention_core"] = e.byDistance[p.int("z_m")]
            result.metrics["attention_core_same"] = e.coreSame
            result.metrics["r_disc"] = e.rDisc
            let b = model.pe
            for z in 0..<b.count { result.metrics["pe_b\(z)"] = b[z] }
            let zm = p.int("z_m")
            let others = b.indices.filter { $0 != zm }.map { b[$0] }
            result.metrics["pe_gap"] = b[zm] - (others.max() ?? 0)
            result.metrics["pe_argmax"] = Double(b.indices.max { b[$0] < b[$1] } ?? 0)
            result.metrics["eligible_fraction"] = Double(data.eligible.count) / Double(p.string("family") == "planted" ? p.int("N") : data.graph.nodeCount)
            result.series["pe_profile"] = Series(x: b.indices.map(Double.init), y: b)
        }
        for (k, v) in curves { result.series[k] = Series(x: v.0, y: v.1) }
        return result
    }
}
