import Numerics

/// Softmax attention of one query per sequence over that sequence's context tokens, with its paired
/// backward pass — the ICL paper's attention (spec `icl.md` §3): only the prompt's last column (the
/// query) reads out, attending over the l context columns (optionally over itself too).
///
/// Legend: B sequences · L = l + 1 tokens per sequence (contexts, then the query last) · d token dim
///         m_b query/key dim · m_a value dim · W_Q, W_K ∈ R^{m_b×d} (`wQ`, `wK`), W_V ∈ R^{m_a×d} (`wV`)
/// Rows are tokens: X is (B·L)×d; the query rows are every L-th row (a strided matrix, lda = L·d).
///   q_b = W_Q x_query,  k_s = W_K x_s,  v_s = W_V x_s,  s_s = k_s·q_b (no temperature)
///   A_b = softmax over the keys s,  h_b = Σ_s A_s v_s  (one output row per sequence, B×m_a)
public final class QueryAttention {
    public let d: Int, mb: Int, ma: Int
    public let capacity: Int, length: Int
    /// Whether the query column is itself among the keys (spec A4; default: contexts only).
    public let includeQuery: Bool
    /// Number of keys per sequence.
    public var keys: Int { includeQuery ? length : length - 1 }

    public var wQ: Matrix, wK: Matrix, wV: Matrix
    public internal(set) var dWQ: Matrix, dWK: Matrix, dWV: Matrix

    public let q: Buffer          // B×m_b
    public let k: Buffer, v: Buffer   // (B·L)×m_b, (B·L)×m_a (all tokens; the query row unused as key unless includeQuery)
    public let a: Buffer          // B×L (first `keys` used): attention weights of the last forward
    /// Optional additive score bias, B×L (first `keys` used): relative positional encoding b[dist] of
    /// the graph paper, −∞ for padded keys. Set by the caller before `forward`.
    public var scoreBias: Buffer?
    /// ∂loss/∂score of the active sequences of the last backward, packed |active|×L (first `keys`
    /// used): what a caller needs for the gradient of a score bias (db_z = Σ_{s: dist = z} dS_s).
    public let scoreGrad: Buffer
    public let h: Buffer          // B×m_a
    // Backward scratch, packed over the active sequences.
    let ds: Buffer                          // keys: score gradient of one sequence
    let dq: Buffer, qActive: Buffer         // |active|×m_b
    let xBar: Buffer, xDot: Buffer, xQuery: Buffer   // |active|×d

    public init(d: Int, mb: Int, ma: Int, capacity: Int, length: Int, includeQuery: Bool, initScale delta: Double) {
        precondition(length >= (includeQuery ? 1 : 2), "a prompt needs at least one key")
        self.d = d; self.mb = mb; self.ma = ma; self.capacity = capacity; self.length = length
        self.includeQuery = includeQuery
        wQ = .identity(rows: mb, cols: d, scale: delta)
        wK = .identity(rows: mb, cols: d, scale: delta)
        wV = .identity(rows: ma, cols: d, scale: delta)
        dWQ = Matrix(rows: mb, cols: d); dWK = Matrix(rows: mb, cols: d); dWV = Matrix(rows: ma, cols: d)
        let n = capacity * length
        q = Buffer(capacity * mb); k = Buffer(n * mb); v = Buffer(n * ma)
        a = Buffer(capacity * length); h = Buffer(capacity * ma)
        scoreGrad = Buffer(capacity * length)
        ds = Buffer(length); dq = Buffer(capacity * mb); qActive = Buffer(capacity * mb)
        xBar = Buffer(capacity * d); xDot = Buffer(capacity * d); xQuery = Buffer(capacity * d)
    }

