import ProvableNumerics

/// Data model of the ICL paper (spec `icl.md` §2): binary tasks over in-domain-relevant (IDR)
/// patterns, prompts of (x_i, y_i) context pairs plus a query, and out-of-domain (OOD) shifts.
///
/// Symbols: d_X input dim · M1 IDR patterns μ_j (norm β) · M2 IDI patterns ν_k · d_Y label dim
/// (q = e_1 of the label block) · κ ~ U[−K, K] irrelevant coefficient · task (a, b): f(x) = +1 on μ_a,
/// −1 on μ_b, a fair random ±1 elsewhere · α: a context uses μ_a w.p. α/2, μ_b w.p. α/2, another IDR
/// pattern otherwise · l contexts, then the query [x_q; 0] as the last token; target z = f(x_q).
/// Each prompt is a sequence of l + 1 tokens in R^{d_X + d_Y}; `pattern[]` holds each token's
/// relevant-pattern index (for the same-pattern attention measurement).
public struct ICLPrompts: Sendable {
    public struct Config: Sendable, Equatable {
        public var dX = 30
        public var M1 = 6
        public var M2 = 24
        public var dY = 10
        public var beta = 1.0  // ‖μ_j‖ (spec A2; the slides use 1)
        public var kappa = 0.5  // K: κ ~ U[−K, K] per example
        public init() {}
        public var d: Int { dX + dY }

        public func problem() -> (key: String, message: String)? {
            if M1 < 3 { return ("M1", "M1 = \(M1): tasks need ≥ 3 IDR patterns (two task patterns plus others)") }
            if M2 < 1 { return ("M2", "M2 must be ≥ 1") }
            if M1 + M2 > dX { return ("d_X", "d_X = \(dX) must be ≥ M1 + M2 = \(M1 + M2): patterns are orthonormal in R^{d_X}") }
            if dY < 1 { return ("d_Y", "d_Y must be ≥ 1") }
            if beta <= 0 { return ("beta", "β must be > 0") }
            return nil
        }
    }

    /// An ordered pair (a, b) of distinct relevant-pattern indices: +1 on μ_a, −1 on μ_b.
    public struct Task: Hashable, Sendable {
        public var a: Int; public var b: Int
        public init(_ a: Int, _ b: Int) { self.a = a; self.b = b }
    }

    /// Training-task families (spec §2.2, T1a, A6).
    public enum TaskFamily: Sendable, Equatable {
        /// {(a, a+1 mod M1)}: M1 tasks covering every pattern once per role (the default).
        case ring
        /// A ring over patterns 0..<k only (patterns k..<M1 never appear in a task).
        case partialRing(Int)
        /// (0,1), (0,2), …, (0, M1−1): μ_0 is always positive.
        case star
        /// The single task (0, 1).
        case single
        /// All M1(M1 − 1) tasks.
        case all
        /// A union of r rings with distinct random offsets: r·M1 tasks, uniform coverage.
        case rings(Int)
        /// A uniformly random subset of the given size (no coverage guarantee).
        case random(Int)
    }

    /// OOD constructions of spec A3.
    public enum OODConstruction: String, Sendable, CaseIterable {
        /// μ'_j = S1 Σ_i C_{j,i} μ_i with C orthogonal, C1 = 1: coefficient sum S1, ‖μ'_j‖ = S1 (A3(b), default).
        case scaled
        /// M1' orthonormal ODR patterns with coefficient sum S1 each (A3(a); needs S1 ≤ √(M1/M1')).
        case unitNorm = "unit_norm"
    }

    /// Relevant and irrelevant pattern sets of a domain, rows in R^{d_X}.
    public struct Domain: Sendable {
        public var relevant: Matrix  // M1' × d_X
        public var irrelevant: Matrix  // M2' × d_X
        public var kappa: Double
        public var relevantCount: Int { relevant.rows }
    }

    public let config: Config
    public let inDomain: Domain

