import Foundation
import ProvableNumerics
import DataModels

/// The learner of the MoE expert-pruning paper (spec `moe-pruning.md` §3): one sparse MoE layer of k
/// two-layer ReLU experts with trainable routers and fixed ±1/m output weights, scalar output.
///
///   expert choice (§3.1):  f(x) = Σ_{s alive} Σ_{j ∈ J_s(x)} G_{s,j} · h_s(x^(j))
///        J_s = the l tokens with the largest r_{s,j} = ⟨w_s, x^(j)⟩ (ties: lowest token index),
///        G_{s,j} = softmax of r_{s,·} over J_s
///   token choice (§3.3):   f(x) = Σ_j Σ_{s ∈ E_j, alive} π_{j,s} · h_s(x^(j))
///        π_{j,·} = softmax of r_{·,j} over all experts ("drop") or the alive ones ("reroute"),
///        E_j = the K experts with the largest r_{s,j} in that domain (ties: lowest expert index)
///   h_s(v) = Σ_r a_r ReLU(⟨w_{s,r}, v⟩),  a_r = +1/m for r < m/2, −1/m otherwise (never trained)
///
/// Legend: B samples per batch (≤ capacity) · n tokens per sample · d token dim · k experts
///         m hidden neurons per expert · l tokens per expert (expert choice) · K experts per token
///         t = b·n + j: token j of sample b, row t of X ((B·n)×d) · "entry" = one (expert, token) pair
///         that the routing dispatched, with its gate G (or π)
///   w_s     ↔ routers row s           (k×d)       w_{s,r} ↔ experts row s·m + r   ((k·m)×d)
///   a_r     ↔ a                       (m)         r_{s,j} ↔ scores[t·k + s]       ((B·n)×k)
///   π_{j,s} ↔ probs[t·k + s]          (token choice only)
///   alive   ↔ alive[s] (pruning mask) η_e, η_r ↔ the two learning rates of `sgdStep`
///
/// A pruned expert (alive[s] = false) contributes nothing and gets no gradient. In expert choice
/// this removes exactly its term from f. In token choice, "drop" (the official code) keeps its
/// router in the softmax and top-K — a token it wins gets 0 from it — while "reroute" removes it
/// from the routing domain. The top-l / top-K selection is piecewise constant: no gradient flows
/// through the argmax; ReLU′(0) = 0.
///
/// Beyond the theorem (experiment `moe.relax`), three options, each off by default; off, every
/// number of the theory's learner is unchanged (the fixtures moe_expert/moe_token):
///   `trainableOutput`  a_{s,r} ↔ outputWeights row s (k×m), one output layer per expert, starting at
///                      the theory's ±1/m and trained with η_e (the theory fixes a_r)
///   `routerHidden` = k_r > 0   r_{s,j} = ⟨w_s, ReLU(U x^(j))⟩: a ReLU-MLP router, shared hidden
///                      layer U ↔ routerTrunk (k_r×d) trained with η_r, per-expert heads w_s ∈ R^{k_r}
///                      ↔ routers row s (k×k_r); Δ_s then reads the head w_s, the per-expert column
///                      the official code reads in V-MoE's router kernel
///   `update = .adamW`  AdamW (FlatOptimizer's formulas) on every trained block at one step size,
///                      instead of plain SGD with η_e, η_r
public final class SparseMoE {
    public enum Routing: String, Sendable, CaseIterable {
        case expertChoice = "expert_choice"
        case tokenChoice = "token_choice"
    }
    public enum PrunedSemantics: String, Sendable, CaseIterable { case drop, reroute }

    /// The update rule of `trainStep`.
    public enum Update: Sendable, Equatable {
        /// The theory's plain SGD: η_e on the experts (and on a_{s,r} when trained), η_r on the
        /// routers (and on U).
        case sgd
        /// AdamW (β₁ = 0.9, β₂ = 0.999, ε = 1e-8, decoupled decay λ; `FlatOptimizer`) with one step
        /// size for every parameter: the two SGD rates of `trainStep` are not used. It steps on every
        /// batch, also one whose hinge gradient is exactly zero (its moments still move).
        case adamW(learningRate: Double, weightDecay: Double)
    }

