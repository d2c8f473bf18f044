import Testing
import ProvableNumerics
@testable import DataModels

/// T1: statistics of the majority-vote token data model (spec §2.2, Appendix C).
@Suite("Majority-vote token data")
struct MajorityVoteTokensTests {
    @Test("patterns are orthonormal (random QR and standard basis)", arguments: PatternDictionary.Basis.allCases)
    func orthonormal(basis: PatternDictionary.Basis) throws {
        var c = MajorityVoteTokens.Config()
        c.basis = basis
        let data = try MajorityVoteTokens(config: c, seed: 3)
        #expect(data.dictionary.orthonormalityError < 1e-12)
    }

    @Test("fixed counts: every sample has n_rel tokens of μ_y and n_conf of μ_{−y}; labels balanced; ‖noise‖ ≈ τ")
    func fixedCounts() throws {
        let data = try MajorityVoteTokens(config: .init(), seed: 1)
        var rng = RNG(seed: 1, stream: .data)
        let n = 10_000
        let batch = data.sample(n, rng: &rng)
        var positives = 0, noiseNorm = 0.0
        let P = data.dictionary.patterns, L = 20, d = 20
        for b in 0..<n {
            let y = batch.labels[b]
            if y > 0 { positives += 1 }
            let pats = (0..<L).map { Int(batch.pattern[b * L + $0]) }
            #expect(pats.filter { $0 == (y > 0 ? 0 : 1) }.count == 6)
            #expect(pats.filter { $0 == (y > 0 ? 1 : 0) }.count == 2)
            #expect(pats.allSatisfy { $0 >= 0 && $0 < 10 })
            for l in 0..<L {
                var s = 0.0
                for j in 0..<d { let z = batch.x[(b * L + l) * d + j] - P[pats[l], j]; s += z * z }
                noiseNorm += s.squareRoot()
            }
        }
        #expect(abs(Double(positives) / Double(n) - 0.5) < 0.05)
        let meanNorm = noiseNorm / Double(n * L)
        #expect(abs(meanNorm - 0.1) < 0.01, "mean ‖z‖ = \(meanNorm)")
    }

    @Test("ball noise is bounded by τ; binomial counts keep the majority")
    func ballAndBinomial() throws {
        var c = MajorityVoteTokens.Config()
        c.noise = .ball; c.counts = .binomial; c.tau = 0.3
        let data = try MajorityVoteTokens(config: c, seed: 2)
        var rng = RNG(seed: 2, stream: .data)
        let batch = data.sample(2000, rng: &rng)
        let P = data.dictionary.patterns
        for b in 0..<2000 {
            let y = batch.labels[b]
            let pats = (0..<20).map { Int(batch.pattern[b * 20 + $0]) }
            #expect(pats.filter { $0 == (y > 0 ? 0 : 1) }.count > pats.filter { $0 == (y > 0 ? 1 : 0) }.count)
            for l in 0..<20 {
                var s = 0.0
                for j in 0..<20 { let z = batch.x[(b * 20 + l) * 20 + j] - P[pats[l], j]; s += z * z }
                #expect(s.squareRoot() <= 0.3 + 1e-12)
            }
        }
    }

    @Test("2K relevant patterns: tokens come from the label's group, label = group majority")
    func groups() throws {
        var c = MajorityVoteTokens.Config()
        c.d = 30; c.M = 16; c.relevantPerClass = 3
        let data = try MajorityVoteTokens(config: c, seed: 4)
        var rng = RNG(seed: 4, stream: .data)
        let batch = data.sample(3000, rng: &rng)
        var used = Set<Int>()
        for b in 0..<3000 {
            let y = batch.labels[b]
            let pats = (0..<20).map { Int(batch.pattern[b * 20 + $0]) }
            let own = pats.filter { data.isLabelRelevant(pattern: $0, label: y) }
            let other = pats.filter { data.isLabelRelevant(pattern: $0, label: -y) }
            #expect(own.count == 6 && Set(own).count == 1)
            #expect(other.count == 2 && Set(other).count == 1)
            used.formUnion(own)
        }
        #expect(used == Set(0..<6))
    }

    @Test("invalid configurations are reported, naming the key")
    func problems() {
        var c = MajorityVoteTokens.Config()
        c.d = 5
        #expect(c.problem()?.key == "d")
        c = .init(); c.nConf = 6
        #expect(c.problem()?.key == "n_conf")
        c = .init(); c.nRel = 15; c.nConf = 6
        #expect(c.problem()?.key == "n_rel")
    }

    @Test("the dictionary depends only on the seed's patterns stream")
    func streamsAreIndependent() throws {
        let a = try MajorityVoteTokens(config: .init(), seed: 9)
        let b = try MajorityVoteTokens(config: .init(), seed: 9)
        #expect(a.dictionary.patterns == b.dictionary.patterns)
        let c = try MajorityVoteTokens(config: .init(), seed: 10)
        #expect(a.dictionary.patterns != c.dictionary.patterns)
    }
}
