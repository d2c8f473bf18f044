import Foundation
import ProvableNumerics
import DataModels

/// A general attention-only transformer with a ReLU readout: the learner the relaxation scenarios
/// train when a theorem's assumptions are left (docs/relaxations.md). With one layer, one head and
/// the papers' restrictions it is the low-rank, ICL and graph papers' learner (a test checks loss and
/// gradients to 1e-10 against each).
///
///   X⁰ = the tokens (L×d);  for layer i = 0 … layers−1:
///     Y = LN(Xⁱ) (or Xⁱ),   Q_h = Y W_Q^hᵀ,  K_h = Y W_K^hᵀ,  V_h = Y W_V^hᵀ
///     A_h = row-softmax over the keys of (Q_h K_hᵀ + bias),   Xⁱ⁺¹ = (Xⁱ if residual) + Σ_h A_h V_h
///   Z = LN(X^layers) (or X^layers);   F = (1/|R|) Σ_{l∈R} aᵀ ReLU(W_O z_l)
///
/// Legend: B samples · L tokens · d token dim (the residual stream) · H heads · m_b query/key dim per
///         head · m readout neurons · R the readout rows (every token, or the last one) ·
///         LN = per-token (x − mean)/√(var + 1e-5), no gain or shift · bias = an optional additive score
///         per sample and key (the graph paper's relative PE, −∞ for padding).
/// Heads are summed, each W_V^h ∈ R^{d×d} mapping back to the stream (the papers' m_a = d): the
/// multi-head form that reduces exactly to one head, with no output projection to confound it.
/// With `queryIsKey` false the last token (the ICL query, the graph's centre node) is never a key.
/// Parameters live in one flat array (every layer's stacked [W_Q^1…W_Q^H; W_K^1…; W_V^1…], then W_O,
/// then a), so SGD and Adam are one loop over it; nothing is allocated per step.
public final class GeneralTransformer {
    public struct Config: Sendable, Equatable {
        public enum Readout: String, Sendable { case mean, last }
        public var d = 20
        public var length = 20
        public var layers = 1
        public var heads = 1
        public var mb = 20
        public var m = 200
        public var residual = false
        public var layerNorm = false
        public var readout = Readout.mean
        public var queryIsKey = true
        public var trainableOutput = false
        public var batchCapacity = 32
        // Initialization: W_Q^h, W_K^h = qkScale·I + N(0, qkNoise²) entries; W_V^h = (vScale/H)·I +
        // N(0, vNoise²) (the heads' sum starts where one head with vScale·I does); W_O ~ N(0, ξ²);
        // a = ±1/√m, half and half or i.i.d. signs.
        public var qkScale = 0.2
        public var qkNoise = 0.0
        public var vScale = 0.2
        public var vNoise = 0.0
        public var outputInitSD = 0.01
        public var randomOutputSigns = false
        /// Rows (tokens) of one cache block, a speed setting only: samples never interact, so the
        /// forward and backward run one block of samples at a time, each block's backward right after
        /// its forward while its activations are still in cache, and the results do not depend on it
        /// beyond rounding (a test checks). At the benchmark size (`sim bench transformer`, d = 128,
        /// L = 64) blocks of 64–128 rows took 77 ms per step against 88 ms for whole-batch (2048-row)
        /// products, and 256 rows 79 ms (best of 11 interleaved rounds each): smaller blocks repack
        /// the weights more often, larger ones spill out of L2.
        public var blockRows = 128
        public init() {}
        /// Rows of one layer's stacked weight matrix: H·m_b query, H·m_b key, H·d value rows.
        public var stackedRows: Int { heads * (2 * mb + d) }
    }

    public let config: Config
    /// Every trained (and the fixed output) parameter, flat: layer i's stacked matrix at
    /// `layerOffset(i)`, W_O at `outputMatrixOffset`, a at `outputWeightsOffset`.
    public let parameters: Buffer
    /// ∂loss/∂parameters of the last `lossAndGradient` (same layout; a's part is 0 when a is fixed).
    public let gradients: Buffer
    /// Pruning mask on the readout neurons (rows of W_O), 1 = kept.
    public var mask: [Double]
    /// Optional additive score per sample and key (B×L), set by the caller before `forward`.
    public var scoreBias: Buffer?
    /// ∂loss/∂scoreBias of the last backward (B×L), summed over layers, heads and query rows.
    public let scoreBiasGrad: Buffer
    /// F of the last forward, one per sample.
    public let outputs: Buffer