    public struct Config: Sendable, Equatable {
        public var d = 100
        public var n = 16
        public var k = 8
        public var m = 10  // 10 hidden neurons: enough to learn ±o per expert (spec Calib)
        public var l = 2  // tokens per expert: one feature token + one background
        public var K = 2  // experts per token (token choice; V-MoE uses 2)
        public var routing = Routing.expertChoice
        public var pruned = PrunedSemantics.drop
        public var batchCapacity = 16
        /// Train a_{s,r} too, one output layer per expert (relaxation `trainable_output`; off: the
        /// theory's fixed a_r = ±1/m).
        public var trainableOutput = false
        /// Hidden width k_r of a ReLU router (relaxation `router_hidden`); 0: the theory's linear router.
        public var routerHidden = 0
        public var update = Update.sgd
        public init() {}

        /// Columns of the router matrix (the heads w_s): k_r with a hidden router, else d.
        public var routerInputs: Int { routerHidden > 0 ? routerHidden : d }

        /// Entries per expert the dispatch buffers hold: B·l in expert choice, up to B·n in token choice.
        var entryCapacity: Int { routing == .expertChoice ? batchCapacity * l : batchCapacity * n }
    }

    /// The trained parameters (for Δ_s = ‖w_s^(T)‖ − ‖w_s^(0)‖, restore and post-pruning copies).
    public struct Weights: Sendable, Equatable {
        public var routers: Matrix  // k×d (k×k_r with a hidden router)
        public var experts: Matrix  // (k·m)×d
        /// a_{s,r} (k×m) when trained (`trainableOutput`), else nil.
        public var outputWeights: Matrix?
        /// U (k_r×d) of a hidden-layer router, else nil.
        public var routerTrunk: Matrix?
        public init(routers: Matrix, experts: Matrix, outputWeights: Matrix? = nil, routerTrunk: Matrix? = nil) {
            self.routers = routers; self.experts = experts; self.outputWeights = outputWeights; self.routerTrunk = routerTrunk
        }
    }

    public let config: Config
    public var routers: Matrix  // k×d (heads: k×k_r with a hidden router)
    public var experts: Matrix  // (k·m)×d
    public var dRouters: Matrix  // k×d (k×k_r)
    public var dExperts: Matrix  // (k·m)×d
    public let a: [Double]  // m, fixed
    public var alive: [Bool]  // k
    /// a_{s,r} (k×m): every row is `a` unless `trainableOutput` trains it. The forward reads this, so
    /// with fixed a every product is a_r·ReLU(z) as before.
    public var outputWeights: Matrix
    public var dOutputWeights: Matrix  // k×m (trainableOutput only)
    /// U (k_r×d), the hidden layer of a ReLU router; 0×d for the linear router.
    public var routerTrunk: Matrix
    public var dRouterTrunk: Matrix  // k_r×d
    let routerPre: Buffer  // (cap·n)×k_r: U x^(j)
    let routerAct: Buffer  // (cap·n)×k_r: ReLU(U x^(j)), the heads' input
    let routerDPre: Buffer  // (cap·n)×k_r: ∂ℓ/∂(U x^(j))
    /// AdamW moments per block (experts, routers, then a and U when trained); empty under SGD.
    let optimizers: [FlatOptimizer]

    public let scores: Buffer  // (cap·n)×k   r_{s,j}
    public let probs: Buffer  // (cap·n)×k   π_{j,s} (token choice)
    public let expertOut: Buffer  // cap×k       Σ_{entries of (b,s)} G·h  (expert s's term of f_b)
    public let outputs: Buffer  // cap         f_b
    public let entryRow: UnsafeMutablePointer<Int32>  // k × entryCap: token row t of each entry
    public let entryGate: Buffer  // k × entryCap: G_{s,j} (expert choice) or π_{j,s} (token choice)
    public let entryH: Buffer  // k × entryCap: h_s(x^(j))
    public private(set) var entryCount: [Int]  // k
    let xg: Buffer  // k × entryCap × d: gathered token rows per expert
    let z: Buffer  // k × entryCap × m: pre-activations ⟨w_{s,r}, x^(j)⟩
    let dz: Buffer  // entryCap × m: ∂ℓ/∂z for one expert
    let routerCoef: Buffer  // (cap·n)×k: ∂ℓ/∂r_{s,j}
    let tokenMix: Buffer  // cap·n: Σ_{s ∈ E_j alive} π_{j,s} h_{s,j} (token choice)
    let coef: Buffer  // cap: ∂ℓ/∂f_b / B
    let taken: UnsafeMutablePointer<Bool>  // max(n, k): selection scratch
    let picked: UnsafeMutablePointer<Int>  // max(l, K): selection scratch
    public private(set) var activeSampleCount = 0
    /// Samples in the last `lossAndGradient` batch.
    public private(set) var lastBatchCount = 0
    let entryCap: Int

