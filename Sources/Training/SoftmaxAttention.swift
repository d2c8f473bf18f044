import ProvableNumerics

/// One-layer softmax self-attention over token sequences, with its paired backward pass.
///
/// Legend (spec `lowrank-sparse.md` §3.2; shared by the ICL and graph papers):
///   B  samples in the batch           L  tokens per sample        n = B·L token rows
///   d  token dimension                m_b query/key dim           m_a value dim
///   W_Q, W_K ∈ R^{m_b×d} (`wQ`, `wK`),  W_V ∈ R^{m_a×d} (`wV`)
/// Rows are tokens: X is n×d, Q = X W_Qᵀ, K = X W_Kᵀ (n×m_b), V = X W_Vᵀ (n×m_a).
/// Per sample, scores S[l,s] = q_l·k_s (query l, key s), A = row-softmax(S) (normalized over keys s,
/// no 1/√m_b temperature), H = A V (n×m_a): h_l = Σ_s A[l,s] v_s.
/// `Scalar` is the working precision of activations and products; W_Q, W_K, W_V and their gradients
/// are Double master copies (working copies are refreshed every forward; see `BLASScalar`).
public final class SoftmaxAttention<Scalar: BLASScalar> {
    public typealias Buf = ScalarBuffer<Scalar>
    public let d: Int, mb: Int, ma: Int
    public let capacity: Int, length: Int

    public var wQ: Matrix, wK: Matrix, wV: Matrix
    public internal(set) var dWQ: Matrix, dWK: Matrix, dWV: Matrix

    // Activations of the last forward (rows = tokens of the whole batch).
    public let q: Buf, v: Buf  // n×m_b, n×m_a
    /// Keys stored transposed, Kᵀ = W_K Xᵀ (m_b × capacity·L): sample b's block Kᵀ_b is columns
    /// b·L ..< (b+1)·L, so S_b = Q_b Kᵀ_b is a plain (non-transposed) product, OpenBLAS's fastest small case.
    public let kT: Buf
    var kStride: Int { capacity * length }
    public let a: Buf  // B × L × L (per sample, row = query)
    public let h: Buf  // n×m_a
    /// Optional additive score bias, B × L × L (e.g. the graph paper's relative positional encoding).
    public var scoreBias: Buf?
    // Backward scratch (compact: only active samples).
    let dq: Buf, dk: Buf, dv: Buf  // n×m_b, n×m_b, n×m_a
    let dS: Buf  // L×L
    let xActive: Buf  // n×d: inputs of the active samples, packed
    let wQt: Buf, wVt: Buf, wKc: Buf  // d×m_b, d×m_a, m_b×d: W_Qᵀ, W_Vᵀ, W_K, refreshed every forward
    let dWs: Buf  // (2m_b + m_a)×d: dW_Q, dW_K, dW_V in `Scalar` before widening

    public init(d: Int, mb: Int, ma: Int, capacity: Int, length: Int, initScale delta: Double) {
        self.d = d; self.mb = mb; self.ma = ma; self.capacity = capacity; self.length = length
        // Scaled (rectangular) identity δ·I: the ICL'24 initialization the spec adopts (§3.1).
        wQ = .identity(rows: mb, cols: d, scale: delta)
        wK = .identity(rows: mb, cols: d, scale: delta)
        wV = .identity(rows: ma, cols: d, scale: delta)
        dWQ = Matrix(rows: mb, cols: d); dWK = Matrix(rows: mb, cols: d); dWV = Matrix(rows: ma, cols: d)
        let n = capacity * length
        q = Buf(n * mb); kT = Buf(n * mb); v = Buf(n * ma)
        a = Buf(capacity * length * length); h = Buf(n * ma)
        dq = Buf(n * mb); dk = Buf(n * mb); dv = Buf(n * ma)
        dS = Buf(length * length); xActive = Buf(n * d)
        wQt = Buf(d * mb); wVt = Buf(d * ma); wKc = Buf(mb * d)
        dWs = Buf((2 * mb + ma) * d)
    }

    /// Forward for `count` samples whose tokens are the first count·L rows of x (n×d).
    public func forward(_ x: UnsafePointer<Scalar>, count B: Int) {
        precondition(B <= capacity)
        let n = B * length, L = length
        // Q = X W_Qᵀ, V = X W_Vᵀ as plain products with transposed copies (OpenBLAS's faster case), Kᵀ = W_K Xᵀ.
        wQ.transpose(into: wQt.p)
        wV.transpose(into: wVt.p)
        wK.copy(into: wKc.p)
        Scalar.gemm(.none, .none, m: n, n: mb, k: d, alpha: 1, x, lda: d, wQt.p, ldb: mb, beta: 0, q.p, ldc: mb)
        Scalar.gemm(.none, .transpose, m: mb, n: n, k: d, alpha: 1, wKc.p, lda: d, x, ldb: d, beta: 0, kT.p, ldc: kStride)
        Scalar.gemm(.none, .none, m: n, n: ma, k: d, alpha: 1, x, lda: d, wVt.p, ldb: ma, beta: 0, v.p, ldc: ma)
        for b in 0..<B {
            let qb = q.p + b * L * mb, kTb = kT.p + b * L, vb = v.p + b * L * ma
            let ab = a.p + b * L * L
            // S = Q_b K_bᵀ (L×L, row = query l, column = key s)
            Scalar.gemm(.none, .none, m: L, n: L, k: mb, alpha: 1, qb, lda: mb, kTb, ldb: kStride, beta: 0, ab, ldc: L)
            if let bias = scoreBias {
                let bb = bias.p + b * L * L
                for i in 0..<(L * L) { ab[i] += bb[i] }
            }
            softmaxRows(ab, rows: L, cols: L)
            // H_b = A_b V_b
            Scalar.gemm(.none, .none, m: L, n: ma, k: L, alpha: 1, ab, lda: L, vb, ldb: ma, beta: 0, h.p + b * L * ma, ldc: ma)
        }
    }