    // Activations of the last forward.
    let xs: [Buffer]  // X¹ … X^layers (n×d each); X⁰ is the caller's tokens
    let ys: [Buffer]  // LN(Xⁱ) per layer (n×d), empty without LayerNorm
    let rstd: [Buffer]  // 1/√(var+ε) per token for each LN (layers + 1 of them)
    let qkv: [Buffer]  // n × stackedRows per layer
    let attn: [Buffer]  // B × H × L × L per layer
    let z: Buffer  // LN(X^layers) (n×d) with LayerNorm
    let g: Buffer  // readout pre-activations, (B·|R|) × m
    let aEff: Buffer  // a ⊙ mask / |R|
    // Backward scratch, one cache block of samples (`blockSamples`): n_b = blockSamples·L rows.
    let dX: Buffer, dY: Buffer  // n_b×d
    let dQKV: Buffer  // n_b × stackedRows
    let dS: Buffer  // L×L
    let keysT: Buffer  // K_hᵀ (m_b × L), the score product's right operand
    let dOutT: Buffer  // ∂/∂Xⁱ⁺¹ of one sample, transposed (d × L)
    let dG: Buffer  // (blockSamples·|R|) × m
    /// Samples per cache block (at least one; `blockRows` rows).
    let blockSamples: Int
    /// dW_iᵀ (d × stackedRows) per layer, summed over the blocks and transposed into `gradients` once
    /// per step: at the benchmark size the product Yᵀ dQKV took 17 ms per step against 22 ms for
    /// dQKVᵀ Y (OpenBLAS's TN kernel is faster with the long 768 side as n than as m).
    let weightGradT: Buffer
    let coef: Buffer  // B: dℓ/dF_b / B
    var batchCount = 0
    var activeCount = 0

    public var d: Int { config.d }
    public var length: Int { config.length }
    var readoutRows: Int { config.readout == .mean ? config.length : 1 }

    public init(config: Config, seed: UInt64) {
        precondition(config.layers >= 1 && config.heads >= 1 && config.length >= (config.queryIsKey ? 1 : 2))
        self.config = config
        let n = config.batchCapacity * config.length, d = config.d, W = config.stackedRows
        let layerCount = config.layers
        parameters = Buffer(layerCount * W * d + config.m * d + config.m)
        gradients = Buffer(parameters.count)
        mask = [Double](repeating: 1, count: config.m)
        scoreBiasGrad = Buffer(n)
        outputs = Buffer(config.batchCapacity)
        xs = (0..<layerCount).map { _ in Buffer(n * d) }
        ys = config.layerNorm ? (0..<layerCount).map { _ in Buffer(n * d) } : []
        rstd = config.layerNorm ? (0...layerCount).map { _ in Buffer(n) } : []
        qkv = (0..<layerCount).map { _ in Buffer(n * W) }
        attn = (0..<layerCount).map { _ in Buffer(config.batchCapacity * config.heads * config.length * config.length) }
        z = Buffer(config.layerNorm ? n * d : 0)
        let rows = config.batchCapacity * (config.readout == .mean ? config.length : 1)
        g = Buffer(rows * config.m); aEff = Buffer(config.m)
        weightGradT = Buffer(layerCount * W * d)
        blockSamples = min(config.batchCapacity, max(1, config.blockRows / config.length))
        let blockN = blockSamples * config.length  // the backward scratch holds one cache block
        dX = Buffer(blockN * d); dY = Buffer(blockN * d); dQKV = Buffer(blockN * W)
        dS = Buffer(config.length * config.length); keysT = Buffer(config.mb * config.length); dOutT = Buffer(d * config.length)
        dG = Buffer(blockSamples * (config.readout == .mean ? config.length : 1) * config.m)
        coef = Buffer(config.batchCapacity)
        initialize(seed: seed)
    }

    // MARK: parameter layout

