import ProvableNumerics
import DataModels

/// The learner of the low-rank & sparse paper (spec `lowrank-sparse.md` §3): one-layer softmax
/// attention followed by a ReLU perceptron with a fixed output layer, token-averaged.
///
///   F(X) = (1/L) Σ_l aᵀ ReLU( W_O Σ_s W_V x_s · softmax_s( x_sᵀ W_Kᵀ W_Q x_l ) )
///
/// Legend: d token dim · L tokens · m hidden neurons (rows of W_O) · m_a value dim · m_b query/key dim
///         B batch size · W_Q ↔ attention.wQ · W_K ↔ attention.wK · W_V ↔ attention.wV · W_O ↔ readout.wO
///         a ↔ readout.a (fixed ±1/√m) · δ ↔ initScale · ξ ↔ outputInitSD
/// Trained: W_Q, W_K, W_V, W_O. Fixed: a. No bias, LayerNorm, residual or positional encoding.
/// `Scalar` is the working precision of the forward/backward passes (Double unless a scenario asks
/// for `precision: float`); weights, updates and measurements are Double either way.
public final class OneLayerTransformer<Scalar: BLASScalar>: AttentionReadoutClassifier {
    public typealias Config = OneLayerTransformerConfig
    public typealias Evaluation = OneLayerTransformerEvaluation

    public let config: Config
    public let attention: SoftmaxAttention<Scalar>
    public let readout: ReLUReadout<Scalar>
    /// F of the last forward, one per sample.
    public let outputs: ScalarBuffer<Scalar>
    public let scratch: ClassifierScratch<Scalar>
    public var batchCapacity: Int { config.batchCapacity }

    /// Initialization draws from the `init` sub-stream of `seed`.
    public init(config: Config, seed: UInt64) {
        self.config = config
        var rng = RNG(seed: seed, stream: .`init`)
        attention = SoftmaxAttention(
            d: config.d, mb: config.mb, ma: config.ma, capacity: config.batchCapacity,
            length: config.L, initScale: config.initScale)
        if config.initNoise > 0 {
            for i in 0..<attention.wQ.count { attention.wQ.storage[i] += config.initNoise * rng.gaussian() }
            for i in 0..<attention.wK.count { attention.wK.storage[i] += config.initNoise * rng.gaussian() }
            for i in 0..<attention.wV.count { attention.wV.storage[i] += config.initNoise * rng.gaussian() }
        }
        let a = readoutOutputWeights(m: config.m, randomSigns: config.randomOutputSigns, rng: &rng)
        readout = ReLUReadout(m: config.m, ma: config.ma, capacity: config.batchCapacity, length: config.L, outputWeights: a)
        readout.initializeOutputMatrix(sd: config.outputInitSD, rng: &rng)
        outputs = .init(config.batchCapacity)
        scratch = ClassifierScratch(
            samples: config.batchCapacity, dHCount: config.batchCapacity * config.L * config.ma,
            inputCount: config.batchCapacity * config.L * config.d)
    }

    /// Weights and names are shared with every attention → readout model (`TransformerWeights`).
    public typealias Weights = TransformerWeights
    public typealias WeightName = TransformerWeightName

    // MARK: evaluation

    /// Loss, 0-1 error and relevant-attention mass on a test set, in chunks of the batch capacity.
    /// `isRelevant(pattern, label)` says which tokens count as label-relevant (spec §5.9).
    public func evaluate(_ test: TokenBatch, loss: Loss, isRelevant: (Int, Double) -> Bool) -> Evaluation {
        let L = config.L
        var lossSum = 0.0, wrong = 0, mass = 0.0
        forEachChunk(of: test) { start, n in
            for b in 0..<n {
                let y = test.labels[start + b], f = outputs.p[b].double
                lossSum += loss.value(f, label: y)
                if y * f <= 0 { wrong += 1 }
                for l in 0..<L {
                    let row = attention.a.p + (b * L + l) * L
                    for s in 0..<L where isRelevant(Int(test.pattern[(start + b) * L + s]), y) { mass += row[s].double }
                }
            }
        }
        let N = Double(test.count)
        return Evaluation(loss: lossSum / N, error: Double(wrong) / N, relevantAttention: mass / (N * Double(L)))
    }

}

extension OneLayerTransformer {
    /// Per-sample, per-neuron readout inputs c[b,i] = Σ_l ReLU(g_{b,l,i}) over a test set (N×m).
    ///
    /// Pruning only changes the mask on a, so F_b(mask) = Σ_i (a_i mask_i / L) c[b,i]: every pruning
    /// mask is then one gemv instead of a forward pass over the test set.
    public func neuronContributions(_ test: TokenBatch) -> Matrix {
        let L = config.L, m = config.m
        var c = Matrix(rows: test.count, cols: m)
        forEachChunk(of: test) { start, n in
            for b in 0..<n {
                for l in 0..<L {
                    let row = readout.g.p + (b * L + l) * m
                    for i in 0..<m where row[i] > 0 { c.storage[(start + b) * m + i] += row[i].double }
                }
            }
        }
        return c
    }
}

/// Dimensions and initialization of `OneLayerTransformer` (spec Config A defaults).
public struct OneLayerTransformerConfig: Sendable, Equatable {
    public var d = 20
    public var L = 20
    public var m = 200  // hidden neurons; m ≳ M² log N in the ICLR'23 theorem
    public var ma = 20  // value dim m_a (= d: identity init is square)
    public var mb = 20  // query/key dim m_b
    public var initScale = 0.2  // δ: W_Q = W_K = W_V = δI gives near-uniform initial attention [Calib]
    public var outputInitSD = 0.01  // ξ: W_O entries ~ N(0, ξ²); initial row norms ≈ ξ√m_a ≈ 0.045
    public var initNoise = 0.0  // optional Gaussian perturbation of W_Q, W_K, W_V (ICLR'23's σ, δ errors)
    public var randomOutputSigns = false  // a: first half +1/√m, rest −1/√m (default) or i.i.d. signs
    public var batchCapacity = 32
    public init() {}
}

/// What `OneLayerTransformer.evaluate` measures on a test set.
public struct OneLayerTransformerEvaluation: Sendable, Equatable {
    /// Mean loss (hinge: the sister papers' generalization error).
    public var loss: Double
    /// Fraction of samples with y·F ≤ 0.
    public var error: Double
    /// Mean over samples and query positions of the attention mass on label-relevant tokens.
    public var relevantAttention: Double
}
