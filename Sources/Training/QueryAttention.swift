import ProvableNumerics

/// Softmax attention of one query per sequence over that sequence's context tokens, with its paired
/// backward pass — the ICL paper's attention (spec `icl.md` §3): only the prompt's last column (the
/// query) reads out, attending over the l context columns (optionally over itself too).
///
/// Legend: B sequences · L = l + 1 tokens per sequence (contexts, then the query last) · d token dim
///         m_b query/key dim · m_a value dim · W_Q, W_K ∈ R^{m_b×d} (`wQ`, `wK`), W_V ∈ R^{m_a×d} (`wV`)
/// Rows are tokens: X is (B·L)×d; the query rows are every L-th row (a strided matrix, lda = L·d).
///   q_b = W_Q x_query,  k_s = W_K x_s,  v_s = W_V x_s,  s_s = k_s·q_b (no temperature)
///   A_b = softmax over the keys s,  h_b = Σ_s A_s v_s  (one output row per sequence, B×m_a)
/// `Scalar` is the working precision (W_Q, W_K, W_V and their gradients stay Double; see `BLASScalar`).
public final class QueryAttention<Scalar: BLASScalar> {
    public typealias Buf = ScalarBuffer<Scalar>
    public let d: Int, mb: Int, ma: Int
    public let capacity: Int, length: Int
    /// Whether the query column is itself among the keys (spec A4; default: contexts only).
    public let includeQuery: Bool
    /// Number of keys per sequence.
    public var keys: Int { includeQuery ? length : length - 1 }

    public var wQ: Matrix, wK: Matrix, wV: Matrix
    public internal(set) var dWQ: Matrix, dWK: Matrix, dWV: Matrix

    public let q: Buf  // B×m_b
    /// Keys k_s = W_K x_s of every token, (B·L)×m_b: not formed by `forward` (see below); filled by
    /// `computeKeys` for measurements.
    public let k: Buf
    public let a: Buf  // B×L (first `keys` used): attention weights of the last forward
    /// Optional additive score bias, B×L (first `keys` used): relative positional encoding b[dist] of
    /// the graph paper, −∞ for padded keys. Set by the caller before `forward`.
    public var scoreBias: Buf?
    /// ∂loss/∂score of the active sequences of the last backward, packed |active|×L (first `keys`
    /// used): what a caller needs for the gradient of a score bias (db_z = Σ_{s: dist = z} dS_s).
    public let scoreGrad: Buf
    public let h: Buf  // B×m_a
    // Forward intermediates: q̃_b = W_Kᵀ q_b and x̄_b = Σ_s A_s x_s (B×d each).
    let qTilde: Buf, xBar: Buf
    // Backward scratch, packed over the active sequences.
    let u: Buf  // |active|×d: W_Vᵀ dh
    let dq: Buf, qActive: Buf  // |active|×m_b
    let xBarActive: Buf, xDot: Buf, xQuery: Buf  // |active|×d
    // Working copies of W_Q, W_K (m_b×d), W_V (m_a×d), refreshed every forward; gradients before widening.
    let wQc: Buf, wKc: Buf, wVc: Buf
    let dWs: Buf  // (2m_b + m_a)×d

    public init(d: Int, mb: Int, ma: Int, capacity: Int, length: Int, includeQuery: Bool, initScale delta: Double) {
        precondition(length >= (includeQuery ? 1 : 2), "a prompt needs at least one key")
        self.d = d; self.mb = mb; self.ma = ma; self.capacity = capacity; self.length = length
        self.includeQuery = includeQuery
        wQ = .identity(rows: mb, cols: d, scale: delta)
        wK = .identity(rows: mb, cols: d, scale: delta)
        wV = .identity(rows: ma, cols: d, scale: delta)
        dWQ = Matrix(rows: mb, cols: d); dWK = Matrix(rows: mb, cols: d); dWV = Matrix(rows: ma, cols: d)
        q = Buf(capacity * mb); k = Buf(capacity * length * mb)
        a = Buf(capacity * length); h = Buf(capacity * ma)
        scoreGrad = Buf(capacity * length)
        qTilde = Buf(capacity * d); xBar = Buf(capacity * d); u = Buf(capacity * d)
        dq = Buf(capacity * mb); qActive = Buf(capacity * mb)
        xBarActive = Buf(capacity * d); xDot = Buf(capacity * d); xQuery = Buf(capacity * d)
        wQc = Buf(mb * d); wKc = Buf(mb * d); wVc = Buf(ma * d); dWs = Buf((2 * mb + ma) * d)
    }

    /// Forward for `count` sequences whose tokens are the first count·L rows of x.
    ///
    /// Only one query per sequence reads out, so keys and values are never formed: the scores are
    /// s_s = (W_K x_s)·q_b = x_s·q̃_b with q̃_b = W_Kᵀ q_b, and the output is
    /// h_b = Σ_s A_s W_V x_s = W_V x̄_b with x̄_b = Σ_s A_s x_s. Per sequence that is two d-vector
    /// passes over its tokens instead of two (L×d)·(d×m) products: the same function, about
    /// L·m_b/(m_b + L) times fewer flops.
    public func forward(_ x: UnsafePointer<Scalar>, count B: Int) {
        precondition(B <= capacity)
        let L = length, nk = keys
        wQ.copy(into: wQc.p); wK.copy(into: wKc.p); wV.copy(into: wVc.p)
        // q = X_query W_Qᵀ: the strided matrix of every L-th row (lda = L·d); q̃ = q W_K.
        Scalar.gemm(.none, .transpose, m: B, n: mb, k: d, alpha: 1, x + (L - 1) * d, lda: L * d, wQc.p, ldb: d, beta: 0, q.p, ldc: mb)
        Scalar.gemm(.none, .none, m: B, n: d, k: mb, alpha: 1, q.p, lda: mb, wKc.p, ldb: d, beta: 0, qTilde.p, ldc: d)
        for b in 0..<B {
            let ab = a.p + b * L, xb = x + b * L * d, qt = qTilde.p + b * d, xbar = xBar.p + b * d
            // s_s = x_s·q̃_b over the keys (+ bias), softmax, x̄_b = Σ_s A_s x_s.
            for s in 0..<nk { ab[s] = Scalar.dotProduct(xb + s * d, qt, count: d) }
            if let bias = scoreBias { let bb = bias.p + b * L; for s in 0..<nk { ab[s] += bb[s] } }
            softmaxRows(ab, rows: 1, cols: nk)
            xbar.update(repeating: 0, count: d)
            for s in 0..<nk { Scalar.addScaled(ab[s], xb + s * d, to: xbar, count: d) }
        }
        // h = X̄ W_Vᵀ
        Scalar.gemm(.none, .transpose, m: B, n: ma, k: d, alpha: 1, xBar.p, lda: d, wVc.p, ldb: d, beta: 0, h.p, ldc: ma)
    }