    public func layerOffset(_ i: Int) -> Int { i * config.stackedRows * config.d }
    public var outputMatrixOffset: Int { config.layers * config.stackedRows * config.d }
    public var outputWeightsOffset: Int { outputMatrixOffset + config.m * config.d }
    /// Number of parameters the optimizer updates (a only when trainable).
    public var trainedCount: Int { config.trainableOutput ? parameters.count : outputWeightsOffset }

    /// Which block of a layer's stacked matrix.
    public enum Block: String, CaseIterable, Sendable { case Q, K, V }

    /// Offset of head h's W_Q / W_K (m_b×d) or W_V (d×d) in layer i.
    public func offset(_ block: Block, layer i: Int, head h: Int) -> Int {
        let c = config, rowStart: Int
        switch block {
        case .Q: rowStart = h * c.mb
        case .K: rowStart = c.heads * c.mb + h * c.mb
        case .V: rowStart = 2 * c.heads * c.mb + h * c.d
        }
        return layerOffset(i) + rowStart * c.d
    }

    func rows(_ block: Block) -> Int { block == .V ? config.d : config.mb }

    /// A copy of head h's W_Q, W_K or W_V in layer i.
    public func weight(_ block: Block, layer i: Int, head h: Int, of buffer: Buffer? = nil) -> Matrix {
        let r = rows(block), o = offset(block, layer: i, head: h), src = (buffer ?? parameters).p + o
        return Matrix(rows: r, cols: config.d, storage: Array(UnsafeBufferPointer(start: src, count: r * config.d)))
    }

    public func setWeight(_ block: Block, layer i: Int, head h: Int, to w: Matrix) {
        precondition(w.rows == rows(block) && w.cols == config.d)
        (parameters.p + offset(block, layer: i, head: h)).update(from: w.storage, count: w.count)
    }

    /// W_O (m×d).
    public var outputMatrix: Matrix {
        get {
            Matrix(rows: config.m, cols: config.d, storage: Array(UnsafeBufferPointer(start: parameters.p + outputMatrixOffset, count: config.m * config.d)))
        }
        set {
            precondition(newValue.rows == config.m && newValue.cols == config.d)
            (parameters.p + outputMatrixOffset).update(from: newValue.storage, count: newValue.count)
        }
    }

    public var outputMatrixGradient: Matrix {
        Matrix(rows: config.m, cols: config.d, storage: Array(UnsafeBufferPointer(start: gradients.p + outputMatrixOffset, count: config.m * config.d)))
    }

    /// a (m).
    public var outputWeights: [Double] {
        get { Array(UnsafeBufferPointer(start: parameters.p + outputWeightsOffset, count: config.m)) }
        set {
            precondition(newValue.count == config.m)
            (parameters.p + outputWeightsOffset).update(from: newValue, count: config.m)
        }
    }

    /// The flat parameters (a copy), e.g. θ⁽⁰⁾ for ΔW = θ⁽ᵀ⁾ − θ⁽⁰⁾.
    public var parameterValues: [Double] {
        get { parameters.array }
        set {
            precondition(newValue.count == parameters.count)
            parameters.p.update(from: newValue, count: newValue.count)
        }
    }

    /// The initialization of `Config`, from the `init` sub-stream of `seed`: per layer and head
    /// W_Q, W_K, then W_V, then W_O and a.
    func initialize(seed: UInt64) {
        let c = config
        var rng = RNG(seed: seed, stream: .`init`)
        for i in 0..<c.layers {
            for h in 0..<c.heads {
                for (block, scale, noise) in [(Block.Q, c.qkScale, c.qkNoise), (.K, c.qkScale, c.qkNoise), (.V, c.vScale / Double(c.heads), c.vNoise)] {
                    var w = Matrix.identity(rows: rows(block), cols: c.d, scale: scale)
                    if noise > 0 { for k in 0..<w.count { w.storage[k] += noise * rng.gaussian() } }
                    setWeight(block, layer: i, head: h, to: w)
                }
            }
        }
        for k in 0..<(c.m * c.d) { parameters.p[outputMatrixOffset + k] = c.outputInitSD * rng.gaussian() }
        outputWeights = readoutOutputWeights(m: c.m, randomSigns: c.randomOutputSigns, rng: &rng)
    }

    // MARK: forward

