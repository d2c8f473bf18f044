import ProvableNumerics
import DataModels

/// The learner of the ICL paper (spec `icl.md` §3): one-layer softmax attention of the query column
/// over the prompt's context columns, then a ReLU perceptron with a fixed output layer.
///
///   F(Ψ; P) = aᵀ ReLU( W_O Σ_{i=1..l} W_V p_i · softmax_i( (W_K p_i)ᵀ W_Q p_query ) )
///
/// Legend: d = d_X + d_Y token dim · l contexts (+ the query, last) · m hidden neurons · m_a = m_b = d
///         W_Q ↔ attention.wQ · W_K ↔ attention.wK · W_V ↔ attention.wV · W_O ↔ readout.wO
///         a ↔ readout.a (fixed, random ±1/√m) · δ ↔ initScale · ξ ↔ outputInitSD
/// No residual, LayerNorm, positional encoding or temperature; the prediction is sign(F).
/// `Scalar` is the working precision of the forward/backward passes (see `OneLayerTransformer`).
public final class ICLTransformer<Scalar: BLASScalar>: AttentionReadoutClassifier {
    public typealias Config = ICLTransformerConfig
    public typealias Evaluation = ICLTransformerEvaluation

    public let config: Config
    public let attention: QueryAttention<Scalar>
    public let readout: ReLUReadout<Scalar>
    public let outputs: ScalarBuffer<Scalar>
    public let scratch: ClassifierScratch<Scalar>
    public var batchCapacity: Int { config.batchCapacity }

    /// Initialization from the `init` sub-stream of `seed`; a = i.i.d. ±1/√m (spec §0).
    public init(config: Config, seed: UInt64) {
        self.config = config
        var rng = RNG(seed: seed, stream: .`init`)
        attention = QueryAttention(
            d: config.d, mb: config.mb, ma: config.ma, capacity: config.batchCapacity,
            length: config.contexts + 1, includeQuery: config.includeQuery, initScale: config.initScale)
        readout = ReLUReadout(
            m: config.m, ma: config.ma, capacity: config.batchCapacity, length: 1,
            outputWeights: readoutOutputWeights(m: config.m, randomSigns: true, rng: &rng))
        readout.initializeOutputMatrix(sd: config.outputInitSD, rng: &rng)
        outputs = .init(config.batchCapacity)
        scratch = ClassifierScratch(
            samples: config.batchCapacity, dHCount: config.batchCapacity * config.ma,
            inputCount: config.batchCapacity * (config.contexts + 1) * config.d)
    }

    /// A model with another context length sharing this one's weights and output layer (test prompts
    /// of length l_ts ≠ l_tr).
    public func withContexts(_ l: Int, capacity: Int? = nil) -> ICLTransformer {
        var c = config
        c.contexts = l
        if let cap = capacity { c.batchCapacity = cap }
        let other = ICLTransformer(config: c, seed: 0)
        other.weights = weights
        other.readout.a = readout.a
        other.readout.mask = readout.mask
        return other
    }

    /// Evaluate on a prompt set whose `pattern` marks each token's relevant-pattern index (contexts and
    /// query), in chunks of the batch capacity.
    public func evaluate(_ prompts: TokenBatch, loss: Loss) -> Evaluation {
        let L = prompts.length, nk = attention.keys, mb = config.mb
        var lossSum = 0.0, wrong = 0, same = 0.0, qn = 0.0, kn = 0.0
        forEachChunk(of: prompts) { start, n in
            prompts.x.withUnsafeBufferPointer { xb in
                withWorkingInputs(xb.baseAddress! + start * L * config.d, count: n) { attention.computeKeys($0, count: n) }
            }
            for b in 0..<n {
                let z = prompts.labels[start + b], f = outputs.p[b].double
                lossSum += loss.value(f, label: z)
                if z * f <= 0 { wrong += 1 }
                let qp = prompts.pattern[(start + b) * L + L - 1]
                let ab = attention.a.p + b * L
                for s in 0..<nk where prompts.pattern[(start + b) * L + s] == qp { same += ab[s].double }
                var q2 = 0.0
                for j in 0..<mb { let v = attention.q.p[b * mb + j].double; q2 += v * v }
                qn += q2.squareRoot()
                for s in 0..<(L - 1) {
                    var k2 = 0.0
                    for j in 0..<mb { let v = attention.k.p[(b * L + s) * mb + j].double; k2 += v * v }
                    kn += k2.squareRoot()
                }
            }
        }
        let N = Double(prompts.count)
        return Evaluation(
            loss: lossSum / N, error: Double(wrong) / N, sameAttention: same / N,
            queryNorm: qn / N, keyNorm: kn / (N * Double(L - 1)))
    }

    /// Per-prompt, per-neuron ReLU(h_i) over a prompt set (N×m), so every pruning mask is one gemv
    /// (F = C (a ⊙ mask)).
    public func neuronActivations(_ prompts: TokenBatch) -> Matrix {
        let m = config.m
        var c = Matrix(rows: prompts.count, cols: m)
        forEachChunk(of: prompts) { start, n in
            for b in 0..<n { for i in 0..<m { c.storage[(start + b) * m + i] = max(readout.g.p[b * m + i].double, 0) } }
        }
        return c
    }
}

/// Dimensions and initialization of `ICLTransformer` (spec `icl.md` defaults).
public struct ICLTransformerConfig: Sendable, Equatable {
    public var d = 40
    public var contexts = 20  // l (the attention's sequence is l + 1 with the query)
    public var m = 64  // W_O rows; 64 matches the paper's pruning figure
    public var ma = 40
    public var mb = 40
    public var initScale = 0.1  // δ: W_Q = W_K = W_V = 0.1·I
    public var outputInitSD = 0.01  // ξ: gives the bimodal neuron magnitudes of F-PRUNE
    public var includeQuery = false  // spec A4: the query attends to itself too
    public var batchCapacity = 64
    public init() {}
}

/// What the ICL measurements read from one evaluation pass.
public struct ICLTransformerEvaluation: Sendable, Equatable {
    public var loss: Double  // mean hinge (the theory's generalization error)
    public var error: Double  // P[z·F ≤ 0]
    /// Mean attention mass on contexts sharing the query's pattern (P1's att_same).
    public var sameAttention: Double
    /// Mean ‖W_Q p_query‖ and ‖W_K p_i‖ (P1 norms).
    public var queryNorm: Double
    public var keyNorm: Double
}