    public init(config: Config) {
        precondition(config.problem() == nil, config.problem().map { "\($0.key): \($0.message)" } ?? "")
        self.config = config
        // μ_j = β e_j, ν_k = e_{M1+k} (spec §2.1).
        var rel = Matrix(rows: config.M1, cols: config.dX)
        for j in 0..<config.M1 { rel[j, j] = config.beta }
        var irr = Matrix(rows: config.M2, cols: config.dX)
        for k in 0..<config.M2 { irr[k, config.M1 + k] = 1 }
        inDomain = Domain(relevant: rel, irrelevant: irr, kappa: config.kappa)
    }

    /// All M(M − 1) ordered pairs over M relevant patterns.
    public static func allTasks(_ M: Int) -> [Task] {
        (0..<M).flatMap { a in (0..<M).filter { $0 != a }.map { Task(a, $0) } }
    }

    public func tasks(_ family: TaskFamily, rng: inout RNG) -> [Task] {
        let M = config.M1
        switch family {
        case .ring: return (0..<M).map { Task($0, ($0 + 1) % M) }
        case .partialRing(let k): return (0..<k).map { Task($0, ($0 + 1) % k) }
        case .star: return (1..<M).map { Task(0, $0) }
        case .single: return [Task(0, 1)]
        case .all: return Self.allTasks(M)
        case .rings(let r):
            let offsets = rng.sample(r, from: M - 1).map { $0 + 1 }
            return offsets.flatMap { o in (0..<M).map { Task($0, ($0 + o) % M) } }
        case .random(let n):
            let all = Self.allTasks(M)
            return rng.sample(n, from: all.count).sorted().map { all[$0] }
        }
    }

    /// Tasks of T not in `training` (the unseen in-domain tasks of T1).
    public func unseenTasks(_ training: [Task]) -> [Task] {
        let seen = Set(training)
        return Self.allTasks(config.M1).filter { !seen.contains($0) }
    }

    // MARK: OOD (spec §2.1, A3)

    /// An OOD domain with coefficient sum S1: ODR patterns from `construction`, ODI patterns
    /// ν'_k = R ν_k for a random rotation R of the IDI span, κ' ~ U[−K, K].
    public func oodDomain(
        S1: Double, construction: OODConstruction, relevantCount M1p: Int? = nil,
        rng: inout RNG
    ) throws -> Domain {
        let M1 = config.M1, dX = config.dX
        let coef: Matrix  // M1' × M1 coefficients c_{j,i}
        switch construction {
        case .scaled:
            coef = S1 * (try Self.sumPreservingRotation(M1, rng: &rng))
        case .unitNorm:
            let m = M1p ?? M1 / 2
            coef = try Self.unitNormCoefficients(S1: S1, count: m, over: M1, rng: &rng)
        }
        // μ'_j = Σ_i c_{j,i} μ_i  (μ_i = β e_i)
        let rel = coef * inDomain.relevant.rows(0..<M1)
        var g = Matrix(rows: config.M2, cols: config.M2)
        for i in 0..<g.count { g.storage[i] = rng.gaussian() }
        let rot = try orthonormalColumns(g)  // M2 × M2
        let irr = rot.transposed * inDomain.irrelevant  // ν'_k = Σ_l R[l,k] ν_l
        precondition(rel.cols == dX && irr.cols == dX)
        return Domain(relevant: rel, irrelevant: irr, kappa: config.kappa)
    }

    /// C = 11ᵀ/M + U R Uᵀ: orthogonal, every row sums to 1 (U an orthonormal basis of 1^⊥, R random orthogonal).
    static func sumPreservingRotation(_ M: Int, rng: inout RNG) throws -> Matrix {
        let U = try onesComplementBasis(M, rng: &rng)  // M × (M−1)
        var g = Matrix(rows: M - 1, cols: M - 1)
        for i in 0..<g.count { g.storage[i] = rng.gaussian() }
        let R = try orthonormalColumns(g)
        var c = U * R * U.transposed
        for i in 0..<c.count { c.storage[i] += 1 / Double(M) }
        return c
    }

    /// A random orthonormal basis (columns) of the complement of 1 in R^M.
    static func onesComplementBasis(_ M: Int, rng: inout RNG) throws -> Matrix {
        var g = Matrix(rows: M, cols: M)
        for i in 0..<M { g[i, 0] = 1 }
        for i in 0..<M { for j in 1..<M { g[i, j] = rng.gaussian() } }
        return try orthonormalColumns(g).columns(1..<M)
    }