    /// A model holding `state`'s weights (all experts alive). With a hidden-layer router
    /// (`routerHidden` = k_r > 0) `state.routers` holds the heads (k×k_r) and `routerTrunk` U (k_r×d).
    public init(config: Config, state: MoECheckpoint, routerTrunk: Matrix? = nil) {
        precondition(state.routers.rows == config.k && state.routers.cols == config.routerInputs, "router shape ≠ k×\(config.routerInputs)")
        precondition(
            config.routerHidden == 0 ? routerTrunk == nil : routerTrunk?.rows == config.routerHidden && routerTrunk?.cols == config.d,
            "a hidden-layer router needs its trunk U (k_r×d), a linear router none")
        precondition(state.experts.rows == config.k * config.m && state.experts.cols == config.d, "expert shape ≠ (k·m)×d")
        precondition(config.l <= config.n && config.K <= config.k && config.m % 2 == 0, "need l ≤ n, K ≤ k, even m")
        self.config = config
        let c = config, cap = c.batchCapacity
        routers = state.routers; experts = state.experts
        dRouters = Matrix(rows: c.k, cols: c.routerInputs); dExperts = Matrix(rows: c.k * c.m, cols: c.d)
        let fixedA = (0..<c.m).map { $0 < c.m / 2 ? 1 / Double(c.m) : -1 / Double(c.m) }
        a = fixedA
        alive = [Bool](repeating: true, count: c.k)
        entryCap = c.entryCapacity
        scores = Buffer(cap * c.n * c.k); probs = Buffer(cap * c.n * c.k)
        expertOut = Buffer(cap * c.k); outputs = Buffer(cap)
        entryRow = .allocate(capacity: c.k * entryCap); entryRow.initialize(repeating: 0, count: c.k * entryCap)
        entryGate = Buffer(c.k * entryCap); entryH = Buffer(c.k * entryCap)
        entryCount = [Int](repeating: 0, count: c.k)
        xg = Buffer(c.k * entryCap * c.d); z = Buffer(c.k * entryCap * c.m); dz = Buffer(entryCap * c.m)
        routerCoef = Buffer(cap * c.n * c.k); tokenMix = Buffer(cap * c.n); coef = Buffer(cap)
        taken = .allocate(capacity: max(c.n, c.k)); taken.initialize(repeating: false, count: max(c.n, c.k))
        picked = .allocate(capacity: max(c.l, c.K)); picked.initialize(repeating: 0, count: max(c.l, c.K))
        outputWeights = Matrix(rows: c.k, cols: c.m, storage: Array((0..<c.k).map { _ in fixedA }.joined()))
        dOutputWeights = Matrix(rows: c.k, cols: c.m)
        let kr = c.routerHidden
        self.routerTrunk = routerTrunk ?? Matrix(rows: 0, cols: c.d)
        dRouterTrunk = Matrix(rows: kr, cols: c.d)
        routerPre = Buffer(cap * c.n * kr); routerAct = Buffer(cap * c.n * kr); routerDPre = Buffer(cap * c.n * kr)
        if case .adamW(_, let wd) = c.update {
            var counts = [c.k * c.m * c.d, c.k * c.routerInputs]
            if c.trainableOutput { counts.append(c.k * c.m) }
            if kr > 0 { counts.append(kr * c.d) }
            optimizers = counts.map { FlatOptimizer(rule: .adamW(weightDecay: wd), count: $0) }
        } else {
            optimizers = []
        }
    }
    deinit { entryRow.deallocate(); taken.deallocate(); picked.deallocate() }

