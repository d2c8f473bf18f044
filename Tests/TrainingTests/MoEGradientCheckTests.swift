import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// Gradient checks of the sparse MoE (spec `moe-pruning.md` §3.2, §3.3; test T1 of §5.5): router and
/// expert gradients against central differences in Double on a tiny instance (d = 8, n = 5, m = 4,
/// l = 2; k = 3 for expert choice, k = 4 with K = 2 for token choice), at points where no top-l /
/// top-K tie and no ReLU kink lies within reach of the perturbation.
@Suite("MoE gradient checks")
struct MoEGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var routing: SparseMoE.Routing
        var pruned: SparseMoE.PrunedSemantics
        var dead: Int?
        var testDescription: String { "\(routing.rawValue), \(pruned.rawValue), dead expert \(dead.map(String.init) ?? "none")" }
    }
    static let cases: [Case] = [
        Case(routing: .expertChoice, pruned: .drop, dead: nil),
        Case(routing: .expertChoice, pruned: .drop, dead: 1),
        Case(routing: .tokenChoice, pruned: .drop, dead: nil),
        Case(routing: .tokenChoice, pruned: .drop, dead: 1),
        Case(routing: .tokenChoice, pruned: .reroute, dead: 1),
    ]

    static func instance(_ c: Case, seed: UInt64) -> (SparseMoE, TokenBatch) {
        var cfg = SparseMoE.Config()
        cfg.d = 8; cfg.n = 5; cfg.m = 4; cfg.l = 2; cfg.K = 2; cfg.batchCapacity = 3
        cfg.k = c.routing == .expertChoice ? 3 : 4
        cfg.routing = c.routing; cfg.pruned = c.pruned
        var rng = RNG(seed: seed, stream: .`init`)
        var state = MoETokens.randomState(k: cfg.k, m: cfg.m, d: cfg.d, routerNoise: 3, expertScale: 3, rng: &rng)
        state.important = [Bool](repeating: true, count: cfg.k)
        let model = SparseMoE(config: cfg, state: state)
        if let s = c.dead { model.alive[s] = false }
        var batch = TokenBatch(capacity: 3, length: 5, dimension: 8)
        for i in 0..<batch.x.count { batch.x[i] = rng.gaussian() }
        for b in 0..<3 { batch.labels[b] = b % 2 == 0 ? 1 : -1 }
        return (model, batch)
    }

    static func meanLoss(_ model: SparseMoE, _ batch: TokenBatch, _ loss: Loss) -> Double {
        model.forward(batch)
        return (0..<batch.count).reduce(0) { $0 + loss.value(model.outputs.p[$1], label: batch.labels[$1]) } / Double(batch.count)
    }

    /// Smallest distance to a selection tie or a ReLU kink at the current weights (after a forward).
    static func distanceToNonSmoothness(_ model: SparseMoE, count B: Int) -> Double {
        let c = model.config, k = c.k, n = c.n
        var gap = Double.infinity
        if c.routing == .expertChoice {
            for s in 0..<k where model.alive[s] {
                for b in 0..<B {
                    let v = (0..<n).map { model.scores.p[(b * n + $0) * k + s] }.sorted(by: >)
                    gap = min(gap, v[c.l - 1] - v[c.l])
                }
            }
        } else {
            for t in 0..<(B * n) {
                let domain = (0..<k).filter { c.pruned == .drop || model.alive[$0] }
                let v = domain.map { model.scores.p[t * k + $0] }.sorted(by: >)
                if v.count > c.K { gap = min(gap, v[c.K - 1] - v[c.K]) }
            }
        }
        for s in 0..<k where model.alive[s] {
            for i in 0..<(model.entryCount[s] * c.m) { gap = min(gap, abs(model.z.p[s * model.entryCap * c.m + i])) }
        }
        return gap
    }

    @Test("router and expert gradients match central differences (relative error < 1e-6)", arguments: cases, [UInt64(1), 2, 3])
    func check(_ c: Case, seed: UInt64) throws {
        let (model, batch) = Self.instance(c, seed: seed)
        let loss = Loss.logistic
        model.lossAndGradient(batch, loss: loss)
        try #require(Self.distanceToNonSmoothness(model, count: batch.count) > 1e-4, "seed \(seed) sits near a tie or kink")
        let w0 = model.weights, gR = model.dRouters, gE = model.dExperts, h = 1e-6
        func fd(_ mutate: (inout SparseMoE.Weights, Double) -> Void) -> Double {
            var wp = w0, wm = w0
            mutate(&wp, h); mutate(&wm, -h)
            model.weights = wp; let lp = Self.meanLoss(model, batch, loss)
            model.weights = wm; let lm = Self.meanLoss(model, batch, loss)
            return (lp - lm) / (2 * h)
        }
        let d = model.config.d, m = model.config.m
        var worstR = 0.0, worstE = 0.0
        let scaleR = max(gR.maxAbs, 1e-3), scaleE = max(gE.maxAbs, 1e-3)
        for s in 0..<model.config.k {
            for i in 0..<d {
                let idx = s * d + i
                if !model.alive[s] {
                    // A pruned expert is frozen: no update, whatever its router's effect on π ("drop").
                    #expect(gR.storage[idx] == 0)
                    continue
                }
                worstR = max(worstR, abs(fd { $0.routers.storage[idx] += $1 } - gR.storage[idx]) / scaleR)
            }
            for i in 0..<(m * d) {
                let idx = s * m * d + i
                worstE = max(worstE, abs(fd { $0.experts.storage[idx] += $1 } - gE.storage[idx]) / scaleE)
            }
        }
        model.weights = w0
        #expect(worstR < 1e-6, "routers: relative error \(worstR)")
        #expect(worstE < 1e-6, "experts: relative error \(worstE)")
        #expect(gR.maxAbs > 1e-6, "router gradient is (near) zero: the check would be vacuous")
        #expect(gE.maxAbs > 1e-6, "expert gradient is (near) zero: the check would be vacuous")
    }

    @Test("expert-choice gates sum to 1 over the l selected tokens; ties break to the lowest token index")
    func gatesAndTies() {
        var cfg = SparseMoE.Config()
        cfg.d = 4; cfg.n = 5; cfg.k = 2; cfg.m = 2; cfg.l = 2; cfg.batchCapacity = 1
        var routers = Matrix(rows: 2, cols: 4)
        routers[0, 0] = 1; routers[1, 1] = 1
        let model = SparseMoE(
            config: cfg,
            state: MoECheckpoint(
                routers: routers, experts: Matrix(rows: 4, cols: 4, repeating: 0.1),
                important: [true, true], feature: [0, 1]))
        var batch = TokenBatch(capacity: 1, length: 5, dimension: 4)
        // Expert 0 sees scores 0.5, 0.5, 0.5, 0.2, 0.5 (four-way tie); expert 1 sees 0, 0, 0, 0, 0.
        for (j, v) in [0.5, 0.5, 0.5, 0.2, 0.5].enumerated() { batch.x[j * 4] = v }
        batch.labels[0] = 1
        model.forward(batch)
        let e0 = model.entries(of: 0), e1 = model.entries(of: 1)
        #expect(Array(e0.rows) == [0, 1])
        #expect(Array(e1.rows) == [0, 1])
        #expect(abs(e0.gates.reduce(0, +) - 1) < 1e-15 && abs(e1.gates.reduce(0, +) - 1) < 1e-15)
    }
}
