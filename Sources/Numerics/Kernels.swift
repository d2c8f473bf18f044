/// Small hand-written kernels for the learners' hot loops, where a BLAS call would cost more than its
/// arithmetic (per-sample vectors of 20–60 entries) or where a plain Swift loop runs far below the
/// machine: Swift never reassociates floating-point sums, so `for i { s += x[i] * y[i] }` is one
/// dependent add per iteration and does not vectorize. These keep several independent SIMD partial
/// sums instead, so results differ from a sequential loop in the last bits only.

@inlinable @inline(__always)
func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

/// Σ_i x[i]·y[i] for i < n (eight partial sums).
@inlinable @inline(__always)
public func dotProduct(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count n: Int) -> Double {
    var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
    var i = 0
    while i + 8 <= n {
        a0 += load4(x + i) * load4(y + i)
        a1 += load4(x + i + 4) * load4(y + i + 4)
        i += 8
    }
    if i + 4 <= n { a0 += load4(x + i) * load4(y + i); i += 4 }
    var s = (a0 + a1).sum()
    while i < n { s += x[i] * y[i]; i += 1 }
    return s
}

/// Σ_i w[i]·max(g[i], 0) for i < n: a ReLU layer's output against fixed weights (eight partial sums).
@inlinable @inline(__always)
public func reluDot(_ g: UnsafePointer<Double>, _ w: UnsafePointer<Double>, count n: Int) -> Double {
    let zero = SIMD4<Double>()
    var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
    var i = 0
    while i + 8 <= n {
        a0 += load4(w + i) * pointwiseMax(load4(g + i), zero)
        a1 += load4(w + i + 4) * pointwiseMax(load4(g + i + 4), zero)
        i += 8
    }
    if i + 4 <= n { a0 += load4(w + i) * pointwiseMax(load4(g + i), zero); i += 4 }
    var s = (a0 + a1).sum()
    while i < n { s += w[i] * max(g[i], 0); i += 1 }
    return s
}

/// y[i] += α·x[i] for i < n (elementwise: the compiler vectorizes it).
@inlinable @inline(__always)
public func addScaled(_ alpha: Double, _ x: UnsafePointer<Double>, to y: UnsafeMutablePointer<Double>, count n: Int) {
    for i in 0..<n { y[i] += alpha * x[i] }
}

/// e^x for x ≤ 0 (the max-subtracted logits of a softmax), to within about 1 ulp; e^x < 2⁻¹⁰²² (x < −708)
/// flushes to 0, e^(−∞) = 0, and NaN stays NaN. Branch-free, so a loop over it vectorizes (unlike a libm call).
///
/// Range reduction x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so k·ln2_hi is exact), e^r by its
/// degree-12 Taylor polynomial (truncation error < 2·10⁻¹⁶ relative), 2^k assembled in the exponent bits.
@inlinable @inline(__always)
public func expNonPositive(_ x: Double) -> Double {
    // One polynomial, written once (the SIMD version below); lanes are independent, so lane 0 of a
    // splat is exactly the scalar result.
    expNonPositive(SIMD8<Double>(repeating: x))[0]
}

/// e^x on 8 lanes at once (see the scalar `expNonPositive` for the method and accuracy): independent
/// dependency chains, so the polynomial pipelines.
@inlinable @inline(__always)
public func expNonPositive(_ x: SIMD8<Double>) -> SIMD8<Double> {
    let xc = x.replacing(with: -708.0, where: .!(x .>= -708.0))
    let shifter = SIMD8<Double>(repeating: 0x1.8p52)
    let big = xc * 1.4426950408889634 + shifter
    let k = big - shifter
    var r = xc - k * 0.693147180369123816490
    r = r - k * 1.90821492927058770002e-10
    var p = SIMD8<Double>(repeating: 1.0 / 479001600.0)
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    let bits = (unsafeBitCast(big, to: SIMD8<UInt64>.self) &+ 1023) &<< 52
    return (p * unsafeBitCast(bits, to: SIMD8<Double>.self)).replacing(with: 0, where: x .< -708.0)
        .replacing(with: x, where: x .!= x)
}

/// x[i] ← e^{x[i]} for i < n, every x[i] ≤ 0 (see `expNonPositive`).
@inlinable
public func expNonPositiveInPlace(_ x: UnsafeMutablePointer<Double>, count n: Int) {
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(x + i).storeBytes(of: expNonPositive(v), as: SIMD8<Double>.self)
        i += 8
    }
    if i < n {   // the last n mod 8 values, in one padded vector
        var v = SIMD8<Double>(repeating: 0)
        for k in 0..<(n - i) { v[k] = x[i + k] }
        let e = expNonPositive(v)
        for k in 0..<(n - i) { x[i + k] = e[k] }
    }
}

/// In-place softmax of each of `rows` contiguous rows of length `cols`, max-subtracted for stability.
/// (−∞ entries get weight 0; a row needs at least one finite entry.)
@inlinable
public func softmaxRows(_ s: UnsafeMutablePointer<Double>, rows: Int, cols: Int) {
    guard rows > 0 && cols > 0 else { return }
    for r in 0..<rows {
        let row = s + r * cols
        var mx = row[0]
        for j in 1..<cols { mx = row[j] > mx ? row[j] : mx }
        for j in 0..<cols { row[j] -= mx }
    }
    expNonPositiveInPlace(s, count: rows * cols)
    for r in 0..<rows {
        let row = s + r * cols
        var s0 = 0.0, s1 = 0.0
        var j = 0
        while j + 2 <= cols { s0 += row[j]; s1 += row[j + 1]; j += 2 }
        if j < cols { s0 += row[j] }
        let inv = 1 / (s0 + s1)
        for j in 0..<cols { row[j] *= inv }
    }
}
