/// Seeded, splittable random numbers.
///
/// `RNG` is xoshiro256** seeded through SplitMix64. Streams are derived, never shared: a run seed is
/// a pure function of (scenario seed, point parameters, replicate) — see `SeedDerivation` — and
/// each part of a run draws from a named sub-stream (`.patterns`, `.data`, `.init`, `.testSet`,
/// `.masks`), so changing one part (say, the number of test samples) never perturbs another, and no
/// draw depends on thread count or job order.
public struct RNG: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64
    @usableFromInline var spareGaussian: Double? = nil

    /// The named sub-streams used across Provable.
    public enum Stream: String, CaseIterable, Sendable {
        case patterns, data, `init`, testSet = "test_set", masks, tasks, graph, shuffle
    }

    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// An independent generator for sub-stream `name` of `seed` (pure function of both).
    public init(seed: UInt64, stream name: String) {
        self.init(seed: SeedDerivation.mix(seed, SeedDerivation.hash(name)))
    }

    public init(seed: UInt64, stream: Stream) { self.init(seed: seed, stream: stream.rawValue) }

    /// An independent child generator `index` of this one's seed material, without advancing `self`.
    public func split(_ index: UInt64) -> RNG {
        RNG(seed: SeedDerivation.mix(s0 ^ s2, SeedDerivation.mix(s1 ^ s3, index)))
    }

    @inlinable static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable public mutating func next() -> UInt64 {
        let result = RNG.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = RNG.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in (0, 1], safe for logarithms.
    @inlinable public mutating func uniformPositive() -> Double { Double((next() >> 11) + 1) * 0x1.0p-53 }

    /// Uniform integer in 0..<n: Lemire's nearly divisionless method, written out so it inlines (the
    /// stdlib's generic `next(upperBound:)` compiled to a call per draw, a tenth of an ICL prompt
    /// batch). The same algorithm as the stdlib's, hence the same draws (`RNGTests` compares them).
    @inlinable public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs n > 0")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let t = (0 &- bound) % bound
            while m.low < t { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Standard normal draw: Marsaglia's polar method (no trigonometry; one log and one square root
    /// per pair), caching the second value of each pair.
    @inlinable public mutating func gaussian() -> Double {
        if let g = spareGaussian { spareGaussian = nil; return g }
        var u = 0.0, v = 0.0, s = 0.0
        repeat {
            u = 2 * uniform() - 1
            v = 2 * uniform() - 1
            s = u * u + v * v
        } while s >= 1 || s == 0
        let f = (-2 * _log(s) / s).squareRoot()
        spareGaussian = v * f
        return u * f
    }

    @inlinable public mutating func gaussian(mean: Double, sd: Double) -> Double { mean + sd * gaussian() }

    /// out[i] = the next `count` values of `gaussian()`, bit for bit (same stream, same spare handling),
    /// about 1.5× as fast: the polar method's acceptance loop, sequential in the stream, runs first with
    /// a branch-free accept (a rejected pair is overwritten; a mispredicted branch per rejection was most
    /// of its cost), and the logarithms and square roots, independent per pair, afterwards, so they
    /// pipeline instead of stalling the generator. Bulk token noise is most of a data model's cost.
    @inlinable public mutating func fillGaussian(_ out: UnsafeMutablePointer<Double>, count n: Int) {
        var i = 0
        if n > 0, let g = spareGaussian { spareGaussian = nil; out[0] = g; i = 1 }
        let pairs = (n - i) / 2
        let o = out + i
        var p = 0
        while p < pairs {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            o[2 * p] = u; o[2 * p + 1] = v
            // accept iff 0 < s < 1 (s ≥ 0, so on its bit pattern b: b ≠ 0 and b < bits(1.0))
            let nonZero = (s.bitPattern &- 1) &>> 63 ^ 1, belowOne = (s.bitPattern &- 0x3FF0_0000_0000_0000) &>> 63
            p &+= Int(truncatingIfNeeded: nonZero & belowOne)
        }
        for q in 0..<pairs {
            let u = o[2 * q], v = o[2 * q + 1]
            let s = u * u + v * v
            let f = (-2 * _log(s) / s).squareRoot()
            o[2 * q] = u * f; o[2 * q + 1] = v * f
        }
        if i + 2 * pairs < n { out[n - 1] = gaussian() }
    }

    /// Random sign ±1.
    @inlinable public mutating func sign() -> Double { next() & 1 == 0 ? 1 : -1 }

    /// Binomial(n, p) by inversion over Bernoulli draws (n is small in every use here).
    public mutating func binomial(n: Int, p: Double) -> Int {
        var k = 0
        for _ in 0..<n where uniform() < p { k += 1 }
        return k
    }

    /// Fisher–Yates shuffle in place.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { a.swapAt(i, j) }
        }
    }

    /// A uniformly random subset of size k of 0..<n (partial Fisher–Yates), in draw order.
    public mutating func sample(_ k: Int, from n: Int) -> [Int] {
        precondition(k <= n, "cannot sample \(k) of \(n)")
        var idx = Array(0..<n)
        for i in 0..<k { idx.swapAt(i, i + int(below: n - i)) }
        return Array(idx[0..<k])
    }

    /// Fill `buffer` with N(0, sd²) draws.
    public mutating func fillGaussian(_ buffer: inout [Double], sd: Double = 1) {
        for i in 0..<buffer.count { buffer[i] = sd * gaussian() }
    }

    /// A point uniform in the d-dimensional ball of the given radius.
    public mutating func uniformInBall(dimension d: Int, radius: Double, into out: UnsafeMutablePointer<Double>) {
        var norm2 = 0.0
        for i in 0..<d { let g = gaussian(); out[i] = g; norm2 += g * g }
        let r = radius * _pow(uniformPositive(), 1 / Double(d)) / max(norm2.squareRoot(), .leastNormalMagnitude)
        for i in 0..<d { out[i] *= r }
    }
}

/// SplitMix64: seeds xoshiro and mixes seed material.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Pure functions that turn (scenario seed, point parameters, replicate) into run seeds.
public enum SeedDerivation {
    /// FNV-1a 64-bit hash of a string's UTF-8 bytes (stable across platforms and runs, unlike `Hasher`).
    public static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Mix two 64-bit values into one (SplitMix64 finalizer of a combination).
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var sm = SplitMix64(state: a ^ (b &* 0x9E37_79B9_7F4A_7C15) ^ (b >> 29))
        return sm.next()
    }

    /// Run seed for a sweep point: `canonicalParameters` is a stable textual form of the point's
    /// parameters (sorted keys), so the seed does not depend on the point's position in the plan.
    public static func runSeed(scenarioSeed: UInt64, canonicalParameters: String, replicate: Int) -> UInt64 {
        mix(mix(scenarioSeed, hash(canonicalParameters)), UInt64(replicate))
    }
}

import Foundation
@usableFromInline func _log(_ x: Double) -> Double { Foundation.log(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Foundation.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Foundation.cos(x) }
@usableFromInline func _pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