    /// Xⁱ: the tokens for i = 0, else the output of layer i − 1.
    func layerInput(_ i: Int, _ x0: UnsafePointer<Double>) -> UnsafePointer<Double> { i == 0 ? x0 : UnsafePointer(xs[i - 1].p) }

    /// F for `count` samples whose tokens are the first count·L rows of `x`, into `outputs`.
    public func forward(_ x: UnsafePointer<Double>, count B: Int) {
        precondition(B <= config.batchCapacity)
        setEffectiveOutputWeights()
        for s0 in stride(from: 0, to: B, by: blockSamples) { forwardBlock(x, start: s0, count: min(blockSamples, B - s0)) }
    }

    /// aEff = a ⊙ mask / |R|, once per batch (every block's readout and backward read it).
    func setEffectiveOutputWeights() {
        let a = parameters.p + outputWeightsOffset, R = Double(readoutRows)
        for i in 0..<config.m { aEff.p[i] = a[i] * mask[i] / R }
    }

    /// The forward of samples s0 ..< s0 + B (their rows of every activation buffer).
    func forwardBlock(_ x: UnsafePointer<Double>, start s0: Int, count B: Int) {
        let c = config, L = c.length, d = c.d, H = c.heads, mb = c.mb, W = c.stackedRows, n = B * L, r0 = s0 * L
        for i in 0..<c.layers {
            let xin = layerInput(i, x) + r0 * d
            var y = xin
            if c.layerNorm {
                layerNorm(xin, into: ys[i].p + r0 * d, rstd: rstd[i].p + r0, rows: n)
                y = UnsafePointer(ys[i].p + r0 * d)
            }
            let wqkv = UnsafePointer(parameters.p + layerOffset(i)), out = xs[i].p + r0 * d, qkvBlock = qkv[i].p + r0 * W
            // [Q | K | V] = Y Wᵀ for every head at once (n × (2H·m_b + H·d)).
            Double.gemm(.none, .transpose, m: n, n: W, k: d, alpha: 1, y, lda: d, wqkv, ldb: d, beta: 0, qkvBlock, ldc: W)
            if c.residual { out.update(from: xin, count: n * d) } else { out.update(repeating: 0, count: n * d) }
            for b in 0..<B {
                let base = qkvBlock + b * L * W
                for h in 0..<H {
                    let ab = attn[i].p + ((s0 + b) * H + h) * L * L
                    // S = Q_h K_hᵀ (row = query l, column = key s), + bias, keys only, softmax. K_hᵀ is
                    // copied out so that the product is NN (`transposeBlock`).
                    transposeBlock(base + (H + h) * mb, rows: L, cols: mb, ld: W, into: keysT.p, ldOut: L)
                    Double.gemm(.none, .none, m: L, n: L, k: mb, alpha: 1, base + h * mb, lda: W, keysT.p, ldb: L, beta: 0, ab, ldc: L)
                    addBiasAndMask(ab, sample: s0 + b)
                    softmaxRows(ab, rows: L, cols: L)
                    // Xⁱ⁺¹_b += A_h V_h
                    Double.gemm(.none, .none, m: L, n: d, k: L, alpha: 1, ab, lda: L, base + 2 * H * mb + h * d, ldb: W, beta: 1, out + b * L * d, ldc: d)
                }
            }
        }
        readoutForward(start: s0, count: B)
    }

    /// Adds the score bias of sample b to every query row, and −∞ at the last key when the last token
    /// is not a key.
    @inline(__always)
    func addBiasAndMask(_ s: UnsafeMutablePointer<Double>, sample b: Int) {
        let L = config.length
        if let bias = scoreBias {
            let bb = bias.p + b * L
            for l in 0..<L { let row = s + l * L; for k in 0..<L { row[k] += bb[k] } }
        }
        if !config.queryIsKey { for l in 0..<L { s[l * L + L - 1] = -.infinity } }
    }

    /// The readout's input Z (n×d): LN(X^layers) or X^layers itself, from row 0 of the batch.
    var readoutInputPointer: UnsafePointer<Double> { UnsafePointer(config.layerNorm ? z.p : xs[config.layers - 1].p) }

