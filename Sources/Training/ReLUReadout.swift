import ProvableNumerics

/// ReLU perceptron readout with a fixed output layer, token-averaged (spec `lowrank-sparse.md` §3.1):
///   g_l = W_O h_l (m),  F = (1/L) Σ_l (a ⊙ mask)ᵀ ReLU(g_l).
/// W_O ∈ R^{m×m_a} (`wO`) is trained; a ∈ {±1/√m}^m is fixed; `mask` ∈ {0,1}^m prunes neurons
/// (rows of W_O) without touching W_O. `Scalar` is the working precision (W_O and dW_O stay Double).
public final class ReLUReadout<Scalar: BLASScalar> {
    public typealias Buf = ScalarBuffer<Scalar>
    public let m: Int, ma: Int
    public let capacity: Int, length: Int
    public var wO: Matrix
    public var dWO: Matrix
    public var a: [Double]
    public var mask: [Double]

    public let g: Buf  // n×m pre-activations of the last forward
    let aEff: Buf  // m: a ⊙ mask / L
    let tokenOut: Buf  // n: per-token readout aᵀReLU(g_l)/L
    let dG: Buf  // n×m (active tokens, packed)
    let hActive: Buf  // n×m_a (active tokens' h, packed)
    let wOt: Buf  // m_a×m: W_Oᵀ, refreshed every forward (G = H W_Oᵀ as a plain product)
    let wOc: Buf  // m×m_a: W_O in `Scalar` (dH = dG W_O), refreshed every forward
    let dWOs: Buf  // m×m_a: dW_O in `Scalar` before widening

    public init(m: Int, ma: Int, capacity: Int, length: Int, outputWeights a: [Double]) {
        precondition(a.count == m)
        self.m = m; self.ma = ma; self.capacity = capacity; self.length = length
        wO = Matrix(rows: m, cols: ma); dWO = Matrix(rows: m, cols: ma)
        self.a = a; mask = [Double](repeating: 1, count: m)
        let n = capacity * length
        g = Buf(n * m); aEff = Buf(m); tokenOut = Buf(n); dG = Buf(n * m); hActive = Buf(n * ma)
        wOt = Buf(ma * m); wOc = Buf(m * ma); dWOs = Buf(m * ma)
    }

    /// W_O entries i.i.d. N(0, sd²) from `rng` (ξ in the specs).
    public func initializeOutputMatrix(sd: Double, rng: inout RNG) {
        for i in 0..<wO.count { wO.storage[i] = sd * rng.gaussian() }
    }

    /// Rows of G per gemm: G = H W_Oᵀ is formed a few samples at a time (≈ 80 token rows), so each
    /// product takes OpenBLAS's small-matrix path (no packing, no separate zeroing of C) and the ReLU
    /// readout reads its rows while they are still in cache.
    static var chunkRows: Int { 80 }

    /// F_b for b < count into `out`, given H (n×m_a).
    public func forward(_ h: UnsafePointer<Scalar>, count B: Int, into out: UnsafeMutablePointer<Scalar>) {
        let L = length
        wO.transpose(into: wOt.p)
        wO.copy(into: wOc.p)
        for i in 0..<m { aEff.p[i] = Scalar(a[i] * mask[i] / Double(L)) }
        let perChunk = max(1, Self.chunkRows / L)
        var b0 = 0
        while b0 < B {
            let nb = min(perChunk, B - b0), t0 = b0 * L, rows = nb * L
            // g_l = W_O h_l for the chunk's tokens
            Scalar.gemm(.none, .none, m: rows, n: m, k: ma, alpha: 1, h + t0 * ma, lda: ma, wOt.p, ldb: m, beta: 0, g.p + t0 * m, ldc: m)
            // Per token: Σ_i aEff_i ReLU(g_i), then F_b = Σ_l over the sample's tokens.
            for t in t0..<(t0 + rows) { tokenOut.p[t] = Scalar.reluDot(g.p + t * m, aEff.p, count: m) }
            for b in b0..<(b0 + nb) {
                var s: Scalar = 0
                for l in 0..<L { s += tokenOut.p[b * L + l] }
                out[b] = s
            }
            b0 += nb
        }
    }

    /// Multiply-add flops (2 per product term) of `forward` on B samples: G = H W_Oᵀ and the readout.
    public func forwardFlops(count B: Int) -> Double { Double(B * length) * 2 * Double(m) * Double(ma + 1) }

    /// Multiply-add flops of `backward` on nA active samples: dW_O and dH.
    public func backwardFlops(active nA: Int) -> Double { Double(nA * length) * 4 * Double(m * ma) }

    /// Backward for the active samples with dℓ/dF coefficients `coef` (packed in `active` order).
    /// Sets dWO and writes ∂/∂h of the active tokens, packed, into `dH` (|active|·L × m_a).
    public func backward(
        _ h: UnsafePointer<Scalar>, active: UnsafeBufferPointer<Int>, coef: UnsafePointer<Scalar>,
        dH: UnsafeMutablePointer<Scalar>
    ) {
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
        Scalar.gemm(.transpose, .none, m: m, n: ma, k: nA, alpha: 1, dG.p, lda: m, hActive.p, ldb: ma, beta: 0, dWOs.p, ldc: ma)
        dWO.assign(from: dWOs.p)
        var r0 = 0
        while r0 < nA {  // in chunks, like the forward (small-matrix path)
            let rows = min(Self.chunkRows, nA - r0)
            Scalar.gemm(.none, .none, m: rows, n: ma, k: m, alpha: 1, dG.p + r0 * m, lda: m, wOc.p, ldb: ma, beta: 0, dH + r0 * ma, ldc: ma)
            r0 += rows
        }
    }
}

/// The fixed output layer a ∈ {±1/√m}^m shared by every paper: half +, half − (deterministic), or
/// i.i.d. random signs drawn from `rng`.
public func readoutOutputWeights(m: Int, randomSigns: Bool, rng: inout RNG) -> [Double] {
    let scale = 1 / Double(m).squareRoot()
    return (0..<m).map { i in randomSigns ? scale * rng.sign() : (i < m / 2 ? scale : -scale) }
}