    public var weights: Weights {
        get {
            Weights(
                routers: routers, experts: experts, outputWeights: config.trainableOutput ? outputWeights : nil,
                routerTrunk: config.routerHidden > 0 ? routerTrunk : nil)
        }
        set {
            routers = newValue.routers; experts = newValue.experts
            if let o = newValue.outputWeights { outputWeights = o }
            if let u = newValue.routerTrunk { routerTrunk = u }
        }
    }

    /// A fresh model (own buffers, fresh AdamW moments) with this one's config, weights and alive
    /// mask; `capacity` overrides the batch capacity (evaluation in bigger chunks).
    public func copy(capacity: Int? = nil) -> SparseMoE {
        var c = config
        if let cap = capacity { c.batchCapacity = cap }
        let other = SparseMoE(
            config: c,
            state: MoECheckpoint(
                routers: routers, experts: experts,
                important: alive, feature: alive.map { _ in -1 }),
            routerTrunk: config.routerHidden > 0 ? routerTrunk : nil)
        other.alive = alive
        other.outputWeights = outputWeights
        return other
    }

    // MARK: routing — forward only (the selection is piecewise constant)

    /// Top-q of `count` values v(i) among `allowed` indices, descending, ties → lowest index; into `picked`.
    @inline(__always)
    private func selectTop(_ q: Int, count: Int, allowed: (Int) -> Bool, value: (Int) -> Double) -> Int {
        for i in 0..<count { taken[i] = !allowed(i) }
        var got = 0
        while got < q {
            var best = -Double.infinity, idx = -1
            for i in 0..<count where !taken[i] {
                let v = value(i)
                if idx < 0 || v > best { best = v; idx = i }  // strict '>': the lowest index wins a tie
            }
            if idx < 0 { break }
            taken[idx] = true; picked[got] = idx; got += 1
        }
        return got
    }

    /// Fill the dispatch entries (entryRow, entryGate, entryCount) from `scores`.
    private func route(count B: Int) {
        let n = config.n, k = config.k
        for s in 0..<k { entryCount[s] = 0 }
        switch config.routing {
        case .expertChoice:
            let l = config.l
            for s in 0..<k where alive[s] {
                for b in 0..<B {
                    let base = b * n
                    let got = selectTop(l, count: n, allowed: { _ in true }, value: { self.scores.p[(base + $0) * k + s] })
                    var mx = -Double.infinity
                    for i in 0..<got { mx = max(mx, scores.p[(base + picked[i]) * k + s]) }
                    var sum = 0.0
                    let e0 = s * entryCap + entryCount[s]
                    for i in 0..<got {
                        let g = exp(scores.p[(base + picked[i]) * k + s] - mx)
                        entryRow[e0 + i] = Int32(base + picked[i]); entryGate.p[e0 + i] = g; sum += g
                    }
                    for i in 0..<got { entryGate.p[e0 + i] /= sum }
                    entryCount[s] += got
                }
            }
        case .tokenChoice:
            let K = config.K, reroute = config.pruned == .reroute
            for t in 0..<(B * n) {
                let r = scores.p + t * k, pi = probs.p + t * k
                var mx = -Double.infinity
                for s in 0..<k where !reroute || alive[s] { mx = max(mx, r[s]) }
                var sum = 0.0
                for s in 0..<k {
                    if !reroute || alive[s] { pi[s] = exp(r[s] - mx); sum += pi[s] } else { pi[s] = 0 }
                }
                for s in 0..<k { pi[s] /= sum }
                let got = selectTop(K, count: k, allowed: { !reroute || self.alive[$0] }, value: { r[$0] })
                for i in 0..<got {
                    let s = picked[i]
                    guard alive[s] else { continue }  // "drop": the token gets 0 from a dead winner
                    let e = s * entryCap + entryCount[s]
                    entryRow[e] = Int32(t); entryGate.p[e] = pi[s]; entryCount[s] += 1
                }
            }
        }
    }

    // MARK: forward / backward