    /// G and F of samples s0 ..< s0 + B (computing their rows of Z first when Z is LN(X^layers)).
    func readoutForward(start s0: Int, count B: Int) {
        let c = config, d = c.d, m = c.m, L = c.length, R = readoutRows, r0 = s0 * L
        if c.layerNorm { layerNorm(xs[c.layers - 1].p + r0 * d, into: z.p + r0 * d, rstd: rstd[c.layers].p + r0, rows: B * L) }
        let zin = readoutInputPointer + r0 * d
        let wO = UnsafePointer(parameters.p + outputMatrixOffset)
        // G = Z_R W_Oᵀ: every token (lda d), or the last token of each sample (lda L·d).
        let first = c.readout == .mean ? zin : zin + (L - 1) * d, lda = c.readout == .mean ? d : L * d
        let gBlock = g.p + s0 * R * m
        Double.gemm(.none, .transpose, m: B * R, n: m, k: d, alpha: 1, first, lda: lda, wO, ldb: d, beta: 0, gBlock, ldc: m)
        for b in 0..<B {
            var s = 0.0
            for r in 0..<R { s += reluDot(gBlock + (b * R + r) * m, aEff.p, count: m) }
            outputs.p[s0 + b] = s
        }
    }

    /// Row-wise LN without gain or shift: y = (x − μ)·r, r = 1/√(σ² + 1e-5), σ² the biased variance.
    func layerNorm(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, rstd r: UnsafeMutablePointer<Double>, rows: Int) {
        let d = config.d, inv = 1 / Double(d)
        for t in 0..<rows {
            let xr = x + t * d, yr = y + t * d
            var mean = 0.0
            for k in 0..<d { mean += xr[k] }
            mean *= inv
            var v = 0.0
            for k in 0..<d { let e = xr[k] - mean; yr[k] = e; v += e * e }
            let rs = 1 / (v * inv + 1e-5).squareRoot()
            r[t] = rs
            for k in 0..<d { yr[k] *= rs }
        }
    }

    /// dx = r·(dy − mean(dy) − y·mean(dy ⊙ y)) per row, added to `dx` when `accumulate`.
    func layerNormBackward(
        _ dy: UnsafePointer<Double>, y: UnsafePointer<Double>, rstd r: UnsafePointer<Double>, into dx: UnsafeMutablePointer<Double>,
        rows: Int, accumulate: Bool
    ) {
        let d = config.d, inv = 1 / Double(d)
        for t in 0..<rows {
            let dyr = dy + t * d, yr = y + t * d, dxr = dx + t * d
            var s1 = 0.0, s2 = 0.0
            for k in 0..<d { s1 += dyr[k]; s2 += dyr[k] * yr[k] }
            s1 *= inv; s2 *= inv
            let rs = r[t]
            if accumulate {
                for k in 0..<d { dxr[k] += rs * (dyr[k] - s1 - yr[k] * s2) }
            } else {
                for k in 0..<d { dxr[k] = rs * (dyr[k] - s1 - yr[k] * s2) }
            }
        }
    }

    // MARK: backward

    /// Forward + backward on a batch: the mean loss, and `gradients` of it (and `scoreBiasGrad`).
    /// Block by block (`blockSamples`): each block's backward follows its forward and adds its share to
    /// the gradients.
    @discardableResult
    public func lossAndGradient(_ batch: TokenBatch, loss: Loss) -> Double {
        precondition(batch.length == config.length && batch.dimension == config.d)
        return batch.x.withUnsafeBufferPointer { xb in
            let B = batch.count, x = xb.baseAddress!
            precondition(B <= config.batchCapacity)
            gradients.zero()
            weightGradT.zero()
            scoreBiasGrad.zero()
            setEffectiveOutputWeights()
            batchCount = B
            activeCount = 0
            var total = 0.0
            for s0 in stride(from: 0, to: B, by: blockSamples) {
                let count = min(blockSamples, B - s0)
                forwardBlock(x, start: s0, count: count)
                var active = 0
                for b in s0..<(s0 + count) {
                    let f = outputs.p[b], y = batch.labels[b]
                    total += loss.value(f, label: y)
                    coef.p[b] = loss.derivative(f, label: y) / Double(B)
                    if coef.p[b] != 0 { active += 1 }
                }
                activeCount += active
                if active > 0 { backwardBlock(x, start: s0, count: count) }
            }
            if activeCount > 0 {
                let W = config.stackedRows, d = config.d
                for i in 0..<config.layers {
                    transposeBlock(weightGradT.p + i * W * d, rows: d, cols: W, ld: W, into: gradients.p + layerOffset(i), ldOut: d)
                }
            }
            return total / Double(B)
        }
    }

