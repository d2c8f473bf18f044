import Foundation
import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// Every learner against an independent autograd (the llm.c discipline): `Fixtures/<variant>.json`
/// holds a PyTorch float64 run of the same model — written independently, differentiated by
/// `loss.backward()` — on tiny shapes: initial weights, one fixed batch, the batch-mean loss, the
/// network outputs, every trainable parameter's gradient, and the weights after 3 plain-SGD steps on
/// that batch, for the hinge and the logistic loss. Regenerate with `bash scripts/make-fixtures.sh`
/// (`benchmarks/reference/make_fixtures.py`).
///
/// Relative difference of a tensor a (Swift) to its reference b (PyTorch):
///     max_i |a_i − b_i| / max_i |b_i|,
/// i.e. elementwise |a_i − b_i| / max(|b_i|, floor) with the honest floor max_j |b_j| (the tensor's
/// own scale), so an entry that is tiny only through cancellation is judged at the scale its error
/// is made at. For a scalar (the loss) it is |a − b| / |b|. Every compared reference tensor is
/// non-zero (checked), so the floor never vanishes.
@Suite("Reference fixtures (PyTorch autograd)")
struct ReferenceFixtureTests {
    static let tolerance = 1e-10
    static let variants = ["lowrank", "icl", "graph_pe", "moe_expert", "moe_token"]

    @Test("loss, outputs, gradients and weights after 3 SGD steps match PyTorch to 1e-10 (relative)", arguments: variants)
    func matchesReference(variant: String) throws {
        let fx = try ReferenceFixture.load(variant)
        #expect(fx.cases.keys.sorted() == ["hinge", "logistic"])
        for (lossName, ref) in fx.cases.sorted(by: { $0.key < $1.key }) {
            let loss = try #require(Loss(rawValue: lossName))
            #expect(ref.minGap >= 1e-4, "\(variant)/\(lossName): the fixture sits within \(ref.minGap) of a kink or routing tie")
            let r = try Self.run(fx, loss: loss)
            print("ReferenceFixture \(variant) \(lossName): largest relative difference — \(r.summary)")
            #expect(r.activeMatches, "\(variant)/\(lossName): the samples with a non-zero loss derivative differ from PyTorch's \(ref.active)")
            for (what, e) in r.all {
                #expect(e <= Self.tolerance, "\(variant)/\(lossName) \(what): relative difference \(e) > \(Self.tolerance) (\(r.summary))")
            }
        }
    }

