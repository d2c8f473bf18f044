import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// The sparse MoE's relaxation options (experiment `moe.relax`): trained expert output layers
/// a_{s,r}, a ReLU-MLP router r_{s,j} = ⟨w_s, ReLU(U x^(j))⟩, and AdamW. Gradients of every trained
/// block (heads w_s, trunk U, experts w_{s,r}, a_{s,r}) against central differences in Double on the
/// tiny instance of `MoEGradientCheckTests` (d = 8, n = 5, m = 4, l = 2, k_r = 6), at points where no
/// top-l / top-K tie and no ReLU kink (expert or router) lies within reach of the perturbation; the
/// exact ReLU form of a linear router; AdamW against `FlatOptimizer`; and the options leaving the
/// theory's numbers untouched at initialisation.
@Suite("MoE relaxation options")
struct MoERelaxationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var routing: SparseMoE.Routing
        var pruned: SparseMoE.PrunedSemantics
        var dead: Int?
        var trainableOutput: Bool
        var routerHidden: Int
        var testDescription: String {
            "\(routing.rawValue), \(pruned.rawValue), dead \(dead.map(String.init) ?? "none"), trained a: \(trainableOutput), k_r = \(routerHidden)"
        }
    }
    static let cases: [Case] = [
        Case(routing: .expertChoice, pruned: .drop, dead: nil, trainableOutput: true, routerHidden: 0),
        Case(routing: .expertChoice, pruned: .drop, dead: 1, trainableOutput: true, routerHidden: 0),
        Case(routing: .tokenChoice, pruned: .drop, dead: 1, trainableOutput: true, routerHidden: 0),
        Case(routing: .expertChoice, pruned: .drop, dead: nil, trainableOutput: false, routerHidden: 6),
        Case(routing: .expertChoice, pruned: .drop, dead: 1, trainableOutput: false, routerHidden: 6),
        Case(routing: .tokenChoice, pruned: .drop, dead: nil, trainableOutput: false, routerHidden: 6),
        // "drop": the dead expert's score still shapes π, so the shared U gets a gradient through it.
        Case(routing: .tokenChoice, pruned: .drop, dead: 1, trainableOutput: false, routerHidden: 6),
        Case(routing: .tokenChoice, pruned: .reroute, dead: 1, trainableOutput: false, routerHidden: 6),
        Case(routing: .expertChoice, pruned: .drop, dead: nil, trainableOutput: true, routerHidden: 6),
    ]

    static func config(_ c: Case) -> SparseMoE.Config {
        var cfg = SparseMoE.Config()
        cfg.d = 8; cfg.n = 5; cfg.m = 4; cfg.l = 2; cfg.K = 2; cfg.batchCapacity = 3
        cfg.k = c.routing == .expertChoice ? 3 : 4
        cfg.routing = c.routing; cfg.pruned = c.pruned
        cfg.trainableOutput = c.trainableOutput; cfg.routerHidden = c.routerHidden
        return cfg
    }

    /// Generic weights (large, so that gradients are not vanishing): a random state, heads of width
    /// k_r, a random trunk, and a_{s,r} perturbed away from ±1/m (so a wrong index would show).
    static func instance(_ c: Case, seed: UInt64) -> (SparseMoE, TokenBatch) {
        let cfg = config(c)
        var rng = RNG(seed: seed, stream: .`init`)
        var state = MoETokens.randomState(k: cfg.k, m: cfg.m, d: cfg.d, routerNoise: 3, expertScale: 3, rng: &rng)
        state.important = [Bool](repeating: true, count: cfg.k)
        var trunk: Matrix? = nil
        if cfg.routerHidden > 0 {
            var heads = Matrix(rows: cfg.k, cols: cfg.routerHidden), u = Matrix(rows: cfg.routerHidden, cols: cfg.d)
            for i in 0..<heads.count { heads.storage[i] = rng.gaussian() }
            for i in 0..<u.count { u.storage[i] = rng.gaussian() }
            state.routers = heads
            trunk = u
        }
        let model = SparseMoE(config: cfg, state: state, routerTrunk: trunk)
        if cfg.trainableOutput {
            for i in 0..<model.outputWeights.count { model.outputWeights.storage[i] += 0.5 * rng.gaussian() }
        }
        if let s = c.dead { model.alive[s] = false }
        var batch = TokenBatch(capacity: 3, length: 5, dimension: 8)
        for i in 0..<batch.x.count { batch.x[i] = rng.gaussian() }
        for b in 0..<3 { batch.labels[b] = b % 2 == 0 ? 1 : -1 }
        return (model, batch)
    }

    /// Smallest distance to a selection tie, an expert ReLU kink or a router ReLU kink (after a forward).
    static func distanceToNonSmoothness(_ model: SparseMoE, count B: Int) -> Double {
        var gap = MoEGradientCheckTests.distanceToNonSmoothness(model, count: B)
        let kr = model.config.routerHidden
        for i in 0..<(B * model.config.n * kr) { gap = min(gap, abs(model.routerPre.p[i])) }
        return gap
    }

    @Test("gradients of heads, trunk U, experts and a_{s,r} match central differences (relative error < 1e-6)", arguments: cases, [UInt64(1), 2, 3])
    func check(_ c: Case, seed: UInt64) throws {
        let (model, batch) = Self.instance(c, seed: seed)
        let loss = Loss.logistic
        model.lossAndGradient(batch, loss: loss)
        try #require(Self.distanceToNonSmoothness(model, count: batch.count) > 1e-4, "seed \(seed) sits near a tie or kink")
        let w0 = model.weights, h = 1e-6
        let gR = model.dRouters, gE = model.dExperts, gA = model.dOutputWeights, gU = model.dRouterTrunk
        func fd(_ mutate: (inout SparseMoE.Weights, Double) -> Void) -> Double {
            var wp = w0, wm = w0
            mutate(&wp, h); mutate(&wm, -h)
            model.weights = wp; let lp = MoEGradientCheckTests.meanLoss(model, batch, loss)
            model.weights = wm; let lm = MoEGradientCheckTests.meanLoss(model, batch, loss)
            return (lp - lm) / (2 * h)
        }
        let cfg = model.config, ri = cfg.routerInputs, m = cfg.m, d = cfg.d
        var worst: [String: Double] = [:]
        func record(_ block: String, _ numeric: Double, _ analytic: Double, scale: Double) {
            worst[block] = max(worst[block] ?? 0, abs(numeric - analytic) / max(scale, 1e-3))
        }
        for s in 0..<cfg.k {
            for i in 0..<ri {
                let idx = s * ri + i
                if !model.alive[s] {
                    #expect(gR.storage[idx] == 0)  // a pruned expert is frozen
                    continue
                }
                record("heads", fd { $0.routers.storage[idx] += $1 }, gR.storage[idx], scale: gR.maxAbs)
            }
            for i in 0..<(m * d) {
                let idx = s * m * d + i
                record("experts", fd { $0.experts.storage[idx] += $1 }, gE.storage[idx], scale: gE.maxAbs)
            }
            if cfg.trainableOutput {
                for r in 0..<m {
                    let idx = s * m + r
                    record("a", fd { $0.outputWeights!.storage[idx] += $1 }, gA.storage[idx], scale: gA.maxAbs)
                }
            }
        }
        if cfg.routerHidden > 0 {
            for idx in 0..<gU.count { record("trunk U", fd { $0.routerTrunk!.storage[idx] += $1 }, gU.storage[idx], scale: gU.maxAbs) }
            #expect(gU.maxAbs > 1e-6, "trunk gradient is (near) zero: the check would be vacuous")
        }
        if cfg.trainableOutput { #expect(gA.maxAbs > 1e-6, "a gradient is (near) zero: the check would be vacuous") }
        model.weights = w0
        for (block, e) in worst { #expect(e < 1e-6, "\(block): relative error \(e)") }
        #expect(gR.maxAbs > 1e-6 && gE.maxAbs > 1e-6, "router or expert gradient is (near) zero: the check would be vacuous")
    }

    @Test("trained a starts at ±1/m: the forward and the router and expert gradients equal the fixed-a model's bit for bit")
    func trainableOutputStartsAtTheTheory() {
        for routing in SparseMoE.Routing.allCases {
            var c = Case(routing: routing, pruned: .drop, dead: nil, trainableOutput: false, routerHidden: 0)
            let (fixed, batch) = Self.instance(c, seed: 7)
            c.trainableOutput = true
            let cfg = Self.config(c)
            let trained = SparseMoE(
                config: cfg,
                state: MoECheckpoint(
                    routers: fixed.routers, experts: fixed.experts, important: fixed.alive, feature: fixed.alive.map { _ in -1 }))
            #expect(trained.outputWeights.storage == Array((0..<cfg.k).map { _ in fixed.a }.joined()))
            let l0 = fixed.lossAndGradient(batch, loss: .hinge), l1 = trained.lossAndGradient(batch, loss: .hinge)
            #expect(l0 == l1)
            #expect((0..<batch.count).allSatisfy { fixed.outputs.p[$0] == trained.outputs.p[$0] })
            #expect(fixed.dRouters == trained.dRouters && fixed.dExperts == trained.dExperts)
        }
    }

    @Test("the ReLU router [WQᵀ, −WQᵀ]·ReLU([Q; −Q] x) computes the linear router W x: same scores, selections and outputs")
    func reluRouterIsExact() throws {
        for routing in SparseMoE.Routing.allCases {
            let c = Case(routing: routing, pruned: .drop, dead: nil, trainableOutput: false, routerHidden: 0)
            let (linear, batch) = Self.instance(c, seed: 11)
            let d = linear.config.d
            var rng = RNG(seed: 11, stream: "rotation")
            var g = Matrix(rows: d, cols: d)
            for i in 0..<g.count { g.storage[i] = rng.gaussian() }
            let (heads, trunk) = SparseMoE.reluRouter(equalTo: linear.routers, rotation: try orthonormalColumns(g))
            var cfg = linear.config
            cfg.routerHidden = 2 * d
            let hidden = SparseMoE(
                config: cfg,
                state: MoECheckpoint(routers: heads, experts: linear.experts, important: linear.alive, feature: linear.alive.map { _ in -1 }),
                routerTrunk: trunk)
            linear.forward(batch); hidden.forward(batch)
            let rows = batch.count * cfg.n * cfg.k
            let scoreError = (0..<rows).map { abs(linear.scores.p[$0] - hidden.scores.p[$0]) }.max()!
            #expect(scoreError < 1e-12, "scores differ by \(scoreError)")
            for s in 0..<cfg.k { #expect(Array(linear.entries(of: s).rows) == Array(hidden.entries(of: s).rows)) }
            for b in 0..<batch.count { #expect(abs(linear.outputs.p[b] - hidden.outputs.p[b]) < 1e-12) }
            for s in 0..<cfg.k { #expect(abs(heads.rowNorms[s] - 2.0.squareRoot() * linear.routers.rowNorms[s]) < 1e-12) }
        }
    }

    @Test("AdamW: trainStep equals FlatOptimizer on the same gradients, and a step whose hinge gradient is zero uses zero, not the last batch's")
    func adamMatchesFlatOptimizer() {
        let c = Case(routing: .expertChoice, pruned: .drop, dead: nil, trainableOutput: true, routerHidden: 6)
        let (sgd, batch) = Self.instance(c, seed: 5)
        var cfg = sgd.config
        cfg.update = .adamW(learningRate: 0.01, weightDecay: 0.1)
        let adam = SparseMoE(
            config: cfg,
            state: MoECheckpoint(routers: sgd.routers, experts: sgd.experts, important: sgd.alive, feature: sgd.alive.map { _ in -1 }),
            routerTrunk: sgd.routerTrunk)
        adam.outputWeights = sgd.outputWeights
        // Reference: the same AdamW formulas on the flat blocks, gradients from a plain twin at the same weights.
        let twin = sgd.copy()
        var blocks = [twin.experts.storage, twin.routers.storage, twin.outputWeights.storage, twin.routerTrunk.storage]
        let refs = blocks.map { FlatOptimizer(rule: .adamW(weightDecay: 0.1), count: $0.count) }
        func referenceStep(gradients: [[Double]]) {
            for i in blocks.indices {
                blocks[i].withUnsafeMutableBufferPointer { t in
                    gradients[i].withUnsafeBufferPointer { refs[i].step(t.baseAddress!, grad: $0.baseAddress!, count: t.count, learningRate: 0.01) }
                }
            }
        }
        for _ in 0..<3 {
            twin.lossAndGradient(batch, loss: .logistic)
            referenceStep(gradients: [twin.dExperts.storage, twin.dRouters.storage, twin.dOutputWeights.storage, twin.dRouterTrunk.storage])
            adam.trainStep(batch, expertRate: 123, routerRate: 456, loss: .logistic)  // the SGD rates are unused
            twin.experts.storage = blocks[0]; twin.routers.storage = blocks[1]
            twin.outputWeights.storage = blocks[2]; twin.routerTrunk.storage = blocks[3]
        }
        #expect(adam.experts.storage == blocks[0] && adam.routers.storage == blocks[1])
        #expect(adam.outputWeights.storage == blocks[2] && adam.routerTrunk.storage == blocks[3])
        // A batch every sample of which clears the hinge margin: scale the experts (f is 1-homogeneous
        // in them at fixed routing) and label each sample by sign f.
        var easy = batch
        adam.forward(easy)
        let fMin = (0..<easy.count).map { abs(adam.outputs.p[$0]) }.min()!
        for b in 0..<easy.count { easy.labels[b] = adam.outputs.p[b] > 0 ? 1 : -1 }
        for i in 0..<adam.experts.count { adam.experts.storage[i] *= 2 / fMin }
        blocks[0] = adam.experts.storage
        adam.trainStep(easy, expertRate: 0, routerRate: 0, loss: .hinge)
        #expect(adam.activeSampleCount == 0)
        referenceStep(gradients: blocks.map { [Double](repeating: 0, count: $0.count) })
        #expect(adam.experts.storage == blocks[0] && adam.routers.storage == blocks[1])
        #expect(adam.outputWeights.storage == blocks[2] && adam.routerTrunk.storage == blocks[3])
    }
}