    /// Multiply-add flops (2 per product term) of `forward` on B sequences: q, q̃, the scores, x̄, h.
    public func forwardFlops(count B: Int) -> Double {
        Double(B) * 2 * (Double(2 * mb * d) + Double(2 * keys * d) + Double(ma * d))
    }

    /// Multiply-add flops of `backward` on nA active sequences: U, dA, ẋ, dQ, dW_V, dW_K, dW_Q.
    public func backwardFlops(active nA: Int) -> Double {
        Double(nA) * 2 * (Double(ma * d) + Double(2 * keys * d) + Double(mb * d) + Double(ma * d) + Double(2 * mb * d))
    }

    /// k_s = W_K x_s for every token of `count` sequences into `k` (measurements; `forward` skips it).
    public func computeKeys(_ x: UnsafePointer<Scalar>, count B: Int) {
        precondition(B <= capacity)
        wK.copy(into: wKc.p)
        Scalar.gemm(.none, .transpose, m: B * length, n: mb, k: d, alpha: 1, x, lda: d, wKc.p, ldb: d, beta: 0, k.p, ldc: mb)
    }

    /// Backward for the active sequences `active` given ∂loss/∂h packed in `active` order (|active|×m_a).
    /// Sets dWQ, dWK, dWV (overwritten).
    ///
    /// Per sequence only d-vectors are formed (spec §3.1): with u = W_Vᵀ dh, dA_s = v_s·dh = x_s·u, the
    /// score gradient dS = A ⊙ (dA − A·dA), and ẋ = Σ_s dS_s x_s; the weight gradients are then
    /// gemms over the batch: dW_V = dHᵀ X̄, dW_K = Qᵀ Ẋ, dW_Q = dQᵀ X_query with dQ = Ẋ W_Kᵀ.
    public func backward(_ x: UnsafePointer<Scalar>, active: UnsafeBufferPointer<Int>, dH: UnsafePointer<Scalar>) {
        let L = length, nk = keys, nA = active.count
        if active.isEmpty { dWQ.fill(0); dWK.fill(0); dWV.fill(0); return }
        // U = dH W_V (|active|×d)
        Scalar.gemm(.none, .none, m: nA, n: d, k: ma, alpha: 1, dH, lda: ma, wVc.p, ldb: d, beta: 0, u.p, ldc: d)
        for j in 0..<nA {
            let b = active[j]
            let ab = a.p + b * L, xb = x + b * L * d, uj = u.p + j * d
            let ds = scoreGrad.p + j * L, xdot = xDot.p + j * d
            // dA_s = x_s·u ; dS = A ⊙ (dA − A·dA)
            var inner: Scalar = 0
            for s in 0..<nk { let da = Scalar.dotProduct(xb + s * d, uj, count: d); ds[s] = da; inner += ab[s] * da }
            for s in 0..<nk { ds[s] = ab[s] * (ds[s] - inner) }
            // ẋ_j = Σ_s dS_s x_s ; pack q_b, x̄_b and x_query
            xdot.update(repeating: 0, count: d)
            for s in 0..<nk { Scalar.addScaled(ds[s], xb + s * d, to: xdot, count: d) }
            (qActive.p + j * mb).update(from: q.p + b * mb, count: mb)
            (xBarActive.p + j * d).update(from: xBar.p + b * d, count: d)
            (xQuery.p + j * d).update(from: xb + (L - 1) * d, count: d)
        }
        // dQ = Ẋ W_Kᵀ (dq_j = W_K ẋ_j = Σ_s dS_s k_s)
        Scalar.gemm(.none, .transpose, m: nA, n: mb, k: d, alpha: 1, xDot.p, lda: d, wKc.p, ldb: d, beta: 0, dq.p, ldc: mb)
        let gQ = dWs.p, gK = dWs.p + mb * d, gV = dWs.p + 2 * mb * d
        Scalar.gemm(.transpose, .none, m: ma, n: d, k: nA, alpha: 1, dH, lda: ma, xBarActive.p, ldb: d, beta: 0, gV, ldc: d)
        Scalar.gemm(.transpose, .none, m: mb, n: d, k: nA, alpha: 1, qActive.p, lda: mb, xDot.p, ldb: d, beta: 0, gK, ldc: d)
        Scalar.gemm(.transpose, .none, m: mb, n: d, k: nA, alpha: 1, dq.p, lda: mb, xQuery.p, ldb: d, beta: 0, gQ, ldc: d)
        dWQ.assign(from: gQ); dWK.assign(from: gK); dWV.assign(from: gV)
    }
}