    /// A3(a): rows c_j = (S1/M)1 + w_j, w_j ⊥ 1, Gram(w) = I − (S1²/M)11ᵀ, so the c_j are orthonormal
    /// with coefficient sum S1. Built from a Cholesky factor of the Gram matrix and a random
    /// orthonormal basis of 1^⊥.
    static func unitNormCoefficients(S1: Double, count m: Int, over M: Int, rng: inout RNG) throws -> Matrix {
        guard m <= M - 1 else { throw ICLConstructionError("A3(a) needs M1' ≤ M1 − 1 (got \(m) of \(M))") }
        guard S1 * S1 <= Double(M) / Double(m) + 1e-12 else {
            throw ICLConstructionError("A3(a) needs S1 ≤ √(M1/M1') = \(Double(M / m).squareRoot()) (got S1 = \(S1))")
        }
        var G = Matrix.identity(rows: m, cols: m)
        for i in 0..<m { for j in 0..<m { G[i, j] -= S1 * S1 / Double(M) } }
        let L = choleskyLower(G)  // G = L Lᵀ (clamped at the singular edge)
        let U = try onesComplementBasis(M, rng: &rng).columns(0..<m)  // M × m, orthonormal, ⊥ 1
        let W = L * U.transposed  // rows w_j: W Wᵀ = L Lᵀ = G
        var c = W
        for i in 0..<c.count { c.storage[i] += S1 / Double(M) }
        return c
    }

    /// Lower Cholesky factor; non-positive pivots (the singular edge S1 = √(M1/M1')) are clamped to 0.
    static func choleskyLower(_ a: Matrix) -> Matrix {
        let n = a.rows
        var l = Matrix(rows: n, cols: n)
        for j in 0..<n {
            var s = a[j, j]
            for k in 0..<j { s -= l[j, k] * l[j, k] }
            let pivot = s > 1e-14 ? s.squareRoot() : 0
            l[j, j] = pivot
            for i in (j + 1)..<max(j + 1, n) {
                var t = a[i, j]
                for k in 0..<j { t -= l[i, k] * l[j, k] }
                l[i, j] = pivot > 0 ? t / pivot : 0
            }
        }
        return l
    }

    // MARK: prompts

    public enum Composition: String, Sendable, CaseIterable {
        /// Each context independently: μ_a w.p. α/2, μ_b w.p. α/2, else another pattern (spec §2.3).
        case probabilistic
        /// Exactly round(α·l) task contexts split evenly between a and b, the rest other patterns (A10).
        case exact
    }

