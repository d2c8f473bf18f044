import Foundation
import Testing
@testable import ProvableNumerics

/// The hand-vectorized kernels of the training hot loops, against their plain definitions.
@Suite("Kernels")
struct KernelsTests {
    @Test("expNonPositive: within 2 ulp of libm on [−708, 0]; 0 below and at −∞; NaN stays NaN; SIMD lanes equal the scalar")
    func fastExp() {
        var rng = RNG(seed: 5, stream: .data)
        var worst = 0.0
        var xs: [Double] = [0, -0.0, -1e-300, -1e-12, -0.5, -1, -700, -708]
        for _ in 0..<20_000 { xs.append(-708 * rng.uniform()) }
        for _ in 0..<5_000 { xs.append(-2 * rng.uniform()) }
        for x in xs {
            let e = Foundation.exp(x), f = expNonPositive(x)
            worst = max(worst, abs(f - e) / e.ulp)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(expNonPositive(-709) == 0 && expNonPositive(-.infinity) == 0)
        #expect(expNonPositive(.nan).isNaN)
        for start in stride(from: 0, to: xs.count - 8, by: 8) {
            let v = SIMD8<Double>((0..<8).map { xs[start + $0] })
            let s = expNonPositive(v)
            for i in 0..<8 { #expect(s[i] == expNonPositive(v[i])) }
        }
        #expect(expNonPositive(SIMD8<Double>(repeating: .nan))[3].isNaN)
    }

    @Test("softmaxRows: rows sum to 1 and match the libm softmax; −∞ gets weight 0")
    func softmax() {
        var rng = RNG(seed: 6, stream: .data)
        let rows = 7, cols = 13
        var s = (0..<(rows * cols)).map { _ in 10 * rng.gaussian() }
        s[3] = -.infinity
        let ref: [Double] = (0..<rows).flatMap { r -> [Double] in
            let row = Array(s[(r * cols)..<((r + 1) * cols)]), m = row.max()!
            let e = row.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
            return e.map { $0 / z }
        }
        s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, rows: rows, cols: cols) }
        for r in 0..<rows {
            let sum = s[(r * cols)..<((r + 1) * cols)].reduce(0, +)
            #expect(abs(sum - 1) <= 1e-14)
        }
        for i in s.indices { #expect(abs(s[i] - ref[i]) <= 1e-15 + 1e-13 * ref[i]) }
        #expect(s[3] == 0)
    }

    @Test("dotProduct, reluDot, addScaled agree with naive loops for every length 0…40")
    func reductions() {
        var rng = RNG(seed: 7, stream: .data)
        for n in 0...40 {
            let x = (0..<n).map { _ in rng.gaussian() }, y = (0..<n).map { _ in rng.gaussian() }
            let dot = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 }
            let rd = zip(x, y).reduce(0) { $0 + max($1.0, 0) * $1.1 }
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    let px = xp.baseAddress ?? UnsafePointer(bitPattern: 8)!, py = yp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    #expect(abs(dotProduct(px, py, count: n) - dot) <= 1e-12 * (1 + abs(dot)))
                    #expect(abs(reluDot(px, py, count: n) - rd) <= 1e-12 * (1 + abs(rd)))
                }
            }
            var z = y
            x.withUnsafeBufferPointer { xp in
                z.withUnsafeMutableBufferPointer { zp in
                    if n > 0 { addScaled(0.5, xp.baseAddress!, to: zp.baseAddress!, count: n) }
                }
            }
            for i in 0..<n { #expect(abs(z[i] - (y[i] + 0.5 * x[i])) <= 1e-15 * (1 + abs(y[i]))) }
        }
    }

    @Test("fillGaussian gives exactly the values of repeated gaussian() calls, spare included", arguments: [0, 1, 2, 3, 17, 400])
    func bulkGaussians(count: Int) {
        for leadingOdd in [false, true] {
            var a = RNG(seed: 11, stream: .data), b = a
            if leadingOdd { _ = a.gaussian(); _ = b.gaussian() }  // leaves a cached spare
            var bulk = [Double](repeating: .nan, count: count)
            bulk.withUnsafeMutableBufferPointer { if count > 0 { a.fillGaussian($0.baseAddress!, count: count) } }
            let one = (0..<count).map { _ in b.gaussian() }
            #expect(bulk == one)
            #expect(a.gaussian() == b.gaussian(), "the streams diverge after the bulk call")
        }
    }
}

