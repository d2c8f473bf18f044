import ProvableNumerics

/// Data model of the MoE expert-pruning paper (spec `moe-pruning.md` §2), and the "pre-trained"
/// checkpoint the theory assumes (§2.4).
///
/// Symbols: d (token dim; patterns are the standard basis e_0 … e_{d−1}), n (tokens per sample),
/// F (relevant features per class; the paper has F = 1: o1 = e_0 for y = +1, o2 = e_1 for y = −1),
/// σ_tok (per-coordinate token noise N(0, σ_tok²/d), so ‖noise‖ ≈ σ_tok; drawn by the ziggurat,
/// n·d normals per sample).
///
/// Layout of the patterns (coordinates):
///   class +1 features o_{+,f} = e_f,                f = 0 ..< F
///   class −1 features o_{−,f} = e_{negativeBase+f}, negativeBase = F by default (o2 = e_1 when F = 1)
///   task-irrelevant (background) q_i = every other coordinate, M = d − 2F of them.
/// A sample (§2.3): y uniform on ±1, one feature f uniform in 0 ..< F at a uniform position p; every
/// other token is a background pattern drawn uniformly with replacement; noise on every coordinate.
/// `TokenBatch.pattern[b·n + j]` holds the coordinate of token j's pattern.
public struct MoETokens: Sendable, TokenSequenceModel {
    public struct Config: Sendable, Equatable {
        public var d = 100
        public var n = 16
        public var F = 1
        public var sigmaTok = 0.5
        /// First coordinate of class −1's features; nil = F. A pre-training distribution with F_pre
        /// features per class uses F_pre here, and so does its downstream task, so that the
        /// downstream features are a subset of the pre-training ones (see `pretrainingDistribution`).
        public var negativeBase: Int? = nil
        public init() {}

        public var negativeStart: Int { negativeBase ?? F }
        /// M: number of task-irrelevant (background) patterns.
        public var backgroundCount: Int { d - 2 * F }

        /// Why a config cannot generate data, or nil. (The scenario layer maps these to keys.)
        public func problem() -> (key: String, message: String)? {
            if F < 1 { return ("F", "F must be ≥ 1") }
            if negativeStart < F { return ("F", "class −1 features would overlap class +1 features") }
            if negativeStart + F > d { return ("d", "d = \(d) leaves no room for 2F = \(2 * F) feature coordinates") }
            if d - 2 * F < 1 { return ("d", "d = \(d) must exceed 2F = \(2 * F): need ≥ 1 background pattern") }
            if n < 2 { return ("n", "n must be ≥ 2 (one feature token plus background)") }
            if sigmaTok < 0 { return ("sigma_tok", "σ_tok must be ≥ 0") }
            return nil
        }
    }

    public let config: Config
    /// Coordinates of the background patterns q_0 … q_{M−1}.
    public let background: [Int32]
    /// featureIndex[c] = feature index of coordinate c (0 ..< F class +1, F ..< 2F class −1) or −1.
    public let featureIndex: [Int]

    public init(config: Config) {
        precondition(config.problem() == nil, config.problem().map { "\($0.key): \($0.message)" } ?? "")
        self.config = config
        var fi = [Int](repeating: -1, count: config.d)
        for f in 0..<config.F {
            fi[f] = f
            fi[config.negativeStart + f] = config.F + f
        }
        featureIndex = fi
        background = (0..<config.d).filter { fi[$0] < 0 }.map(Int32.init)
    }

    /// Coordinate of feature p: p < F → o_{+,p}; F ≤ p < 2F → o_{−,p−F}.
    @inlinable public func featureCoordinate(_ p: Int) -> Int {
        p < config.F ? p : config.negativeStart + (p - config.F)
    }

    /// Whether coordinate c is a task-relevant feature (either class).
    @inlinable public func isRelevant(coordinate c: Int) -> Bool { featureIndex[c] >= 0 }

    /// The label a task-relevant coordinate belongs to (+1 / −1), or 0 for background.
    @inlinable public func labelOf(coordinate c: Int) -> Double {
        let f = featureIndex[c]
        return f < 0 ? 0 : (f < config.F ? 1 : -1)
    }

    public var sequenceLength: Int { config.n }
    public var tokenDimension: Int { config.d }

    public func fillSample(_ b: Int, of batch: inout TokenBatch, rng: inout RNG) {
        let n = config.n, d = config.d, F = config.F
        let y: Double = rng.next() & 1 == 0 ? 1 : -1
        batch.labels[b] = y
        let f = F == 1 ? 0 : rng.int(below: F)
        let p = rng.int(below: n)
        let feature = featureCoordinate(y > 0 ? f : F + f)
        let sd = config.sigmaTok / Double(d).squareRoot()
        batch.x.withUnsafeMutableBufferPointer { X in
            for j in 0..<n {
                let c = j == p ? feature : Int(background[rng.int(below: background.count)])
                batch.pattern[b * n + j] = Int32(c)
                let row = X.baseAddress! + (b * n + j) * d
                if sd > 0 { rng.fillGaussianZiggurat(row, count: d, sd: sd) } else { row.update(repeating: 0, count: d) }
                row[c] += 1
            }
        }
    }

