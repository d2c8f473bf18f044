import ProvableNumerics

/// Data model of the low-rank & sparse paper (spec `lowrank-sparse.md` §2.2, and §5.6's 2K extension).
///
/// Symbols: d (token dim), M (orthonormal patterns), L (tokens per sample), α_* = n_rel/L
/// (label-relevant fraction), α_# = n_conf/L (confusion fraction), τ (noise level), K (relevant
/// patterns per class; the paper has K = 1: μ_1 for y = +1, μ_2 for y = −1).
///
/// Relevant patterns are rows 0 ..< 2K of the dictionary: even rows (μ_1, μ_3, …) form class +1's
/// group, odd rows (μ_2, μ_4, …) class −1's. Rows 2K ..< M are the label-irrelevant ν_k.
/// A sample of label y has n_rel tokens of one pattern of y's group, n_conf tokens of one pattern of
/// the other group, and L − n_rel − n_conf tokens of i.i.d. uniform irrelevant patterns, shuffled;
/// each token is its pattern plus noise. y is the group majority (n_rel > n_conf always).
public struct MajorityVoteTokens: Sendable, TokenSequenceModel {
    public enum Counts: String, Sendable, CaseIterable {
        /// n_rel, n_conf exactly as configured for every sample.
        case fixed
        /// n_rel ~ Bin(L, α_*), n_conf ~ Bin(L, α_#), redrawn until n_rel > n_conf and n_rel + n_conf ≤ L.
        case binomial
    }
    public enum Noise: String, Sendable, CaseIterable {
        /// z ~ N(0, (τ²/d) I), so ‖z‖ ≈ τ.
        case gaussian
        /// z uniform in the ball of radius τ (bounded ‖z‖ ≤ τ, as in the authors' analyses).
        case ball
    }

    public struct Config: Sendable, Equatable {
        public var d = 20
        public var M = 10
        public var L = 20
        public var nRel = 6
        public var nConf = 2
        public var tau = 0.1
        public var relevantPerClass = 1
        public var counts = Counts.fixed
        public var noise = Noise.gaussian
        public var basis = PatternDictionary.Basis.random
        public init() {}

        public var alphaStar: Double { Double(nRel) / Double(L) }
        public var alphaHash: Double { Double(nConf) / Double(L) }
        public var relevantPatternCount: Int { 2 * relevantPerClass }

        /// Why a config cannot generate data, or nil. (The scenario layer maps these to keys.)
        public func problem() -> (key: String, message: String)? {
            if d < M { return ("d", "d = \(d) must be ≥ M = \(M): the M patterns are orthonormal in R^d") }
            if M < relevantPatternCount + 1 {
                return ("M", "M = \(M) must exceed the \(relevantPatternCount) label-relevant patterns (need ≥ 1 irrelevant pattern)")
            }
            if nRel <= nConf { return ("n_conf", "n_conf = \(nConf) must be < n_rel = \(nRel): the label is the majority") }
            if nRel + nConf > L { return ("n_rel", "n_rel + n_conf = \(nRel + nConf) exceeds L = \(L)") }
            if tau < 0 { return ("tau", "τ must be ≥ 0") }
            return nil
        }
    }

    public let config: Config
    public let dictionary: PatternDictionary

    /// Patterns come from the `patterns` sub-stream of `seed`, so the dictionary does not depend on
    /// how much data or test set is drawn.
    public init(config: Config, seed: UInt64) throws {
        precondition(config.problem() == nil, config.problem().map { "\($0.key): \($0.message)" } ?? "")
        self.config = config
        var rng = RNG(seed: seed, stream: .patterns)
        dictionary = try PatternDictionary(dimension: config.d, count: config.M, basis: config.basis, rng: &rng)
    }

    /// Index of the pattern class y's relevant token uses, for group member j.
    @inlinable public func relevantPattern(label y: Double, member j: Int) -> Int { 2 * j + (y > 0 ? 0 : 1) }

    /// Whether pattern p is a label-relevant pattern for a sample of label y (same group as y).
    @inlinable public func isLabelRelevant(pattern p: Int, label y: Double) -> Bool {
        p < config.relevantPatternCount && (p % 2 == 0) == (y > 0)
    }

    public var sequenceLength: Int { config.L }
    public var tokenDimension: Int { config.d }

    private func drawCounts(rng: inout RNG) -> (Int, Int) {
        switch config.counts {
        case .fixed:
            return (config.nRel, config.nConf)
        case .binomial:
            while true {
                let r = rng.binomial(n: config.L, p: config.alphaStar)
                let c = rng.binomial(n: config.L, p: config.alphaHash)
                if r > c && r + c <= config.L { return (r, c) }
            }
        }
    }

    public func fillSample(_ b: Int, of batch: inout TokenBatch, rng: inout RNG) {
        let L = config.L, d = config.d, K = config.relevantPerClass
        let y: Double = rng.next() & 1 == 0 ? 1 : -1
        batch.labels[b] = y
        let (nRel, nConf) = drawCounts(rng: &rng)
        let rel = relevantPattern(label: y, member: K == 1 ? 0 : rng.int(below: K))
        let conf = relevantPattern(label: -y, member: K == 1 ? 0 : rng.int(below: K))
        let firstIrrelevant = config.relevantPatternCount
        let irrelevantCount = config.M - firstIrrelevant
        // Pattern of each position, then a Fisher–Yates shuffle of the positions.
        let base = b * L
        for l in 0..<L {
            let p: Int
            if l < nRel { p = rel } else if l < nRel + nConf { p = conf } else { p = firstIrrelevant + rng.int(below: irrelevantCount) }
            batch.pattern[base + l] = Int32(p)
        }
        for i in stride(from: L - 1, to: 0, by: -1) {
            let j = rng.int(below: i + 1)
            batch.pattern.swapAt(base + i, base + j)
        }
        let noiseSD = config.tau / Double(d).squareRoot()
        dictionary.patterns.storage.withUnsafeBufferPointer { P in
            batch.x.withUnsafeMutableBufferPointer { X in
                switch config.noise {
                case .gaussian:
                    // All L·d noise draws first (the same stream order as token by token), then x = p + z.
                    let xs = X.baseAddress! + base * d
                    rng.fillGaussian(xs, count: L * d)
                    for l in 0..<L {
                        let p = Int(batch.pattern[base + l])
                        let row = xs + l * d, pat = P.baseAddress! + p * d
                        for j in 0..<d { row[j] = pat[j] + noiseSD * row[j] }
                    }
                case .ball:
                    for l in 0..<L {
                        let p = Int(batch.pattern[base + l])
                        let row = X.baseAddress! + (base + l) * d
                        rng.uniformInBall(dimension: d, radius: config.tau, into: row)
                        for j in 0..<d { row[j] += P[p * d + j] }
                    }
                }
            }
        }
    }
}