    /// f_b for `count` samples whose tokens start at `x` ((count·n)×d), into `outputs`; per-expert
    /// terms in `expertOut`.
    public func forward(_ x: UnsafePointer<Double>, count B: Int) {
        precondition(B <= config.batchCapacity, "batch of \(B) exceeds the model's capacity \(config.batchCapacity)")
        let n = config.n, d = config.d, k = config.k, m = config.m
        let kr = config.routerHidden
        if kr > 0 {
            // Hidden router: A = ReLU(X Uᵀ) ((B·n)×k_r), scores R = A W_Rᵀ.
            routerTrunk.storage.withUnsafeBufferPointer { u in
                gemm(.none, .transpose, m: B * n, n: kr, k: d, alpha: 1, x, lda: d, u.baseAddress!, ldb: d, beta: 0, routerPre.p, ldc: kr)
            }
            for i in 0..<(B * n * kr) { routerAct.p[i] = max(routerPre.p[i], 0) }
            routers.storage.withUnsafeBufferPointer { w in
                gemm(.none, .transpose, m: B * n, n: k, k: kr, alpha: 1, routerAct.p, lda: kr, w.baseAddress!, ldb: kr, beta: 0, scores.p, ldc: k)
            }
        } else {
            // Router scores R = X W_Rᵀ: (B·n)×k.
            routers.storage.withUnsafeBufferPointer { w in
                gemm(.none, .transpose, m: B * n, n: k, k: d, alpha: 1, x, lda: d, w.baseAddress!, ldb: d, beta: 0, scores.p, ldc: k)
            }
        }
        route(count: B)
        expertOut.p.update(repeating: 0, count: B * k)
        experts.storage.withUnsafeBufferPointer { we in
            outputWeights.storage.withUnsafeBufferPointer { ao in
                for s in 0..<k where alive[s] && entryCount[s] > 0 {
                    let cnt = entryCount[s], e0 = s * entryCap
                    let xs = xg.p + e0 * d, zs = z.p + e0 * m
                    for i in 0..<cnt { (xs + i * d).update(from: x + Int(entryRow[e0 + i]) * d, count: d) }
                    // Z_s = X_s W_sᵀ: cnt×m.
                    gemm(.none, .transpose, m: cnt, n: m, k: d, alpha: 1, xs, lda: d, we.baseAddress! + s * m * d, ldb: d, beta: 0, zs, ldc: m)
                    let ar = ao.baseAddress! + s * m  // a_{s,·} (= a unless trained)
                    for i in 0..<cnt {
                        var h = 0.0
                        for r in 0..<m { h += ar[r] * max(zs[i * m + r], 0) }
                        entryH.p[e0 + i] = h
                        let b = Int(entryRow[e0 + i]) / n
                        expertOut.p[b * k + s] += entryGate.p[e0 + i] * h
                    }
                }
            }
        }
        for b in 0..<B {
            var f = 0.0
            for s in 0..<k { f += expertOut.p[b * k + s] }
            outputs.p[b] = f
        }
    }

    public func forward(_ batch: TokenBatch) {
        batch.x.withUnsafeBufferPointer { forward($0.baseAddress!, count: batch.count) }
    }

