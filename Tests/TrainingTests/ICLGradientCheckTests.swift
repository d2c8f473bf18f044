import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// Gradient checks of the ICL learner (query-only attention + ReLU readout), spec `icl.md` §3.1.
@Suite("ICL gradient checks")
struct ICLGradientCheckTests {
    static func instance(seed: UInt64, includeQuery: Bool) -> (ICLTransformer<Double>, TokenBatch) {
        var cfg = ICLTransformerConfig()
        cfg.d = 7; cfg.contexts = 4; cfg.m = 9; cfg.ma = 6; cfg.mb = 5; cfg.batchCapacity = 3
        cfg.initScale = 0.8; cfg.outputInitSD = 0.5; cfg.includeQuery = includeQuery
        let model = ICLTransformer<Double>(config: cfg, seed: seed)
        var rng = RNG(seed: seed, stream: .data)
        // Perturb W_Q, W_K, W_V away from the identity so the check is at a generic point.
        for i in 0..<model.attention.wQ.count { model.attention.wQ.storage[i] += 0.4 * rng.gaussian() }
        for i in 0..<model.attention.wK.count { model.attention.wK.storage[i] += 0.4 * rng.gaussian() }
        for i in 0..<model.attention.wV.count { model.attention.wV.storage[i] += 0.4 * rng.gaussian() }
        var batch = TokenBatch(capacity: 3, length: 5, dimension: 7)
        for i in 0..<batch.x.count { batch.x[i] = rng.gaussian() }
        for b in 0..<3 { batch.labels[b] = b % 2 == 0 ? 1 : -1 }
        return (model, batch)
    }

    static func meanLoss(_ model: ICLTransformer<Double>, _ batch: TokenBatch, _ loss: Loss) -> Double {
        model.forward(batch)
        return (0..<batch.count).reduce(0) { $0 + loss.value(model.outputs.p[$1], label: batch.labels[$1]) } / Double(batch.count)
    }

    @Test("all four weight gradients match central differences", arguments: [false, true], [UInt64(1), 2, 3])
    func check(includeQuery: Bool, seed: UInt64) {
        let (model, batch) = Self.instance(seed: seed, includeQuery: includeQuery)
        model.lossAndGradient(batch, loss: .logistic)
        let g = model.gradients, w0 = model.weights, h = 1e-6
        for name in TransformerWeightName.allCases {
            let scale = max(g[name].maxAbs, 1e-3)
            var worst = 0.0
            for i in 0..<w0[name].count {
                var wp = w0, wm = w0
                wp[name].storage[i] += h; wm[name].storage[i] -= h
                model.weights = wp; let lp = Self.meanLoss(model, batch, .logistic)
                model.weights = wm; let lm = Self.meanLoss(model, batch, .logistic)
                worst = max(worst, abs((lp - lm) / (2 * h) - g[name].storage[i]) / scale)
            }
            model.weights = w0
            #expect(worst < 1e-6, "dW_\(name.rawValue) (includeQuery = \(includeQuery)) relative error \(worst)")
            #expect(g[name].maxAbs > 0, "dW_\(name.rawValue) is identically zero: the check would be vacuous")
        }
    }

    @Test("attention over the contexts sums to 1 and ignores the query unless asked")
    func attentionRows() {
        for iq in [false, true] {
            let (model, batch) = Self.instance(seed: 5, includeQuery: iq)
            model.forward(batch)
            let nk = model.attention.keys
            #expect(nk == (iq ? 5 : 4))
            for b in 0..<3 {
                let s = (0..<nk).reduce(0.0) { $0 + model.attention.a.p[b * 5 + $1] }
                #expect(abs(s - 1) < 1e-12)
            }
        }
    }
}
