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

/// max(v, 0) lane-wise as one compare and one and-not (the bits of v where v ≥ 0, else +0): the
/// stdlib's generic `pointwiseMax` / `replacing(with:where:)` are not always inlined and then run lane by
/// lane. Same values as max(v, 0): −0 and NaN pass through unchanged.
@inlinable @inline(__always)
func relu(_ v: SIMD4<Double>) -> SIMD4<Double> {
    let negative = unsafeBitCast(v .< SIMD4<Double>(), to: SIMD4<Int64>.self)
    return unsafeBitCast(unsafeBitCast(v, to: SIMD4<Int64>.self) & ~negative, to: SIMD4<Double>.self)
}

@inlinable @inline(__always)
func relu(_ v: SIMD8<Float>) -> SIMD8<Float> {
    let negative = unsafeBitCast(v .< SIMD8<Float>(), to: SIMD8<Int32>.self)
    return unsafeBitCast(unsafeBitCast(v, to: SIMD8<Int32>.self) & ~negative, to: SIMD8<Float>.self)
}

/// Σ_i w[i]·max(g[i], 0) for i < n: a ReLU layer's output against fixed weights (eight partial sums).
@inlinable @inline(__always)
public func reluDot(_ g: UnsafePointer<Double>, _ w: UnsafePointer<Double>, count n: Int) -> Double {
    var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
    var i = 0
    while i + 8 <= n {
        a0 += load4(w + i) * relu(load4(g + i))
        a1 += load4(w + i + 4) * relu(load4(g + i + 4))
        i += 8
    }
    if i + 4 <= n { a0 += load4(w + i) * relu(load4(g + i)); i += 4 }
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
    if i < n {  // the last n mod 8 values, in one padded vector
        var v = SIMD8<Double>(repeating: 0)
        for k in 0..<(n - i) { v[k] = x[i + k] }
        let e = expNonPositive(v)
        for k in 0..<(n - i) { x[i + k] = e[k] }
    }
}

/// out[j·ldOut + i] = x[i·ld + j] for i < rows, j < cols: a strided block's transpose, in 8×8 tiles
/// so that both sides stay in a few cache lines. It turns the attention's slow small NT products into
/// NN or TT ones (OpenBLAS ran 64×64×128 NT at 33–40 GFLOP/s, TT and NN at 52).
@inlinable
public func transposeBlock(_ x: UnsafePointer<Double>, rows: Int, cols: Int, ld: Int, into out: UnsafeMutablePointer<Double>, ldOut: Int) {
    var i0 = 0
    while i0 < rows {
        let i1 = min(i0 + 8, rows)
        var j0 = 0
        while j0 < cols {
            let j1 = min(j0 + 8, cols)
            for i in i0..<i1 { let row = x + i * ld; for j in j0..<j1 { out[j * ldOut + i] = row[j] } }
            j0 = j1
        }
        i0 = i1
    }
}

/// In-place softmax of each of `rows` contiguous rows of length `cols`, max-subtracted for stability,
/// in Double or Float. (−∞ entries get weight 0; a row needs at least one finite entry.)
@inlinable
public func softmaxRows<T: BLASScalar>(_ s: UnsafeMutablePointer<T>, rows: Int, cols: Int) {
    guard rows > 0 && cols > 0 else { return }
    for r in 0..<rows {
        let row = s + r * cols
        var mx = row[0]
        for j in 1..<cols { mx = row[j] > mx ? row[j] : mx }
        for j in 0..<cols { row[j] -= mx }
    }
    T.expNonPositiveInPlace(s, count: rows * cols)
    for r in 0..<rows {
        let row = s + r * cols
        var s0: T = 0, s1: T = 0
        var j = 0
        while j + 2 <= cols { s0 += row[j]; s1 += row[j + 1]; j += 2 }
        if j < cols { s0 += row[j] }
        let inv = 1 / (s0 + s1)
        for j in 0..<cols { row[j] *= inv }
    }
}

// MARK: Float versions (the `precision: float` learners): eight lanes per 256-bit register.

@inlinable @inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Σ_i x[i]·y[i] for i < n in Float (sixteen partial sums).
@inlinable @inline(__always)
public func dotProduct(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        a0 += load8(x + i) * load8(y + i)
        a1 += load8(x + i + 8) * load8(y + i + 8)
        i += 16
    }
    if i + 8 <= n { a0 += load8(x + i) * load8(y + i); i += 8 }
    var s = (a0 + a1).sum()
    while i < n { s += x[i] * y[i]; i += 1 }
    return s
}

/// Σ_i w[i]·max(g[i], 0) for i < n in Float (sixteen partial sums).
@inlinable @inline(__always)
public func reluDot(_ g: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count n: Int) -> Float {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= n {
        a0 += load8(w + i) * relu(load8(g + i))
        a1 += load8(w + i + 8) * relu(load8(g + i + 8))
        i += 16
    }
    if i + 8 <= n { a0 += load8(w + i) * relu(load8(g + i)); i += 8 }
    var s = (a0 + a1).sum()
    while i < n { s += w[i] * max(g[i], 0); i += 1 }
    return s
}

/// e^x for x ≤ 0 in Float, to within about 2 ulp: Cephes' expf (x = k·ln2 + r, |r| ≤ ln2/2, ln2 split
/// in two, a degree-7 minimax polynomial for e^r), 2^k in the exponent bits; x < −87.3 (e^x below
/// the smallest normal Float) flushes to 0, e^(−∞) = 0, NaN stays NaN. Branch-free like the Double one.
@inlinable @inline(__always)
public func expNonPositive(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let lo: Float = -87.3
    let xc = x.replacing(with: lo, where: .!(x .>= lo))
    let shifter = SIMD8<Float>(repeating: 0x1.8p23)
    let big = xc * 1.44269504088896341 + shifter
    let k = big - shifter
    var r = xc - k * 0.693359375
    r = r + k * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    let bits = (unsafeBitCast(big, to: SIMD8<UInt32>.self) &+ 127) &<< 23
    return (p * unsafeBitCast(bits, to: SIMD8<Float>.self)).replacing(with: 0, where: x .< lo)
        .replacing(with: x, where: x .!= x)
}

/// x[i] ← e^{x[i]} for i < n, every x[i] ≤ 0, in Float.
@inlinable
public func expNonPositiveInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int) {
    var i = 0
    while i + 8 <= n {
        UnsafeMutableRawPointer(x + i).storeBytes(of: expNonPositive(load8(x + i)), as: SIMD8<Float>.self)
        i += 8
    }
    if i < n {
        var v = SIMD8<Float>(repeating: 0)
        for k in 0..<(n - i) { v[k] = x[i + k] }
        let e = expNonPositive(v)
        for k in 0..<(n - i) { x[i + k] = e[k] }
    }
}