    /// Gradients of Σ_b coef[b]·f_b (coef = ∂ℓ/∂f_b / B) after `forward` on the same `x`: dExperts,
    /// dRouters, and dOutputWeights, dRouterTrunk when those are trained.
    public func backward(_ x: UnsafePointer<Double>, count B: Int) {
        let n = config.n, d = config.d, k = config.k, m = config.m
        let trainA = config.trainableOutput
        routerCoef.p.update(repeating: 0, count: B * n * k)
        let ao = outputWeights.storage  // a_{s,r}, read-only here
        if trainA { dOutputWeights.fill(0) }
        dExperts.storage.withUnsafeMutableBufferPointer { de in
            for s in 0..<k {
                let ds = de.baseAddress! + s * m * d
                let cnt = entryCount[s], e0 = s * entryCap
                guard alive[s] && cnt > 0 else { ds.update(repeating: 0, count: m * d); continue }
                let zs = z.p + e0 * m
                for i in 0..<cnt {
                    let t = Int(entryRow[e0 + i]), b = t / n
                    let c = coef.p[b], gate = entryGate.p[e0 + i]
                    // ∂ℓ/∂z_{s,r}(x^(j)) = c · G · a_{s,r} · 1[z > 0]
                    for r in 0..<m { dz.p[i * m + r] = zs[i * m + r] > 0 ? c * gate * ao[s * m + r] : 0 }
                    // ∂ℓ/∂a_{s,r} = Σ_entries c · G · ReLU(z_{s,r})
                    if trainA { for r in 0..<m { dOutputWeights.storage[s * m + r] += c * gate * max(zs[i * m + r], 0) } }
                    switch config.routing {
                    case .expertChoice:
                        // ∂ℓ/∂r_{s,j} = c · G_{s,j} · (h_{s,j} − h̄_{s,b}),  h̄_{s,b} = Σ_{J_s} G h = expertOut[b,s]
                        routerCoef.p[t * k + s] = c * gate * (entryH.p[e0 + i] - expertOut.p[b * k + s])
                    case .tokenChoice:
                        // the 1[s ∈ E_j, alive] · π_{j,s} h_{s,j} part of ∂f/∂r_{s,j}
                        routerCoef.p[t * k + s] += c * gate * entryH.p[e0 + i]
                    }
                }
                // dW_s = dZ_sᵀ X_s: m×d.
                gemm(.transpose, .none, m: m, n: d, k: cnt, alpha: 1, dz.p, lda: m, xg.p + e0 * d, ldb: d, beta: 0, ds, ldc: d)
            }
        }
        if config.routing == .tokenChoice {
            // ∂f/∂r_{s′,j} = π_{j,s′} (1[s′ ∈ E_j, alive] h_{s′,j} − Σ_{s ∈ E_j, alive} π_{j,s} h_{s,j})
            tokenMix.p.update(repeating: 0, count: B * n)
            for s in 0..<k where alive[s] {
                let e0 = s * entryCap
                for i in 0..<entryCount[s] { tokenMix.p[Int(entryRow[e0 + i])] += entryGate.p[e0 + i] * entryH.p[e0 + i] }
            }
            for t in 0..<(B * n) {
                let cm = coef.p[t / n] * tokenMix.p[t]
                for s in 0..<k { routerCoef.p[t * k + s] -= cm * probs.p[t * k + s] }
            }
        }
        let kr = config.routerHidden, ri = config.routerInputs
        // dW_R = Cᵀ X: k×d (hidden router: Cᵀ A, k×k_r); dead experts get no update (in "drop" their
        // router still shapes π).
        dRouters.storage.withUnsafeMutableBufferPointer { dr in
            if kr > 0 {
                gemm(.transpose, .none, m: k, n: kr, k: B * n, alpha: 1, routerCoef.p, lda: k, routerAct.p, ldb: kr, beta: 0, dr.baseAddress!, ldc: kr)
            } else {
                gemm(.transpose, .none, m: k, n: d, k: B * n, alpha: 1, routerCoef.p, lda: k, x, ldb: d, beta: 0, dr.baseAddress!, ldc: d)
            }
            for s in 0..<k where !alive[s] { (dr.baseAddress! + s * ri).update(repeating: 0, count: ri) }
        }
        if kr > 0 {
            // ∂ℓ/∂(U x^(j)) = (C W_R)_{j,·} ⊙ 1[U x^(j) > 0], through every expert's score: U is shared
            // and alive, and in "drop" a dead expert's score still shapes π. Then dU = (∂ℓ/∂(UX))ᵀ X.
            routers.storage.withUnsafeBufferPointer { w in
                gemm(.none, .none, m: B * n, n: kr, k: k, alpha: 1, routerCoef.p, lda: k, w.baseAddress!, ldb: kr, beta: 0, routerDPre.p, ldc: kr)
            }
            for i in 0..<(B * n * kr) where routerPre.p[i] <= 0 { routerDPre.p[i] = 0 }
            dRouterTrunk.storage.withUnsafeMutableBufferPointer { du in
                gemm(.transpose, .none, m: kr, n: d, k: B * n, alpha: 1, routerDPre.p, lda: kr, x, ldb: d, beta: 0, du.baseAddress!, ldc: d)
            }
        }
    }