    /// Forward for `count` sequences whose tokens are the first count·L rows of x.
    public func forward(_ x: UnsafePointer<Double>, count B: Int) {
        precondition(B <= capacity)
        let L = length, n = B * L, nk = keys
        // Queries: the strided matrix of every L-th row (lda = L·d).
        wQ.storage.withUnsafeBufferPointer { w in gemm(.none, .transpose, m: B, n: mb, k: d, alpha: 1, x + (L - 1) * d, lda: L * d, w.baseAddress!, ldb: d, beta: 0, q.p, ldc: mb) }
        wK.storage.withUnsafeBufferPointer { w in gemm(.none, .transpose, m: n, n: mb, k: d, alpha: 1, x, lda: d, w.baseAddress!, ldb: d, beta: 0, k.p, ldc: mb) }
        wV.storage.withUnsafeBufferPointer { w in gemm(.none, .transpose, m: n, n: ma, k: d, alpha: 1, x, lda: d, w.baseAddress!, ldb: d, beta: 0, v.p, ldc: ma) }
        for b in 0..<B {
            let ab = a.p + b * L
            // s = K_b q_b over the keys, softmax, h = V_bᵀ A_b.
            gemv(.none, m: nk, n: mb, alpha: 1, k.p + b * L * mb, lda: mb, q.p + b * mb, beta: 0, ab)
            if let bias = scoreBias { let bb = bias.p + b * L; for s in 0..<nk { ab[s] += bb[s] } }
            SoftmaxAttention.softmaxRows(ab, rows: 1, cols: nk)
            gemv(.transpose, m: nk, n: ma, alpha: 1, v.p + b * L * ma, lda: ma, ab, beta: 0, h.p + b * ma)
        }
    }

    /// Backward for the active sequences `active` given ∂loss/∂h packed in `active` order (|active|×m_a).
    /// Sets dWQ, dWK, dWV (overwritten).
    ///
    /// Per sequence only vectors are formed (spec §3.1): the attention-weighted input x̄ = Σ_s A_s x_s,
    /// the score gradient dS, and ẋ = Σ_s dS_s x_s; the weight gradients are then three gemms over the
    /// batch: dW_V = dHᵀ X̄, dW_K = Qᵀ Ẋ, dW_Q = dQᵀ X_query.
    public func backward(_ x: UnsafePointer<Double>, active: UnsafeBufferPointer<Int>, dH: UnsafePointer<Double>) {
        let L = length, nk = keys, nA = active.count
        if active.isEmpty { dWQ.fill(0); dWK.fill(0); dWV.fill(0); return }
        for (j, b) in active.enumerated() {
            let ab = a.p + b * L, dh = dH + j * ma
            let kb = k.p + b * L * mb, vb = v.p + b * L * ma, xb = x + b * L * d
            // dA_s = v_s·dh ; dS = A ⊙ (dA − A·dA)
            gemv(.none, m: nk, n: ma, alpha: 1, vb, lda: ma, dh, beta: 0, ds.p)
            var inner = 0.0
            for s in 0..<nk { inner += ab[s] * ds.p[s] }
            for s in 0..<nk { ds.p[s] = ab[s] * (ds.p[s] - inner) }
            (scoreGrad.p + j * L).update(from: ds.p, count: nk)
            // x̄_j = X_bᵀ A_b, ẋ_j = X_bᵀ dS, q_j = q_b (packed), x_query,j, dq_j = K_bᵀ dS
            gemv(.transpose, m: nk, n: d, alpha: 1, xb, lda: d, ab, beta: 0, xBar.p + j * d)
            gemv(.transpose, m: nk, n: d, alpha: 1, xb, lda: d, ds.p, beta: 0, xDot.p + j * d)
            gemv(.transpose, m: nk, n: mb, alpha: 1, kb, lda: mb, ds.p, beta: 0, dq.p + j * mb)
            (qActive.p + j * mb).update(from: q.p + b * mb, count: mb)
            (xQuery.p + j * d).update(from: xb + (L - 1) * d, count: d)
        }
        dWV.storage.withUnsafeMutableBufferPointer { g in gemm(.transpose, .none, m: ma, n: d, k: nA, alpha: 1, dH, lda: ma, xBar.p, ldb: d, beta: 0, g.baseAddress!, ldc: d) }
        dWK.storage.withUnsafeMutableBufferPointer { g in gemm(.transpose, .none, m: mb, n: d, k: nA, alpha: 1, qActive.p, lda: mb, xDot.p, ldb: d, beta: 0, g.baseAddress!, ldc: d) }
        dWQ.storage.withUnsafeMutableBufferPointer { g in gemm(.transpose, .none, m: mb, n: d, k: nA, alpha: 1, dq.p, lda: mb, xQuery.p, ldb: d, beta: 0, g.baseAddress!, ldc: d) }
    }
}