    /// Adds the gradient of samples s0 ..< s0 + B (weights `coef`) to `gradients` and `scoreBiasGrad`.
    func backwardBlock(_ x: UnsafePointer<Double>, start s0: Int, count B: Int) {
        let c = config, L = c.length, d = c.d, m = c.m, R = readoutRows, H = c.heads, mb = c.mb, W = c.stackedRows, n = B * L, r0 = s0 * L
        // Readout: dg = c_b (a ⊙ mask / |R|) ⊙ 1[g > 0]; dW_O = dGᵀ Z_R; da_i = Σ c_b ReLU(g_i)·mask_i/|R|; dZ_R = dG W_O.
        // The backward scratch (dG, dX, dY, dQKV) holds one block, from row 0.
        let dA = gradients.p + outputWeightsOffset
        for b in 0..<B {
            let cb = coef.p[s0 + b]
            for r in 0..<R {
                let src = g.p + ((s0 + b) * R + r) * m, dst = dG.p + (b * R + r) * m
                for i in 0..<m {
                    let on = src[i] > 0
                    dst[i] = on ? cb * aEff.p[i] : 0
                    if c.trainableOutput && on { dA[i] += cb * src[i] * mask[i] / Double(R) }
                }
            }
        }
        let zin = readoutInputPointer + r0 * d
        let first = c.readout == .mean ? zin : zin + (L - 1) * d, lda = c.readout == .mean ? d : L * d
        Double.gemm(.transpose, .none, m: m, n: d, k: B * R, alpha: 1, dG.p, lda: m, first, ldb: lda, beta: 1, gradients.p + outputMatrixOffset, ldc: d)
        // dZ into dY (the readout's input gradient), then through the final LN into dX = ∂/∂X^layers.
        let wO = UnsafePointer(parameters.p + outputMatrixOffset)
        if c.readout == .mean {
            Double.gemm(.none, .none, m: n, n: d, k: m, alpha: 1, dG.p, lda: m, wO, ldb: d, beta: 0, dY.p, ldc: d)
        } else {
            dY.p.update(repeating: 0, count: n * d)
            Double.gemm(.none, .none, m: B, n: d, k: m, alpha: 1, dG.p, lda: m, wO, ldb: d, beta: 0, dY.p + (L - 1) * d, ldc: L * d)
        }
        if c.layerNorm {
            layerNormBackward(dY.p, y: z.p + r0 * d, rstd: rstd[c.layers].p + r0, into: dX.p, rows: n, accumulate: false)
        } else {
            dX.p.update(from: dY.p, count: n * d)
        }
        // Layers, last to first; dX holds ∂/∂Xⁱ⁺¹ on entry to layer i.
        for i in stride(from: c.layers - 1, through: 0, by: -1) {
            let base = qkv[i].p + r0 * W
            for b in 0..<B {
                let dOut = dX.p + b * L * d, qb = base + b * L * W, dqb = dQKV.p + b * L * W
                if coef.p[s0 + b] == 0 {  // every gradient of this sample is exactly 0
                    for r in 0..<L { (dqb + r * W).update(repeating: 0, count: W) }
                    continue
                }
                transposeBlock(dOut, rows: L, cols: d, ld: d, into: dOutT.p, ldOut: L)  // for the TT product dA below
                for h in 0..<H {
                    let ab = attn[i].p + ((s0 + b) * H + h) * L * L
                    let vh = qb + 2 * H * mb + h * d
                    // dV_h = A_hᵀ dOut ; dA = dOut V_hᵀ
                    Double.gemm(.transpose, .none, m: L, n: d, k: L, alpha: 1, ab, lda: L, dOut, ldb: d, beta: 0, dqb + 2 * H * mb + h * d, ldc: W)
                    Double.gemm(.transpose, .transpose, m: L, n: L, k: d, alpha: 1, dOutT.p, lda: L, vh, ldb: W, beta: 0, dS.p, ldc: L)
                    // Softmax backward per query row: dS = A ⊙ (dA − Σ_s A dA); −∞ keys have A = 0.
                    let bg = scoreBiasGrad.p + (s0 + b) * L
                    for l in 0..<L {
                        let ar = ab + l * L, dr = dS.p + l * L
                        var inner = 0.0
                        for s in 0..<L { inner += ar[s] * dr[s] }
                        for s in 0..<L { dr[s] = ar[s] * (dr[s] - inner); bg[s] += dr[s] }
                    }
                    // dQ_h = dS K_h ; dK_h = dSᵀ Q_h
                    Double.gemm(.none, .none, m: L, n: mb, k: L, alpha: 1, dS.p, lda: L, qb + (H + h) * mb, ldb: W, beta: 0, dqb + h * mb, ldc: W)
                    Double.gemm(.transpose, .none, m: L, n: mb, k: L, alpha: 1, dS.p, lda: L, qb + h * mb, ldb: W, beta: 0, dqb + (H + h) * mb, ldc: W)
                }
            }
            let y = (c.layerNorm ? UnsafePointer(ys[i].p) : layerInput(i, x)) + r0 * d
            // dW_iᵀ += Yᵀ dQKV (every head and block in one product)
            Double.gemm(.transpose, .none, m: d, n: W, k: n, alpha: 1, y, lda: d, dQKV.p, ldb: W, beta: 1, weightGradT.p + i * W * d, ldc: W)
            guard i > 0 else { break }  // the tokens are data: no ∂/∂X⁰
            // dY = dQKV W_i ; ∂/∂Xⁱ = (dOut if residual) + LN-backward(dY)
            Double.gemm(.none, .none, m: n, n: d, k: W, alpha: 1, dQKV.p, lda: W, parameters.p + layerOffset(i), ldb: d, beta: 0, dY.p, ldc: d)
            if c.layerNorm {
                layerNormBackward(dY.p, y: ys[i].p + r0 * d, rstd: rstd[i].p + r0, into: dX.p, rows: n, accumulate: c.residual)
            } else if c.residual {
                for k in 0..<(n * d) { dX.p[k] += dY.p[k] }
            } else {
                dX.p.update(from: dY.p, count: n * d)
            }
        }
    }