    /// Forward + backward on a batch: mean loss, gradients of the mean loss. Returns the mean loss.
    /// When every sample has zero loss derivative (hinge margins ≥ 1) the backward pass is skipped.
    @discardableResult
    public func lossAndGradient(_ batch: TokenBatch, loss: Loss) -> Double {
        batch.x.withUnsafeBufferPointer { xb in
            let x = xb.baseAddress!, B = batch.count
            lastBatchCount = B
            forward(x, count: B)
            var total = 0.0
            activeSampleCount = 0
            for b in 0..<B {
                let f = outputs.p[b], y = batch.labels[b]
                total += loss.value(f, label: y)
                coef.p[b] = loss.derivative(f, label: y) / Double(B)
                if coef.p[b] != 0 { activeSampleCount += 1 }
            }
            if activeSampleCount > 0 { backward(x, count: B) }
            return total / Double(B)
        }
    }

    /// Floating-point operations the last `trainStep` executed in products (2 per multiply-add): router
    /// scores and the dispatched experts' forward (Z_s and its readout) on the whole batch; when any
    /// sample had a non-zero loss derivative, dW_s, dW_R and the update. Routing and softmax are not counted.
    public var lastStepFlops: Double {
        let n = config.n, d = config.d, k = config.k, m = config.m, B = lastBatchCount
        var entries = 0
        for s in 0..<k where alive[s] { entries += entryCount[s] }
        var f = 2 * Double(B * n * k * d) + 2 * Double(entries * m * (d + 1))
        if activeSampleCount > 0 { f += 2 * Double(entries * m * d + k * d * B * n) + 2 * Double(k * m * d + k * d) }
        let kr = config.routerHidden
        if kr > 0 {
            // The hidden router: X Uᵀ, and its heads on k_r inputs instead of d (forward); dW_R, C W_R,
            // dU and the U update (backward).
            f += 2 * Double(B * n * kr * d) + 2 * Double(B * n * k * (kr - d))
            if activeSampleCount > 0 { f += 2 * Double(k * (kr - d) * B * n) + 2 * Double(B * n * k * kr + kr * d * B * n) + 2 * Double(k * (kr - d) + kr * d) }
        }
        return f
    }

    /// Plain SGD with separate rates: w_{s,r} ← w_{s,r} − η_e ∂ℓ/∂w_{s,r}, w_s ← w_s − η_r ∂ℓ/∂w_s
    /// (and a_{s,r} with η_e, U with η_r when trained).
    public func sgdStep(expertRate etaE: Double, routerRate etaR: Double) {
        guard activeSampleCount > 0 else { return }  // every gradient is exactly zero
        experts.add(dExperts, scaledBy: -etaE)
        routers.add(dRouters, scaledBy: -etaR)
        if config.trainableOutput { outputWeights.add(dOutputWeights, scaledBy: -etaE) }
        if config.routerHidden > 0 { routerTrunk.add(dRouterTrunk, scaledBy: -etaR) }
    }

    /// One AdamW update of every trained block from the last `lossAndGradient` (`Update.adamW`).
    public func adamStep() {
        guard case .adamW(let eta, _) = config.update else { preconditionFailure("adamStep needs config.update = .adamW") }
        if activeSampleCount == 0 {
            // The backward pass was skipped (every hinge margin ≥ 1): the gradient is exactly zero,
            // not the stale one of an earlier batch.
            dExperts.fill(0); dRouters.fill(0); dOutputWeights.fill(0); dRouterTrunk.fill(0)
        }
        func step(_ o: FlatOptimizer, _ theta: inout Matrix, _ g: Matrix) {
            theta.storage.withUnsafeMutableBufferPointer { t in
                g.storage.withUnsafeBufferPointer { o.step(t.baseAddress!, grad: $0.baseAddress!, count: t.count, learningRate: eta) }
            }
        }
        step(optimizers[0], &experts, dExperts)
        step(optimizers[1], &routers, dRouters)
        var i = 2
        if config.trainableOutput { step(optimizers[i], &outputWeights, dOutputWeights); i += 1 }
        if config.routerHidden > 0 { step(optimizers[i], &routerTrunk, dRouterTrunk) }
    }

