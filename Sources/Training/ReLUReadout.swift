import Numerics

/// ReLU perceptron readout with a fixed output layer, token-averaged (spec `lowrank-sparse.md` §3.1):
///   g_l = W_O h_l (m),  F = (1/L) Σ_l (a ⊙ mask)ᵀ ReLU(g_l).
/// W_O ∈ R^{m×m_a} (`wO`) is trained; a ∈ {±1/√m}^m is fixed; `mask` ∈ {0,1}^m prunes neurons
/// (rows of W_O) without touching W_O.
public final class ReLUReadout {
    public let m: Int, ma: Int
    public let capacity: Int, length: Int
    public var wO: Matrix
    public var dWO: Matrix
    public var a: [Double]
    public var mask: [Double]

    public let g: Buffer          // n×m pre-activations of the last forward
    let aEff: Buffer              // m: a ⊙ mask / L
    let tokenOut: Buffer          // n: per-token readout aᵀReLU(g_l)/L
    let dG: Buffer                // n×m (active tokens, packed)
    let hActive: Buffer           // n×m_a (active tokens' h, packed)

    public init(m: Int, ma: Int, capacity: Int, length: Int, outputWeights a: [Double]) {
        precondition(a.count == m)
        self.m = m; self.ma = ma; self.capacity = capacity; self.length = length
        wO = Matrix(rows: m, cols: ma); dWO = Matrix(rows: m, cols: ma)
        self.a = a; mask = [Double](repeating: 1, count: m)
        let n = capacity * length
        g = Buffer(n * m); aEff = Buffer(m); tokenOut = Buffer(n); dG = Buffer(n * m); hActive = Buffer(n * ma)
    }

    /// The fixed output layer a ∈ {±1/√m}^m shared by every paper: half +, half − (deterministic), or
    /// i.i.d. random signs drawn from `rng`.
    public static func outputWeights(m: Int, randomSigns: Bool, rng: inout RNG) -> [Double] {
        let scale = 1 / Double(m).squareRoot()
        return (0..<m).map { i in randomSigns ? scale * rng.sign() : (i < m / 2 ? scale : -scale) }
    }

    /// W_O entries i.i.d. N(0, sd²) from `rng` (ξ in the specs).
    public func initializeOutputMatrix(sd: Double, rng: inout RNG) {
        for i in 0..<wO.count { wO.storage[i] = sd * rng.gaussian() }
    }

    /// F_b for b < count into `out`, given H (n×m_a).
    public func forward(_ h: UnsafePointer<Double>, count B: Int, into out: UnsafeMutablePointer<Double>) {
        let n = B * length, L = Double(length)
        wO.storage.withUnsafeBufferPointer { w in
            gemm(.none, .transpose, m: n, n: m, k: ma, alpha: 1, h, lda: ma, w.baseAddress!, ldb: ma, beta: 0, g.p, ldc: m)
        }
        for i in 0..<m { aEff.p[i] = a[i] * mask[i] / L }
        // Per token: Σ_i aEff_i ReLU(g_i). A fused loop beats ReLU-then-gemv (one pass over G).
        for t in 0..<n {
            let row = g.p + t * m
            var s = 0.0
            for i in 0..<m { s += aEff.p[i] * max(row[i], 0) }   // branch-free: vectorizes
            tokenOut.p[t] = s
        }
        for b in 0..<B {
            var s = 0.0
            for l in 0..<length { s += tokenOut.p[b * length + l] }
            out[b] = s
        }
    }

    /// Backward for the active samples with dℓ/dF coefficients `coef` (packed in `active` order).
    /// Sets dWO and writes ∂/∂h of the active tokens, packed, into `dH` (|active|·L × m_a).
    public func backward(_ h: UnsafePointer<Double>, active: UnsafeBufferPointer<Int>, coef: UnsafePointer<Double>,
                         dH: UnsafeMutablePointer<Double>) {
        let L = length, nA = active.count * L
        if active.isEmpty { dWO.fill(0); return }
        for (j, b) in active.enumerated() {
            let c = coef[j]
            for l in 0..<L {
                let src = g.p + (b * L + l) * m, dst = dG.p + (j * L + l) * m
                // dg_l = c · (a ⊙ mask / L) ⊙ 1[g_l > 0]
                for i in 0..<m { dst[i] = src[i] > 0 ? c * aEff.p[i] : 0 }
            }
            (hActive.p + j * L * ma).update(from: h + b * L * ma, count: L * ma)
        }
        // dW_O = dGᵀ H ; dH = dG W_O
        dWO.storage.withUnsafeMutableBufferPointer { gw in
            gemm(.transpose, .none, m: m, n: ma, k: nA, alpha: 1, dG.p, lda: m, hActive.p, ldb: ma, beta: 0, gw.baseAddress!, ldc: ma)
        }
        wO.storage.withUnsafeBufferPointer { w in
            gemm(.none, .none, m: nA, n: ma, k: m, alpha: 1, dG.p, lda: m, w.baseAddress!, ldb: ma, beta: 0, dH, ldc: ma)
        }
    }
}