    /// Fill every slot of `batch` (length l + 1, dimension d_X + d_Y) with prompts of tasks drawn
    /// uniformly from `tasks` over `domain`.
    public func fill(
        _ batch: inout TokenBatch, domain: Domain, tasks: [Task], alpha: Double,
        composition: Composition = .probabilistic, rng: inout RNG
    ) {
        precondition(batch.dimension == config.d && batch.length >= 1 && !tasks.isEmpty)
        batch.count = batch.capacity
        let L = batch.length, l = L - 1, d = config.d, dX = config.dX
        let M = domain.relevantCount, M2 = domain.irrelevant.rows
        // Work on the batch's arrays outside `batch` (swap, no copy), through raw pointers: no per-token
        // uniqueness checks in the loop.
        var storage: [Double] = [], patterns: [Int32] = [], labels: [Double] = []
        swap(&storage, &batch.x); swap(&patterns, &batch.pattern); swap(&labels, &batch.labels)
        defer { swap(&storage, &batch.x); swap(&patterns, &batch.pattern); swap(&labels, &batch.labels) }
        let capacity = batch.capacity, kappaScale = domain.kappa
        domain.relevant.storage.withUnsafeBufferPointer { Rb in
            domain.irrelevant.storage.withUnsafeBufferPointer { Ib in
                storage.withUnsafeMutableBufferPointer { Xb in
                    patterns.withUnsafeMutableBufferPointer { Pb in
                        labels.withUnsafeMutableBufferPointer { Yb in
                            let R = Rb.baseAddress!, I = Ib.baseAddress!, X = Xb.baseAddress!, P = Pb.baseAddress!, Y = Yb.baseAddress!
                            for b in 0..<capacity {
                                let task = tasks[rng.int(below: tasks.count)]
                                let base = b * L
                                var exactPlan: (nA: Int, nB: Int) = (0, 0)
                                if composition == .exact {
                                    let n = Int((alpha * Double(l)).rounded())
                                    exactPlan = ((n + rng.int(below: 2)) / 2, 0)
                                    exactPlan.nB = n - exactPlan.nA
                                }
                                for i in 0..<L {
                                    let p: Int, y: Double
                                    if i == l {
                                        // Query: μ_a or μ_b with probability ½ each (balanced z).
                                        let positive = rng.next() & 1 == 0
                                        p = positive ? task.a : task.b
                                        y = positive ? 1 : -1
                                        Y[b] = y
                                    } else {
                                        let role: Int  // 0 = a, 1 = b, 2 = other
                                        switch composition {
                                        case .probabilistic:
                                            let u = rng.uniform()
                                            role = u < alpha / 2 ? 0 : (u < alpha ? 1 : 2)
                                        case .exact:
                                            role = i < exactPlan.nA ? 0 : (i < exactPlan.nA + exactPlan.nB ? 1 : 2)
                                        }
                                        switch role {
                                        case 0: p = task.a; y = 1
                                        case 1: p = task.b; y = -1
                                        default:
                                            // Another relevant pattern, uniformly among the M − 2 non-task ones; random label.
                                            var o = rng.int(below: M - 2)
                                            if o >= min(task.a, task.b) { o += 1 }
                                            if o >= max(task.a, task.b) { o += 1 }
                                            p = o; y = rng.sign()
                                        }
                                    }
                                    P[base + i] = Int32(p)
                                    let row = X + (base + i) * d
                                    let k = rng.int(below: M2)
                                    let kappa = kappaScale * (2 * rng.uniform() - 1)
                                    let rp = R + p * dX, ip = I + k * dX
                                    for j in 0..<dX { row[j] = rp[j] + kappa * ip[j] }
                                    Self.zero(row + dX, count: d - dX)
                                    if i < l { row[dX] = y }  // label embedding y·q, q = e_1 of the label block; the query's slot is 0
                                }
                                if composition == .exact && l > 1 {
                                    // Shuffle the context positions (the query stays last).
                                    for i in stride(from: l - 1, to: 0, by: -1) {
                                        let j = rng.int(below: i + 1)
                                        if i != j { Self.swapTokens(X, P, base + i, base + j, d) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// p[0..<n] = 0 with vector stores: the label block of every token is a few doubles, and the
    /// memset call a plain loop compiles to cost more than the stores (≈ 1300 tokens per batch).
    @inline(__always)
    private static func zero(_ p: UnsafeMutablePointer<Double>, count n: Int) {
        var j = 0
        while j + 4 <= n { UnsafeMutableRawPointer(p + j).storeBytes(of: SIMD4<Double>(), as: SIMD4<Double>.self); j += 4 }
        while j < n { p[j] = 0; j += 1 }
    }

    private static func swapTokens(_ X: UnsafeMutablePointer<Double>, _ P: UnsafeMutablePointer<Int32>, _ r: Int, _ s: Int, _ d: Int) {
        for j in 0..<d { let t = X[r * d + j]; X[r * d + j] = X[s * d + j]; X[s * d + j] = t }
        let t = P[r]; P[r] = P[s]; P[s] = t
    }

    /// A new prompt set of n prompts with l contexts.
    public func prompts(
        _ n: Int, contexts l: Int, domain: Domain, tasks: [Task], alpha: Double,
        composition: Composition = .probabilistic, rng: inout RNG
    ) -> TokenBatch {
        var batch = TokenBatch(capacity: n, length: l + 1, dimension: config.d)
        fill(&batch, domain: domain, tasks: tasks, alpha: alpha, composition: composition, rng: &rng)
        return batch
    }
}

public struct ICLConstructionError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