    // MARK: measurements

    /// Samples with a non-zero loss derivative in the last `lossAndGradient`.
    public var activeSampleCount: Int { activeCount }

    /// Attention row of query l, head h, layer i, sample b of the last forward (length L).
    public func attentionRow(layer i: Int, head h: Int, sample b: Int, query l: Int) -> UnsafeBufferPointer<Double> {
        let L = config.length
        return UnsafeBufferPointer(start: attn[i].p + ((b * config.heads + h) * L + l) * L, count: L)
    }

    /// Readout pre-activations g (row r of sample b: token r, or the last token), last forward.
    public func readoutPreactivation(sample b: Int, row r: Int) -> UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(start: g.p + (b * readoutRows + r) * config.m, count: config.m)
    }

    /// Forward a sample set in chunks of the batch capacity; `body(start, n)` reads each chunk.
    public func forEachChunk(of set: TokenBatch, _ body: (_ start: Int, _ n: Int) -> Void) {
        precondition(set.length == config.length && set.dimension == config.d)
        set.forEachChunk(capacity: config.batchCapacity) { tokens, start, n in
            forward(tokens, count: n)
            body(start, n)
        }
    }

    /// Per-sample, per-neuron readout inputs c[b,i] = Σ_{l∈R} ReLU(g_{b,l,i}) (N×m): F_b(mask) =
    /// Σ_i a_i mask_i c[b,i] / |R|, so every pruning mask is one gemv.
    public func neuronContributions(_ set: TokenBatch) -> Matrix {
        let m = config.m, R = readoutRows
        var out = Matrix(rows: set.count, cols: m)
        forEachChunk(of: set) { start, n in
            for b in 0..<n {
                for r in 0..<R {
                    let row = g.p + (b * R + r) * m
                    for i in 0..<m where row[i] > 0 { out.storage[(start + b) * m + i] += row[i] }
                }
            }
        }
        return out
    }

    /// Floating-point operations of the last `lossAndGradient` in products (2 per multiply-add):
    /// the forward, and the backward when any sample was active. Softmax, LN, ReLU are not counted.
    public var lastStepFlops: Double {
        let c = config, B = Double(batchCount), L = Double(c.length), d = Double(c.d), H = Double(c.heads)
        let n = B * L, W = Double(c.stackedRows), mb = Double(c.mb), m = Double(c.m), R = B * Double(readoutRows)
        let layers = Double(c.layers)
        let attention = B * H * 2 * L * L * (mb + d)
        var f = layers * (2 * n * d * W + attention) + 2 * R * m * d
        if activeCount > 0 {
            let nAct = Double(activeCount)
            // per layer: dV, dA (2·L²·d each), dQ, dK (2·L²·m_b each) for active samples; dW; dY (not for layer 0)
            f += layers * nAct * H * 4 * L * L * (d + mb) + layers * 2 * n * W * d + (layers - 1) * 2 * n * W * d
            f += 4 * R * m * d  // dW_O and dZ
        }
        return f
    }
}