    /// Backward for the active samples `active` (indices into the last forward's batch).
    /// `dH` holds ∂loss/∂h for those samples' tokens, packed in `active` order (|active|·L × m_a).
    /// Sets dWQ, dWK, dWV (overwritten, not accumulated). With `needInputGrad` = false (always here:
    /// tokens are data), no ∂/∂x is formed.
    public func backward(_ x: UnsafePointer<Scalar>, active: UnsafeBufferPointer<Int>, dH: UnsafePointer<Scalar>) {
        let L = length, nA = active.count * L
        if active.isEmpty { dWQ.fill(0); dWK.fill(0); dWV.fill(0); return }
        for (j, b) in active.enumerated() {
            let ab = a.p + b * L * L
            let qb = q.p + b * L * mb, kTb = kT.p + b * L, vb = v.p + b * L * ma
            let dHj = dH + j * L * ma
            // Pack this sample's inputs for the weight gradients below.
            (xActive.p + j * L * d).update(from: x + b * L * d, count: L * d)
            // dV_b = A_bᵀ dH_b : dv_s = Σ_l A[l,s] dh_l
            Scalar.gemm(.transpose, .none, m: L, n: ma, k: L, alpha: 1, ab, lda: L, dHj, ldb: ma, beta: 0, dv.p + j * L * ma, ldc: ma)
            // dA = dH_b V_bᵀ : dA[l,s] = dh_l · v_s
            Scalar.gemm(.none, .transpose, m: L, n: L, k: ma, alpha: 1, dHj, lda: ma, vb, ldb: ma, beta: 0, dS.p, ldc: L)
            // Softmax backward per query row: dS[l,s] = A[l,s] (dA[l,s] − Σ_s' A[l,s'] dA[l,s'])
            for l in 0..<L {
                let ar = ab + l * L, dr = dS.p + l * L
                var inner: Scalar = 0
                for s in 0..<L { inner += ar[s] * dr[s] }
                for s in 0..<L { dr[s] = ar[s] * (dr[s] - inner) }
            }
            // dQ_b = dS K_b ; dK_b = dSᵀ Q_b
            Scalar.gemm(.none, .transpose, m: L, n: mb, k: L, alpha: 1, dS.p, lda: L, kTb, ldb: kStride, beta: 0, dq.p + j * L * mb, ldc: mb)
            Scalar.gemm(.transpose, .none, m: L, n: mb, k: L, alpha: 1, dS.p, lda: L, qb, ldb: mb, beta: 0, dk.p + j * L * mb, ldc: mb)
        }
        // Weight gradients over all active tokens at once: dW = dYᵀ X (in `Scalar`, then widened).
        let gQ = dWs.p, gK = dWs.p + mb * d, gV = dWs.p + 2 * mb * d
        Scalar.gemm(.transpose, .none, m: mb, n: d, k: nA, alpha: 1, dq.p, lda: mb, xActive.p, ldb: d, beta: 0, gQ, ldc: d)
        Scalar.gemm(.transpose, .none, m: mb, n: d, k: nA, alpha: 1, dk.p, lda: mb, xActive.p, ldb: d, beta: 0, gK, ldc: d)
        Scalar.gemm(.transpose, .none, m: ma, n: d, k: nA, alpha: 1, dv.p, lda: ma, xActive.p, ldb: d, beta: 0, gV, ldc: d)
        dWQ.assign(from: gQ); dWK.assign(from: gK); dWV.assign(from: gV)
    }

    /// Multiply-add flops (2 per product term) of `forward` on B samples: Q, Kᵀ, V, then S_b and A_b V_b.
    public func forwardFlops(count B: Int) -> Double {
        let n = Double(B * length), L = Double(length)
        return 2 * n * Double(d) * Double(2 * mb + ma) + Double(B) * 2 * L * L * Double(mb + ma)
    }

    /// Multiply-add flops of `backward` on nA active samples: dV_b, dA, dQ_b, dK_b, then dW_Q, dW_K, dW_V.
    public func backwardFlops(active nA: Int) -> Double {
        let L = Double(length), nAL = Double(nA * length)
        return Double(nA) * 2 * L * L * Double(2 * ma + 2 * mb) + 2 * nAL * Double(d) * Double(2 * mb + ma)
    }

    /// Attention row of query l in sample b (length L), from the last forward.
    public func attentionRow(sample b: Int, query l: Int) -> UnsafeBufferPointer<Scalar> {
        UnsafeBufferPointer(start: a.p + (b * length + l) * length, count: length)
    }
}