    /// The broad pre-training distribution of the `pretrain` option (spec §2.1, §8 item 4): F_pre ≥ F
    /// features per class on the same coordinates, of which this task's features are the first F of
    /// each class. Returns the pre-training model and the matching downstream model (both with
    /// negativeBase = F_pre).
    public static func pretrainingDistribution(downstream: Config, featuresPerClass fPre: Int) -> (pretrain: MoETokens, downstream: MoETokens) {
        precondition(fPre >= downstream.F, "F_pre must be ≥ F")
        var pre = downstream
        pre.F = fPre; pre.negativeBase = fPre
        var down = downstream
        down.negativeBase = fPre
        return (MoETokens(config: pre), MoETokens(config: down))
    }
}

/// A pre-trained MoE checkpoint: routers, expert hidden weights, and which experts are task-relevant.
public struct MoECheckpoint: Sendable, Equatable {
    /// k×d: row s = router w_s.
    public var routers: Matrix
    /// (k·m)×d: row s·m + r = hidden neuron w_{s,r}.
    public var experts: Matrix
    /// Ground-truth importance (constructed state) or measured proficiency ≥ threshold (pre-trained).
    public var important: [Bool]
    /// Feature index p(s) an important expert specialises in (−1 for irrelevant experts).
    public var feature: [Int]

    public init(routers: Matrix, experts: Matrix, important: [Bool], feature: [Int]) {
        self.routers = routers; self.experts = experts; self.important = important; self.feature = feature
    }

    public var k: Int { routers.rows }
    /// γ = fraction of task-irrelevant experts.
    public var gamma: Double { Double(important.filter { !$0 }.count) / Double(max(important.count, 1)) }
}

/// Knobs of the constructed pre-trained state (spec §2.4).
public struct MoEConstruction: Sendable, Equatable {
    public var k = 8
    public var m = 10
    /// Important experts per relevant feature: n_imp = 2·F·ipf, γ = 1 − n_imp/k.
    public var ipf = 2
    /// α: router weight on an important expert's own feature coordinate.
    public var alpha = 1.0
    /// ε_bg: router weight on every background coordinate of an important expert.
    public var epsBg = 0.05
    /// α_u ~ U[alphaUMin, alphaUMax]: router scale of a task-irrelevant expert (heterogeneous norms).
    public var alphaUMin = 0.5
    public var alphaUMax = 3.0
    /// Router noise sd = routerNoise/√d (spec: 0.1).
    public var routerNoise = 0.1
    /// Expert hidden weights ~ N(0, (expertScale²/d)·I) (spec: 1).
    public var expertScale = 1.0
    public init() {}

    public func problem(F: Int) -> (key: String, message: String)? {
        if 2 * F * ipf > k { return ("ipf", "n_imp = 2·F·ipf = \(2 * F * ipf) exceeds k = \(k) experts") }
        if m < 2 || m % 2 != 0 { return ("m", "m = \(m) must be even (half +1/m, half −1/m output weights)") }
        if alphaUMin > alphaUMax { return ("alpha_u_min", "α_u range [\(alphaUMin), \(alphaUMax)] is empty") }
        return nil
    }
}

extension MoETokens {
    /// The constructed pre-trained state (spec §2.4), drawn from `rng` (use the `init` sub-stream).
    /// Experts 0 ..< n_imp are important (expert s specialises in feature ⌊s/ipf⌋); the rest are
    /// task-irrelevant with routers α_u·u on the background (u_i ~ U[0.5, 1], ‖u‖ = 1).
    public func constructedState(_ c: MoEConstruction, rng: inout RNG) -> MoECheckpoint {
        precondition(c.problem(F: config.F) == nil, c.problem(F: config.F).map { "\($0.key): \($0.message)" } ?? "")
        let d = config.d, k = c.k, m = c.m
        let nImp = 2 * config.F * c.ipf
        var state = MoETokens.randomState(k: k, m: m, d: d, routerNoise: c.routerNoise, expertScale: c.expertScale, rng: &rng)
        for s in 0..<k {
            if s < nImp {
                let p = s / c.ipf
                state.important[s] = true
                state.feature[s] = p
                state.routers[s, featureCoordinate(p)] += c.alpha
                for q in background { state.routers[s, Int(q)] += c.epsBg }
            } else {
                var u = background.map { _ in 0.5 + 0.5 * rng.uniform() }
                let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let alphaU = c.alphaUMin + (c.alphaUMax - c.alphaUMin) * rng.uniform()
                for i in u.indices { u[i] *= alphaU / norm }
                for (i, q) in background.enumerated() { state.routers[s, Int(q)] += u[i] }
            }
        }
        return state
    }

    /// An untrained checkpoint: routers N(0, (routerNoise²/d)·I), hidden weights N(0, (expertScale²/d)·I),
    /// nothing important yet. Routers are drawn first, then the hidden weights (row order).
    public static func randomState(k: Int, m: Int, d: Int, routerNoise: Double, expertScale: Double, rng: inout RNG) -> MoECheckpoint {
        var routers = Matrix(rows: k, cols: d)
        let sdR = routerNoise / Double(d).squareRoot()
        for i in 0..<routers.count { routers.storage[i] = sdR * rng.gaussian() }
        var experts = Matrix(rows: k * m, cols: d)
        let sdE = expertScale / Double(d).squareRoot()
        for i in 0..<experts.count { experts.storage[i] = sdE * rng.gaussian() }
        return MoECheckpoint(
            routers: routers, experts: experts, important: [Bool](repeating: false, count: k),
            feature: [Int](repeating: -1, count: k))
    }
}