/// The update rule of a flat parameter array: SGD with L2 weight decay, or Adam with decoupled weight
/// decay (AdamW, Loshchilov & Hutter 2019). Its state (Adam's moments) is allocated once.
public final class FlatOptimizer {
    public enum Rule: Sendable, Equatable {
        /// θ ← θ − η (g + λ θ).
        case sgd(weightDecay: Double)
        /// t ← t+1; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − η (m̂/(√v̂ + ε) + λθ),
        /// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
        case adam(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double)
        public static let plainSGD = Rule.sgd(weightDecay: 0)
        public static func adamW(weightDecay: Double) -> Rule { .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: weightDecay) }
    }
    public let rule: Rule
    let m: Buffer, v: Buffer
    public private(set) var stepCount = 0

    public init(rule: Rule, count: Int) {
        self.rule = rule
        if case .adam = rule { m = Buffer(count); v = Buffer(count) } else { m = Buffer(0); v = Buffer(0) }
    }

    /// Updates the first `count` entries of `theta` from `grad`.
    public func step(_ theta: UnsafeMutablePointer<Double>, grad: UnsafePointer<Double>, count: Int, learningRate eta: Double) {
        stepCount += 1
        switch rule {
        case .sgd(let wd):
            for i in 0..<count { theta[i] -= eta * (grad[i] + wd * theta[i]) }
        case .adam(let b1, let b2, let eps, let wd):
            precondition(count <= m.count)
            let t = Double(stepCount)
            let c1 = 1 / (1 - pow(b1, t)), c2 = 1 / (1 - pow(b2, t))
            for i in 0..<count {
                let gi = grad[i]
                m.p[i] = b1 * m.p[i] + (1 - b1) * gi
                v.p[i] = b2 * v.p[i] + (1 - b2) * gi * gi
                theta[i] -= eta * (m.p[i] * c1 / ((v.p[i] * c2).squareRoot() + eps) + wd * theta[i])
            }
        }
    }
}

extension GeneralTransformer {
    /// One update of every trained parameter from the last `lossAndGradient` (SGD skips a step whose
    /// gradient is exactly zero, as the papers' learners do; Adam always steps: its moments move).
    public func update(_ optimizer: FlatOptimizer, learningRate eta: Double) {
        if case .sgd(let wd) = optimizer.rule, wd == 0, activeCount == 0 { return }
        optimizer.step(parameters.p, grad: gradients.p, count: trainedCount, learningRate: eta)
    }

    /// An optimizer sized for this model.
    public func makeOptimizer(_ rule: FlatOptimizer.Rule) -> FlatOptimizer { FlatOptimizer(rule: rule, count: trainedCount) }

    /// One training iteration; returns the batch's mean loss before the step.
    @discardableResult
    public func trainStep(_ batch: TokenBatch, optimizer: FlatOptimizer, learningRate eta: Double, loss: Loss) -> Double {
        let l = lossAndGradient(batch, loss: loss)
        update(optimizer, learningRate: eta)
        return l
    }
}
