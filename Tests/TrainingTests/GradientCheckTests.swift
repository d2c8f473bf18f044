import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// T0: every backward against central differences, in Double, on tiny shapes, at random
/// non-identity points away from ReLU/hinge kinks (spec Appendix A/C).
@Suite("Gradient checks")
struct GradientCheckTests {
    /// A tiny random instance: d=6, L=5, m=8, m_a=5, m_b=4 (rectangular identity), B=3.
    static func instance(seed: UInt64) -> (OneLayerTransformer<Double>, TokenBatch) {
        var cfg = OneLayerTransformerConfig()
        cfg.d = 6; cfg.L = 5; cfg.m = 8; cfg.ma = 5; cfg.mb = 4
        cfg.initScale = 0.7; cfg.initNoise = 0.4; cfg.outputInitSD = 0.6; cfg.batchCapacity = 3
        cfg.randomOutputSigns = true
        let model = OneLayerTransformer<Double>(config: cfg, seed: seed)
        var rng = RNG(seed: seed, stream: .data)
        var batch = TokenBatch(capacity: 3, length: 5, dimension: 6)
        for i in 0..<batch.x.count { batch.x[i] = rng.gaussian() }
        for b in 0..<3 { batch.labels[b] = b % 2 == 0 ? 1 : -1 }
        return (model, batch)
    }

    /// Max relative error between analytic and central-difference gradients over all four matrices.
    static func maxRelativeError(_ model: OneLayerTransformer<Double>, _ batch: TokenBatch, loss: Loss) -> [TransformerWeightName: Double] {
        model.lossAndGradient(batch, loss: loss)
        let analytic = model.gradients
        let w0 = model.weights
        let h = 1e-6
        var out: [TransformerWeightName: Double] = [:]
        for name in TransformerWeightName.allCases {
            var worst = 0.0
            let g = analytic[name]
            let scale = max(g.maxAbs, 1e-3)
            for i in 0..<w0[name].count {
                var wp = w0, wm = w0
                wp[name].storage[i] += h
                wm[name].storage[i] -= h
                model.weights = wp
                let lp = meanLoss(model, batch, loss)
                model.weights = wm
                let lm = meanLoss(model, batch, loss)
                let numeric = (lp - lm) / (2 * h)
                worst = max(worst, abs(numeric - g.storage[i]) / scale)
            }
            model.weights = w0
            out[name] = worst
        }
        return out
    }

    static func meanLoss(_ model: OneLayerTransformer<Double>, _ batch: TokenBatch, _ loss: Loss) -> Double {
        model.forward(batch)
        var s = 0.0
        for b in 0..<batch.count { s += loss.value(model.outputs.p[b], label: batch.labels[b]) }
        return s / Double(batch.count)
    }

    @Test("logistic loss: all four weight gradients match central differences", arguments: [UInt64(1), 2, 3])
    func logistic(seed: UInt64) {
        let (model, batch) = Self.instance(seed: seed)
        let errs = Self.maxRelativeError(model, batch, loss: .logistic)
        for (name, e) in errs { #expect(e < 1e-6, "dW_\(name.rawValue) relative error \(e)") }
        for name in TransformerWeightName.allCases { #expect(model.gradients[name].maxAbs > 0, "dW_\(name.rawValue) is identically zero") }
    }

    @Test("hinge loss away from the kink matches central differences", arguments: [UInt64(4), 5])
    func hinge(seed: UInt64) {
        let (model, batch) = Self.instance(seed: seed)
        model.forward(batch)
        // Keep margins away from 1 so the finite differences do not cross the kink.
        for b in 0..<batch.count { #expect(abs(batch.labels[b] * model.outputs.p[b] - 1) > 1e-3) }
        let errs = Self.maxRelativeError(model, batch, loss: .hinge)
        for (name, e) in errs { #expect(e < 1e-6, "dW_\(name.rawValue) relative error \(e)") }
        // At least one sample inside the margin, so the hinge gradient being checked is not all zeros.
        for name in TransformerWeightName.allCases { #expect(model.gradients[name].maxAbs > 0, "dW_\(name.rawValue) is identically zero") }
    }

    @Test("pruning mask enters the gradient: masked neurons get zero dW_O rows")
    func maskedRowsHaveZeroGradient() {
        let (model, batch) = Self.instance(seed: 7)
        model.readout.mask[2] = 0; model.readout.mask[5] = 0
        model.lossAndGradient(batch, loss: .logistic)
        for j in 0..<model.readout.ma {
            #expect(model.readout.dWO[2, j] == 0)
            #expect(model.readout.dWO[5, j] == 0)
        }
        let errs = Self.maxRelativeError(model, batch, loss: .logistic)
        for (name, e) in errs { #expect(e < 1e-6, "masked dW_\(name.rawValue) relative error \(e)") }
    }

    @Test("attention rows are probability vectors")
    func attentionIsRowStochastic() {
        let (model, batch) = Self.instance(seed: 9)
        model.forward(batch)
        for b in 0..<batch.count {
            for l in 0..<batch.length {
                let row = model.attention.attentionRow(sample: b, query: l)
                #expect(abs(row.reduce(0, +) - 1) < 1e-12)
                #expect(row.allSatisfy { $0 >= 0 })
            }
        }
    }
}

/// The Float learners compute the same gradients as the Double ones (which the checks above verify
/// against central differences) to within Float rounding: same weights, same batch.
@Suite("Float gradients")
struct FloatGradientTests {
    /// max |g_float − g_double| / max |g_double| over each weight matrix.
    static func worstDifference(_ a: TransformerWeights, _ b: TransformerWeights) -> Double {
        TransformerWeightName.allCases.map { name in
            let scale = max(a[name].maxAbs, 1e-12)
            return zip(a[name].storage, b[name].storage).map { abs($0 - $1) }.max()! / scale
        }.max()!
    }

    @Test("low-rank model: Float dW_Q, dW_K, dW_V, dW_O within 1e-5 (relative) of Double", arguments: [UInt64(1), 2, 3])
    func lowRank(seed: UInt64) {
        let (double, batch) = GradientCheckTests.instance(seed: seed)
        let float = OneLayerTransformer<Float>(config: double.config, seed: seed)
        float.weights = double.weights
        let ld = double.lossAndGradient(batch, loss: .logistic), lf = float.lossAndGradient(batch, loss: .logistic)
        #expect(abs(ld - lf) <= 1e-6 * abs(ld))
        let worst = Self.worstDifference(double.gradients, float.gradients)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }

    @Test("ICL model: Float dW_Q, dW_K, dW_V, dW_O within 1e-5 (relative) of Double", arguments: [false, true])
    func icl(includeQuery: Bool) {
        let (double, batch) = ICLGradientCheckTests.instance(seed: 4, includeQuery: includeQuery)
        let float = ICLTransformer<Float>(config: double.config, seed: 4)
        float.weights = double.weights
        float.readout.a = double.readout.a
        let ld = double.lossAndGradient(batch, loss: .logistic), lf = float.lossAndGradient(batch, loss: .logistic)
        #expect(abs(ld - lf) <= 1e-6 * abs(ld))
        let worst = Self.worstDifference(double.gradients, float.gradients)
        #expect(worst <= 1e-5, "worst relative difference \(worst)")
    }
}