    /// The configured update (`config.update`): SGD with η_e, η_r, or AdamW at its own step size.
    public func step(expertRate etaE: Double, routerRate etaR: Double) {
        switch config.update {
        case .sgd: sgdStep(expertRate: etaE, routerRate: etaR)
        case .adamW: adamStep()
        }
    }

    /// One iteration of the configured update (plain SGD unless `config.update` says otherwise);
    /// returns the batch's mean loss before the step.
    @discardableResult
    public func trainStep(_ batch: TokenBatch, expertRate etaE: Double, routerRate etaR: Double, loss: Loss) -> Double {
        let l = lossAndGradient(batch, loss: loss)
        step(expertRate: etaE, routerRate: etaR)
        return l
    }

    /// A ReLU router equal to the linear router W (k×d) at every input: with Q (p×d, orthonormal
    /// columns, so p ≥ d and QᵀQ = I), trunk U = [Q; −Q] (2p×d) and heads [W Qᵀ, −W Qᵀ] (k×2p), because
    /// ReLU(Qx) − ReLU(−Qx) = Qx. Use with `routerHidden` = 2p: the relaxation `router_hidden` starts
    /// from the theorem's pre-trained routing exactly (same scores, selections and proficiencies)
    /// and only then lets the hidden layer learn. Each head's norm is √2 ‖w_s‖.
    public static func reluRouter(equalTo w: Matrix, rotation q: Matrix) -> (heads: Matrix, trunk: Matrix) {
        precondition(q.cols == w.cols && q.rows >= q.cols, "Q must be p×d with p ≥ d")
        let p = q.rows, k = w.rows
        let wq = w * q.transposed  // k×p
        var heads = Matrix(rows: k, cols: 2 * p), trunk = Matrix(rows: 2 * p, cols: q.cols)
        for s in 0..<k {
            for i in 0..<p { heads[s, i] = wq[s, i]; heads[s, p + i] = -wq[s, i] }
        }
        for i in 0..<p {
            for j in 0..<q.cols { trunk[i, j] = q[i, j]; trunk[p + i, j] = -q[i, j] }
        }
        return (heads, trunk)
    }

    // MARK: evaluation

    public struct Evaluation: Sendable, Equatable {
        public var accuracy: Double
        public var loss: Double
        /// Per expert: mean over samples of |Σ_{j∈J_s} G_{s,j} h_{s,j}| (the "contribution" criterion).
        public var contribution: [Double]
    }

    /// Evaluate on a sample set in chunks of the batch capacity; `body(start, count)` may read each
    /// chunk's routing and outputs (samples start ..< start+count are slots 0 ..< count).
    public func evaluate(_ set: TokenBatch, loss: Loss, _ body: ((_ start: Int, _ count: Int) -> Void)? = nil) -> Evaluation {
        precondition(set.length == config.n && set.dimension == config.d, "sample shape does not match the model")
        let k = config.k, per = config.n * config.d
        var correct = 0, lossSum = 0.0
        var contribution = [Double](repeating: 0, count: k)
        set.x.withUnsafeBufferPointer { xb in
            var start = 0
            while start < set.count {
                let cnt = min(config.batchCapacity, set.count - start)
                forward(xb.baseAddress! + start * per, count: cnt)
                for b in 0..<cnt {
                    let f = outputs.p[b], y = set.labels[start + b]
                    lossSum += loss.value(f, label: y)
                    if y * f > 0 { correct += 1 }
                    for s in 0..<k { contribution[s] += abs(expertOut.p[b * k + s]) }
                }
                body?(start, cnt)
                start += cnt
            }
        }
        let N = Double(max(set.count, 1))
        return Evaluation(accuracy: Double(correct) / N, loss: lossSum / N, contribution: contribution.map { $0 / N })
    }

    /// Entries (token rows, gates) expert s received in the last forward.
    public func entries(of s: Int) -> (rows: UnsafeBufferPointer<Int32>, gates: UnsafeBufferPointer<Double>) {
        (
            UnsafeBufferPointer(start: entryRow + s * entryCap, count: entryCount[s]),
            UnsafeBufferPointer(start: entryGate.p + s * entryCap, count: entryCount[s])
        )
    }
}