    /// The comparison can fail: a 1e-6 change of one initial weight (W_Q[0,0], or router w_0's first
    /// entry for the MoE) must push the largest relative difference far past the tolerance.
    @Test("a 1e-6 change of one initial weight is detected", arguments: variants)
    func detectsPerturbation(variant: String) throws {
        let fx = try ReferenceFixture.load(variant)
        let name = fx.initial["wQ"] != nil ? "wQ" : "routers"
        for lossName in fx.cases.keys.sorted() {
            let r = try Self.run(fx, loss: try #require(Loss(rawValue: lossName)), perturb: (name, 0, 1e-6))
            print("ReferenceFixture \(variant) \(lossName), \(name)[0] + 1e-6: largest relative difference \(r.worst.value) (\(r.worst.what))")
            #expect(r.worst.value > 100 * Self.tolerance, "\(variant)/\(lossName): perturbing \(name)[0] by 1e-6 went unnoticed (\(r.summary))")
        }
    }

    // MARK: running each learner on its fixture

    /// Largest relative differences of one run, by quantity ("loss", "outputs", "dW_Q", "W_Q after 3 steps", …).
    struct Result {
        var diffs: [(String, Double)] = []
        var activeMatches = true
        var all: [(String, Double)] { diffs }
        var worst: (what: String, value: Double) { diffs.max { $0.1 < $1.1 }.map { ($0.0, $0.1) } ?? ("none", 0) }
        func maxOf(_ pick: (String) -> Bool) -> Double { diffs.filter { pick($0.0) }.map(\.1).max() ?? 0 }
        var summary: String {
            let fmt = { (x: Double) in String(format: "%.2e", x) }
            let losses = maxOf { $0.hasPrefix("loss") }, outs = maxOf { $0 == "outputs" }
            let grads = maxOf { $0.hasPrefix("d") }, after = maxOf { $0.hasSuffix("after 3 steps") }
            return "loss \(fmt(losses)), outputs \(fmt(outs)), gradients \(fmt(grads)), weights after 3 steps \(fmt(after))"
        }
        mutating func compare(_ what: String, _ a: [Double], _ b: [Double]) {
            precondition(a.count == b.count, "\(what): \(a.count) values, reference has \(b.count)")
            let scale = b.map(abs).max() ?? 0
            guard scale > 0 else { diffs.append((what + " (reference is all zero)", .infinity)); return }
            diffs.append((what, zip(a, b).map { abs($0 - $1) }.max()! / scale))
        }
        mutating func compare(_ what: String, _ a: Double, _ b: Double) { compare(what, [a], [b]) }
    }

    static func run(_ fx: ReferenceFixture, loss: Loss, perturb: (String, Int, Double)? = nil) throws -> Result {
        var initial = fx.initial
        if let p = perturb { initial[p.0]!.data[p.1] += p.2 }
        switch fx.variant {
        case "lowrank", "icl": return try runAttentionReadout(fx, initial, loss: loss)
        case "graph_pe": return try runGraph(fx, initial, loss: loss)
        case "moe_expert", "moe_token": return try runMoE(fx, initial, loss: loss)
        default: throw FixtureError("unknown variant \(fx.variant)")
        }
    }

    static let weightNames: [(TransformerWeightName, String)] = [(.Q, "wQ"), (.K, "wK"), (.V, "wV"), (.O, "wO")]

    /// Low-rank (OneLayerTransformer) and ICL (ICLTransformer): the shared AttentionReadoutClassifier
    /// lossAndGradient / sgdStep / trainStep.
    static func runAttentionReadout(_ fx: ReferenceFixture, _ initial: [String: FixtureTensor], loss: Loss) throws -> Result {
        let c = fx.config, B = c["B"]!, d = c["d"]!
        let ref = try fx.reference(loss)
        let eta = fx.hyper["learning_rate"]!
        let weights = TransformerWeights(
            wQ: try initial.matrix("wQ"), wK: try initial.matrix("wK"),
            wV: try initial.matrix("wV"), wO: try initial.matrix("wO"))
        let a = fx.fixed["a"]!.data
        let L: Int
        let step: (TokenBatch) -> (loss: Double, outputs: [Double], grads: TransformerWeights, active: [Int])
        let sgd: () -> Void
        let final: () -> TransformerWeights
        let outputLayer: () -> [Double]
        if fx.variant == "lowrank" {
            var cfg = OneLayerTransformerConfig()
            cfg.d = d; cfg.L = c["L"]!; cfg.m = c["m"]!; cfg.ma = c["ma"]!; cfg.mb = c["mb"]!; cfg.batchCapacity = B
            L = cfg.L
            let model = OneLayerTransformer<Double>(config: cfg, seed: 0)
            // The fixed output layer is the learner's own (half +1/√m, half −1/√m), not a free choice.
            var rng = RNG(seed: 0, stream: .`init`)
            #expect(readoutOutputWeights(m: cfg.m, randomSigns: false, rng: &rng) == a, "lowrank: fixture a ≠ the learner's a")
            model.weights = weights; model.readout.a = a
            step = { b in
                let l = model.lossAndGradient(b, loss: loss)
                return (l, (0..<B).map { model.output($0) }, model.gradients, model.scratch.active)
            }
            sgd = { model.sgdStep(learningRate: eta) }
            final = { model.weights }
            outputLayer = { model.readout.a }
        } else {
            var cfg = ICLTransformerConfig()
            cfg.d = d; cfg.contexts = c["contexts"]!; cfg.m = c["m"]!; cfg.ma = c["ma"]!; cfg.mb = c["mb"]!
            cfg.batchCapacity = B; cfg.includeQuery = false
            L = cfg.contexts + 1
            let model = ICLTransformer<Double>(config: cfg, seed: 0)
            model.weights = weights; model.readout.a = a  // a: i.i.d. ±1/√m, the fixture's draw
            #expect(a.allSatisfy { abs(abs($0) - 1 / Double(cfg.m).squareRoot()) == 0 }, "icl: a ∉ {±1/√m}")
            step = { b in
                let l = model.lossAndGradient(b, loss: loss)
                return (l, (0..<B).map { model.output($0) }, model.gradients, model.scratch.active)
            }
            sgd = { model.sgdStep(learningRate: eta) }
            final = { model.weights }
            outputLayer = { model.readout.a }
        }
        var batch = TokenBatch(capacity: B, length: L, dimension: d)
        batch.x = try fx.batch.tokens(); batch.labels = fx.batch.labels

        var r = Result()
        let first = step(batch)
        r.compare("loss", first.loss, ref.loss)
        r.compare("outputs", first.outputs, ref.outputs)
        r.activeMatches = first.active == ref.active
        for (name, key) in weightNames { r.compare("dW_\(name.rawValue)", first.grads[name].storage, ref.grad[key]!.data) }
        sgd()
        var losses = [first.loss]
        for _ in 1..<fx.steps { losses.append(step(batch).loss); sgd() }
        r.compare("loss per step", losses, ref.losses)
        let w = final()
        for (name, key) in weightNames { r.compare("W_\(name.rawValue) after 3 steps", w[name].storage, ref.after3Steps[key]!.data) }
        r.compare("fixed a after 3 steps", outputLayer(), a)  // not trained
        return r
    }

    /// Graph transformer with PE: a GraphNodes built from the fixture's explicit graph, `gather` and
    /// `step` exactly as training does (the PE bias is read at gather time, so gather before each step).
    static func runGraph(_ fx: ReferenceFixture, _ initial: [String: FixtureTensor], loss: Loss) throws -> Result {
        let c = fx.config, ref = try fx.reference(loss), eta = fx.hyper["learning_rate"]!
        let N = c["nodes"]!, d = c["d"]!, B = c["B"]!
        var cfg = GraphTransformer.Config()
        cfg.d = d; cfg.m = c["m"]!; cfg.radius = c["radius"]!; cfg.maxNeighborhood = c["maxNeighborhood"]!
        cfg.variant = .gtPE; cfg.batchCapacity = B
        let model = GraphTransformer(config: cfg, seed: 0)
        #expect(model.readout.a == fx.fixed["a"]!.data, "graph: fixture a ≠ the learner's a")
        model.weights = TransformerWeights(
            wQ: try initial.matrix("wQ"), wK: try initial.matrix("wK"),
            wV: try initial.matrix("wV"), wO: try initial.matrix("wO"))
        model.pe = initial["pe"]!.data
        let edges = try #require(fx.batch.edges).map { ($0[0], $0[1]) }
        let features = try #require(fx.batch.features)
        let data = GraphNodes(
            graph: Graph(nodeCount: N, edges: edges),
            features: Matrix(rows: N, cols: d, storage: features.data),
            labels: try #require(fx.batch.nodeLabels), radius: cfg.radius, seed: 0)
        #expect(data.hoods.maxSize < cfg.maxNeighborhood, "graph: the fixture should leave a padded key slot")
        let nodes = try #require(fx.batch.nodes)[...]

        var r = Result()
        model.gather(nodes, from: data)
        #expect(model.batch.labels.prefix(B).elementsEqual(fx.batch.labels), "graph: gathered labels ≠ the fixture's")
        var losses = [model.step(learningRate: eta, loss: loss)]
        r.compare("loss", losses[0], ref.loss)
        r.compare("outputs", (0..<B).map { model.output($0) }, ref.outputs)
        r.activeMatches = model.scratch.active == ref.active
        let g = model.gradients
        for (name, key) in weightNames { r.compare("dW_\(name.rawValue)", g[name].storage, ref.grad[key]!.data) }
        r.compare("db (PE)", model.dPE, ref.grad["pe"]!.data)
        for _ in 1..<fx.steps {
            model.gather(nodes, from: data)
            losses.append(model.step(learningRate: eta, loss: loss))
        }
        r.compare("loss per step", losses, ref.losses)
        let w = model.weights
        for (name, key) in weightNames { r.compare("W_\(name.rawValue) after 3 steps", w[name].storage, ref.after3Steps[key]!.data) }
        r.compare("b (PE) after 3 steps", model.pe, ref.after3Steps["pe"]!.data)
        r.compare("fixed a after 3 steps", model.readout.a, fx.fixed["a"]!.data)  // not trained
        return r
    }

    /// Sparse MoE, expert-choice or token-choice routing ("drop", every expert alive), two learning rates.
    static func runMoE(_ fx: ReferenceFixture, _ initial: [String: FixtureTensor], loss: Loss) throws -> Result {
        let c = fx.config, ref = try fx.reference(loss), B = c["B"]!
        var cfg = SparseMoE.Config()
        cfg.d = c["d"]!; cfg.n = c["n"]!; cfg.k = c["k"]!; cfg.m = c["m"]!; cfg.l = c["l"]!; cfg.K = c["K"]!
        cfg.routing = try #require(SparseMoE.Routing(rawValue: fx.routing ?? ""))
        cfg.pruned = .drop; cfg.batchCapacity = B
        let state = MoECheckpoint(
            routers: try initial.matrix("routers"), experts: try initial.matrix("experts"),
            important: [Bool](repeating: true, count: cfg.k), feature: [Int](repeating: -1, count: cfg.k))
        let model = SparseMoE(config: cfg, state: state)
        #expect(model.a == fx.fixed["a"]!.data, "moe: fixture a ≠ the learner's a")
        var batch = TokenBatch(capacity: B, length: cfg.n, dimension: cfg.d)
        batch.x = try fx.batch.tokens(); batch.labels = fx.batch.labels
        let etaE = fx.hyper["expert_rate"]!, etaR = fx.hyper["router_rate"]!

        var r = Result()
        var losses = [model.lossAndGradient(batch, loss: loss)]
        r.compare("loss", losses[0], ref.loss)
        r.compare("outputs", (0..<B).map { model.outputs.p[$0] }, ref.outputs)
        r.activeMatches = model.activeSampleCount == ref.active.count
        r.compare("dRouters", model.dRouters.storage, ref.grad["routers"]!.data)
        r.compare("dExperts", model.dExperts.storage, ref.grad["experts"]!.data)
        model.sgdStep(expertRate: etaE, routerRate: etaR)
        for _ in 1..<fx.steps { losses.append(model.trainStep(batch, expertRate: etaE, routerRate: etaR, loss: loss)) }
        r.compare("loss per step", losses, ref.losses)
        r.compare("routers after 3 steps", model.routers.storage, ref.after3Steps["routers"]!.data)
        r.compare("experts after 3 steps", model.experts.storage, ref.after3Steps["experts"]!.data)
        return r
    }
}

// MARK: the fixture format (see benchmarks/reference/make_fixtures.py)

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A row-major tensor: {"shape": [...], "data": [...]}.
struct FixtureTensor: Decodable {
    var shape: [Int]
    var data: [Double]
}

extension Dictionary where Key == String, Value == FixtureTensor {
    func matrix(_ name: String) throws -> Matrix {
        guard let t = self[name], t.shape.count == 2, t.shape[0] * t.shape[1] == t.data.count else {
            throw FixtureError("\(name): missing or not a matrix")
        }
        return Matrix(rows: t.shape[0], cols: t.shape[1], storage: t.data)
    }
}

struct ReferenceFixture: Decodable {
    struct Case: Decodable {
        var loss: Double
        var outputs: [Double]
        var active: [Int]
        var grad: [String: FixtureTensor]
        var losses: [Double]
        var after3Steps: [String: FixtureTensor]
        var minGap: Double
        enum CodingKeys: String, CodingKey {
            case loss, outputs, active, grad, losses
            case after3Steps = "after_3_steps", minGap = "min_gap"
        }
    }
    struct Batch: Decodable {
        var labels: [Double]
        var x: FixtureTensor?  // (B, L, d) tokens, every variant but the graph
        var edges: [[Int]]?  // graph: undirected edges, features N×d, every node's label,
        var features: FixtureTensor?  //        and the batch's nodes
        var nodeLabels: [Double]?
        var nodes: [Int]?
        enum CodingKeys: String, CodingKey {
            case labels, x, edges, features, nodes
            case nodeLabels = "node_labels"
        }
        func tokens() throws -> [Double] {
            guard let x else { throw FixtureError("batch has no tokens x") }
            return x.data
        }
    }
    var variant: String
    var seed: Int
    var steps: Int
    var config: [String: Int]
    var hyper: [String: Double]
    var initial: [String: FixtureTensor]
    var fixed: [String: FixtureTensor]
    var batch: Batch
    var cases: [String: Case]
    var routing: String?
    enum CodingKeys: String, CodingKey {
        case variant, seed, steps, config, hyper, fixed, batch, cases, routing
        case initial = "init"
    }

    func reference(_ loss: Loss) throws -> Case {
        guard let c = cases[loss.rawValue] else { throw FixtureError("\(variant): no \(loss.rawValue) case") }
        return c
    }

    static func load(_ variant: String) throws -> ReferenceFixture {
        guard let url = Bundle.module.url(forResource: variant, withExtension: "json", subdirectory: "Fixtures") else {
            throw FixtureError("Fixtures/\(variant).json is not in the test bundle (regenerate: bash scripts/make-fixtures.sh)")
        }
        let fx = try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
        guard fx.variant == variant else { throw FixtureError("\(url.lastPathComponent) says it is \(fx.variant)") }
        return fx
    }
}
