import CBLAS

/// Thin, shape-checked wrappers over OpenBLAS (row-major CBLAS).
///
/// The pointer-level `gemm` is what hot loops call on pre-allocated buffers (no allocation);
/// the `Matrix` overloads are for setup code and tests.
public enum Transpose: Sendable {
    case none, transpose
    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C ← α·op(A)·op(B) + β·C on raw row-major buffers. op(A) is m×k, op(B) is k×n, C is m×n.
/// `lda`, `ldb`, `ldc` are the row strides of the buffers as stored.
@inlinable
public func gemm(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
    _ b: UnsafePointer<Double>, ldb: Int,
    beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int
) {
    cblas_dgemm(
        CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k),
        alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// C ← α·op(A)·op(B) + β·C for `Matrix` values (shapes checked).
public func gemm(
    _ a: Matrix, _ b: Matrix, into c: inout Matrix,
    transA: Transpose = .none, transB: Transpose = .none,
    alpha: Double = 1, beta: Double = 0
) {
    let (m, ka) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
    let (kb, n) = transB == .none ? (b.rows, b.cols) : (b.cols, b.rows)
    precondition(ka == kb, "gemm inner dimensions differ: \(ka) vs \(kb)")
    precondition(c.rows == m && c.cols == n, "gemm output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
    if m == 0 || n == 0 { return }
    if ka == 0 { for i in 0..<c.storage.count { c.storage[i] *= beta }; return }
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            c.storage.withUnsafeMutableBufferPointer { pc in
                gemm(
                    transA, transB, m: m, n: n, k: ka, alpha: alpha, pa.baseAddress!, lda: a.cols,
                    pb.baseAddress!, ldb: b.cols, beta: beta, pc.baseAddress!, ldc: c.cols)
            }
        }
    }
}

/// y ← α·x + y (daxpy).
public func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    precondition(x.count == y.count, "axpy length mismatch")
    if x.isEmpty { return }
    x.withUnsafeBufferPointer { px in
        y.withUnsafeMutableBufferPointer { py in
            cblas_daxpy(Int32(x.count), alpha, px.baseAddress!, 1, py.baseAddress!, 1)
        }
    }
}

/// x · y (ddot).
public func dot(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "dot length mismatch")
    if x.isEmpty { return 0 }
    return x.withUnsafeBufferPointer { px in
        y.withUnsafeBufferPointer { py in cblas_ddot(Int32(x.count), px.baseAddress!, 1, py.baseAddress!, 1) }
    }
}

/// Facts about the linked BLAS, for run manifests.
public enum BLASInfo {
    /// Pin OpenBLAS to one thread: parallelism in Provable is across runs, never inside one.
    public static func useSingleThread() { openblas_set_num_threads(1) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
}

/// y ← α·op(A)·x + β·y on raw row-major buffers; A is m×n as stored.
@inlinable
public func gemv(
    _ trans: Transpose, m: Int, n: Int, alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
    _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>
) {
    cblas_dgemv(CblasRowMajor, trans.cblas, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
}

/// A ← α·x·yᵀ + A (rank-1 update, dger) on a row-major m×n buffer; `zeroFirst` clears A first.
@inlinable
public func ger(
    m: Int, n: Int, alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
    _ a: UnsafeMutablePointer<Double>, lda: Int, zeroFirst: Bool
) {
    if zeroFirst { for i in 0..<m { (a + i * lda).update(repeating: 0, count: n) } }
    cblas_dger(CblasRowMajor, Int32(m), Int32(n), alpha, x, 1, y, 1, a, Int32(lda))
}