@Suite("Ziggurat")
struct ZigguratTests {
    @Test("fillGaussianZiggurat gives exactly the values of repeated gaussianZiggurat() calls (tails and wedges included)")
    func bulkMatchesScalar() {
        var a = RNG(seed: 12, stream: .data), b = a
        let n = 200_000  // ≈ 1% of draws leave the rectangle, so both slow paths run many times
        var bulk = [Double](repeating: .nan, count: n)
        bulk.withUnsafeMutableBufferPointer { a.fillGaussianZiggurat($0.baseAddress!, count: n, sd: 0.5) }
        let one = (0..<n).map { _ in 0.5 * b.gaussianZiggurat() }
        #expect(bulk == one)
        #expect(a.next() == b.next())
        #expect(bulk.contains { abs($0) > 0.5 * 3.442620 }, "no tail draw was exercised")
    }
}

/// The Float kernels of the `precision: float` learners, against Double references.
@Suite("Float kernels")
struct FloatKernelsTests {
    @Test("Float expNonPositive: within 2 ulp of the correctly rounded e^x on [−87, 0]; 0 far below and at −∞; NaN stays NaN")
    func fastExp() {
        var rng = RNG(seed: 15, stream: .data)
        var xs: [Float] = [0, -0.0, -1e-30, -1e-6, -0.5, -1, -80, -87]
        for _ in 0..<20_000 { xs.append(-87 * Float(rng.uniform())) }
        for _ in 0..<5_000 { xs.append(-2 * Float(rng.uniform())) }
        var worst: Float = 0
        for start in stride(from: 0, to: xs.count, by: 8) {
            var v = SIMD8<Float>(repeating: 0)
            for i in 0..<8 where start + i < xs.count { v[i] = xs[start + i] }
            let e = expNonPositive(v)
            for i in 0..<8 where start + i < xs.count {
                let ref = Float(Foundation.exp(Double(v[i])))  // correctly rounded to within ½ ulp
                worst = max(worst, abs(e[i] - ref) / ref.ulp)
            }
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        let special = expNonPositive(SIMD8<Float>(-90, -.infinity, .nan, 0, -1, -2, -3, -4))
        #expect(special[0] == 0 && special[1] == 0 && special[2].isNaN && special[3] == 1)
    }

    @Test("Float softmaxRows, dotProduct, reluDot agree with Double references for every length 1…40")
    func reductions() {
        var rng = RNG(seed: 16, stream: .data)
        for n in 1...40 {
            let x = (0..<n).map { _ in rng.gaussian() }, y = (0..<n).map { _ in rng.gaussian() }
            let xf = x.map(Float.init), yf = y.map(Float.init)
            let dot = zip(xf, yf).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rd = zip(xf, yf).reduce(0.0) { $0 + Double(max($1.0, 0)) * Double($1.1) }
            let scale = zip(xf, yf).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            xf.withUnsafeBufferPointer { xp in
                yf.withUnsafeBufferPointer { yp in
                    #expect(abs(Double(dotProduct(xp.baseAddress!, yp.baseAddress!, count: n)) - dot) <= 1e-6 * scale + 1e-7)
                    #expect(abs(Double(reluDot(xp.baseAddress!, yp.baseAddress!, count: n)) - rd) <= 1e-6 * scale + 1e-7)
                }
            }
            var s = x.map { Float(5 * $0) }
            var ref = s.map(Double.init)
            let m = ref.max()!
            ref = ref.map { Foundation.exp($0 - m) }
            let z = ref.reduce(0, +)
            s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, rows: 1, cols: n) }
            #expect(abs(s.reduce(0) { $0 + Double($1) } - 1) <= 1e-6)
            for i in 0..<n { #expect(abs(Double(s[i]) - ref[i] / z) <= 1e-6) }
        }
    }
}

@Suite("RNG")
struct RNGTests {
    @Test("int(below:) gives exactly the stdlib's next(upperBound:) draws, including bounds where rejection is frequent")
    func intBelowMatchesStdlib() {
        let bounds: [Int] = [1, 2, 3, 7, 20, 24, 1000, 1 << 20, (1 << 62) + 1, Int.max / 3 * 2, Int.max]
        for n in bounds {
            var a = RNG(seed: UInt64(n % 997), stream: .data), b = a
            for _ in 0..<20_000 {
                let x = a.int(below: n), y = Int(b.next(upperBound: UInt64(n)))
                guard x == y else { Issue.record("bound \(n): \(x) ≠ \(y)"); return }
            }
            #expect(a.next() == b.next(), "bound \(n): the streams diverged")
        }
    }
}
