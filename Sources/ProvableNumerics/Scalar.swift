import CBLAS

/// The floating-point type a learner's forward and backward passes run in.
///
/// Double is the default and produces every committed result. Float is opt-in (`precision: float` in
/// the low-rank and ICL scenarios). It halves memory traffic and roughly doubles what one core's SIMD
/// units and OpenBLAS's sgemm do per cycle. Weights, the SGD update and every measurement stay in
/// Double either way; only the per-step activations and products run in `Self`. The tests in
/// `PrecisionTests` check which measured quantities agree between the two within stated tolerances.
///
/// Each conforming type supplies the BLAS entry point and the hand-written kernels for its width, so
/// a layer written once over `Scalar: BLASScalar` specializes to straight-line code for each.
public protocol BLASScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// "double" or "float": the scenario value and what `sim bench` prints.
    static var precisionName: String { get }
    init(_ value: Double)
    var double: Double { get }

    /// C ← α·op(A)·op(B) + β·C (row-major; see the `Double` free function `gemm`).
    static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Self, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
        beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    static func dotProduct(_ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>, count: Int) -> Self
    static func reluDot(_ g: UnsafePointer<Self>, _ w: UnsafePointer<Self>, count: Int) -> Self
    /// x[i] ← e^{x[i]} for i < n, every x[i] ≤ 0 (the softmax's exponentials).
    static func expNonPositiveInPlace(_ x: UnsafeMutablePointer<Self>, count n: Int)
    /// out[i] = Self(x[i]) for i < n (a plain copy for Double).
    static func convert(_ x: UnsafePointer<Double>, to out: UnsafeMutablePointer<Self>, count n: Int)
    /// out[i] = Double(x[i]) for i < n (a plain copy for Double).
    static func widen(_ x: UnsafePointer<Self>, to out: UnsafeMutablePointer<Double>, count n: Int)
}

extension BLASScalar {
    /// out[i] = Self(x[i]) for i < n: the Double master weights and data into this width (a plain copy
    /// for Double).
    @inlinable
    public static func convert(_ x: UnsafePointer<Double>, to out: UnsafeMutablePointer<Self>, count n: Int) {
        for i in 0..<n { out[i] = Self(x[i]) }
    }

    /// out[i] = Double(x[i]) for i < n: gradients back into the Double master copies.
    @inlinable
    public static func widen(_ x: UnsafePointer<Self>, to out: UnsafeMutablePointer<Double>, count n: Int) {
        for i in 0..<n { out[i] = x[i].double }
    }

    /// y[i] += α·x[i] for i < n (elementwise: the compiler vectorizes it).
    @inlinable @inline(__always)
    public static func addScaled(_ alpha: Self, _ x: UnsafePointer<Self>, to y: UnsafeMutablePointer<Self>, count n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }
}

extension Double: BLASScalar {
    public static var precisionName: String { "double" }
    @inlinable public var double: Double { self }

    @inlinable @inline(__always)
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        ProvableNumerics.gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
    }
    @inlinable @inline(__always) public static func dotProduct(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count n: Int) -> Double {
        ProvableNumerics.dotProduct(x, y, count: n)
    }
    @inlinable @inline(__always) public static func reluDot(_ g: UnsafePointer<Double>, _ w: UnsafePointer<Double>, count n: Int) -> Double {
        ProvableNumerics.reluDot(g, w, count: n)
    }
    @inlinable @inline(__always) public static func expNonPositiveInPlace(_ x: UnsafeMutablePointer<Double>, count n: Int) {
        ProvableNumerics.expNonPositiveInPlace(x, count: n)
    }
    @inlinable
    public static func convert(_ x: UnsafePointer<Double>, to out: UnsafeMutablePointer<Double>, count n: Int) {
        out.update(from: x, count: n)
    }
    @inlinable
    public static func widen(_ x: UnsafePointer<Double>, to out: UnsafeMutablePointer<Double>, count n: Int) {
        out.update(from: x, count: n)
    }
}

extension Float: BLASScalar {
    public static var precisionName: String { "float" }
    @inlinable public var double: Double { Double(self) }

    @inlinable @inline(__always)
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inlinable @inline(__always) public static func dotProduct(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        ProvableNumerics.dotProduct(x, y, count: n)
    }
    @inlinable @inline(__always) public static func reluDot(_ g: UnsafePointer<Float>, _ w: UnsafePointer<Float>, count n: Int) -> Float {
        ProvableNumerics.reluDot(g, w, count: n)
    }
    @inlinable @inline(__always) public static func expNonPositiveInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        ProvableNumerics.expNonPositiveInPlace(x, count: n)
    }
}

/// Which `BLASScalar` a run uses (the scenario key `precision`).
public enum Precision: String, CaseIterable, Sendable {
    case double, float
}

extension Matrix {
    /// Writes the transpose (cols×rows, row-major) into `out`, converted to `T`, allocating nothing:
    /// the per-step refresh of a layer's transposed working copy of a Double master weight.
    @inlinable
    public func transpose<T: BLASScalar>(into out: UnsafeMutablePointer<T>) {
        let r = rows, c = cols
        storage.withUnsafeBufferPointer { p in for i in 0..<r { for j in 0..<c { out[j * r + i] = T(p[i * c + j]) } } }
    }

    /// Writes the entries (same layout) into `out`, converted to `T`.
    @inlinable
    public func copy<T: BLASScalar>(into out: UnsafeMutablePointer<T>) {
        storage.withUnsafeBufferPointer { T.convert($0.baseAddress!, to: out, count: count) }
    }

    /// Sets the entries from `x` (same layout, `count` values), widened to Double: a gradient computed
    /// in a layer's working precision into its Double matrix.
    @inlinable
    public mutating func assign<T: BLASScalar>(from x: UnsafePointer<T>) {
        let n = count
        storage.withUnsafeMutableBufferPointer { T.widen(x, to: $0.baseAddress!, count: n) }
    }
}
