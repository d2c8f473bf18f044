import CBLAS

/// Errors from LAPACK calls.
public struct LinearAlgebraError: Error, CustomStringConvertible {
    public let routine: String
    public let info: Int32
    public var description: String { "\(routine) failed with info = \(info)" }
}

/// Singular value decomposition A = U·diag(σ)·Vᵀ (thin), σ sorted descending.
public struct SVD: Sendable {
    public let u: Matrix  // rows × k
    public let singularValues: [Double]  // k = min(rows, cols)
    public let vt: Matrix  // k × cols

    /// Thin SVD through LAPACKE dgesdd (divide and conquer); falls back to dgesvd if it fails.
    public init(_ a: Matrix) throws {
        let m = a.rows, n = a.cols, k = min(m, n)
        guard k > 0 else {
            u = Matrix(rows: m, cols: 0); singularValues = []; vt = Matrix(rows: 0, cols: n); return
        }
        var work = a.storage
        var s = [Double](repeating: 0, count: k)
        var uu = [Double](repeating: 0, count: m * k)
        var vv = [Double](repeating: 0, count: k * n)
        var info = LAPACKE_dgesdd(
            LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n), &work, Int32(n),
            &s, &uu, Int32(k), &vv, Int32(n))
        if info != 0 {
            work = a.storage
            var superb = [Double](repeating: 0, count: max(1, k - 1))
            info = LAPACKE_dgesvd(
                LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int8(UInt8(ascii: "S")), Int32(m), Int32(n),
                &work, Int32(n), &s, &uu, Int32(k), &vv, Int32(n), &superb)
            if info != 0 { throw LinearAlgebraError(routine: "dgesvd", info: info) }
        }
        u = Matrix(rows: m, cols: k, storage: uu)
        singularValues = s
        vt = Matrix(rows: k, cols: n, storage: vv)
    }

    /// Best rank-r approximation Σ_{i<r} σ_i u_i v_iᵀ (Eckart–Young).
    public func truncated(rank r: Int) -> Matrix {
        let m = u.rows, n = vt.cols
        var out = Matrix(rows: m, cols: n)
        for i in 0..<min(r, singularValues.count) {
            let s = singularValues[i]
            for a in 0..<m {
                let ua = u[a, i] * s
                if ua == 0 { continue }
                for b in 0..<n { out.storage[a * n + b] += ua * vt[i, b] }
            }
        }
        return out
    }
}

/// Singular values of A (descending).
public func singularValues(_ a: Matrix) throws -> [Double] { try SVD(a).singularValues }

/// Orthonormal Q factor of A = QR (thin: rows × min(rows, cols)) through LAPACKE dgeqrf + dorgqr.
/// Column signs are fixed so that diag(R) ≥ 0, which makes the result a deterministic function of A.
public func orthonormalColumns(_ a: Matrix) throws -> Matrix {
    let m = a.rows, n = a.cols, k = min(m, n)
    var work = a.storage
    var tau = [Double](repeating: 0, count: max(1, k))
    var info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(m), Int32(n), &work, Int32(n), &tau)
    if info != 0 { throw LinearAlgebraError(routine: "dgeqrf", info: info) }
    let rDiag = (0..<k).map { work[$0 * n + $0] }
    // Keep the first k columns, then expand the reflectors into Q.
    var q = [Double](repeating: 0, count: m * k)
    for i in 0..<m { for j in 0..<k { q[i * k + j] = work[i * n + j] } }
    info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(m), Int32(k), Int32(k), &q, Int32(k), &tau)
    if info != 0 { throw LinearAlgebraError(routine: "dorgqr", info: info) }
    for j in 0..<k where rDiag[j] < 0 { for i in 0..<m { q[i * k + j] = -q[i * k + j] } }
    return Matrix(rows: m, cols: k, storage: q)
}
