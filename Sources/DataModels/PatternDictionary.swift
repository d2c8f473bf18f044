import ProvableNumerics

/// M orthonormal patterns in R^d, stored as the rows of an M×d matrix (row k = pattern k).
///
/// Shared by every paper's data model: the low-rank paper's μ_1, μ_2, ν_k; the ICL paper's in-domain
/// patterns; the graph paper's μ+/μ−; the MoE paper's feature patterns.
public struct PatternDictionary: Sendable {
    public enum Basis: String, Sendable, CaseIterable {
        /// Columns of Q from the QR of a d×d Gaussian matrix (default: avoids axis-aligned patterns,
        /// which make alignment with an identity-initialized W look trivially good).
        case random
        /// e_1 … e_M.
        case standard
    }

    public let dimension: Int
    public let count: Int
    /// M×d, orthonormal rows.
    public let patterns: Matrix

    public init(dimension d: Int, count m: Int, basis: Basis, rng: inout RNG) throws {
        precondition(d >= m && m >= 1, "need d ≥ M ≥ 1 (got d=\(d), M=\(m))")
        dimension = d
        count = m
        switch basis {
        case .standard:
            patterns = Matrix.identity(rows: m, cols: d)
        case .random:
            var g = Matrix(rows: d, cols: d)
            for i in 0..<g.count { g.storage[i] = rng.gaussian() }
            let q = try orthonormalColumns(g)  // d×d, orthonormal columns
            patterns = q.columns(0..<m).transposed  // M×d: row k = column k of Q
        }
    }

    /// Pattern k as an array (setup code; hot loops read `patterns.storage` directly).
    public func pattern(_ k: Int) -> [Double] { patterns.row(k) }

    /// max |PPᵀ − I|: 0 up to rounding for a valid dictionary.
    public var orthonormalityError: Double {
        var g = Matrix(rows: count, cols: count)
        gemm(patterns, patterns, into: &g, transB: .transpose)
        return (g - Matrix.identity(rows: count, cols: count)).maxAbs
    }
}
