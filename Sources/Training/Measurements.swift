import ProvableNumerics

/// What the theorems talk about, measured on weight updates ΔW = W^(T) − W^(0) (spec §5.4–5.5, 5.8).
public enum Measure {
    /// Singular values of ΔW, descending.
    public static func spectrum(_ delta: Matrix) throws -> [Double] { try singularValues(delta) }

    /// σ_i / σ_1 (all zeros if ΔW = 0).
    public static func normalized(_ sigma: [Double]) -> [Double] {
        guard let s1 = sigma.first, s1 > 0 else { return sigma.map { _ in 0 } }
        return sigma.map { $0 / s1 }
    }

    /// Energy fraction of the top k singular values, E_k = Σ_{i≤k} σ_i² / Σ_i σ_i² (E_2 in the spec).
    public static func energyFraction(_ sigma: [Double], top k: Int = 2) -> Double {
        let total = sigma.reduce(0) { $0 + $1 * $1 }
        guard total > 0 else { return .nan }
        return sigma.prefix(k).reduce(0) { $0 + $1 * $1 } / total
    }

    /// Effective rank r_θ = #{i : σ_i/σ_1 > θ} (θ = 0.1 in the spec).
    public static func effectiveRank(_ sigma: [Double], threshold theta: Double = 0.1) -> Int {
        normalized(sigma).filter { $0 > theta }.count
    }

    /// Row-space alignment ρ_row(ΔW) = ‖ΔW U‖_F² / ‖ΔW‖_F² for an orthonormal basis U (cols×r) of the
    /// target subspace — ΔW_K and ΔW_V, whose right factor is the key/value input (spec §5.5).
    public static func rowSpaceAlignment(_ delta: Matrix, basis u: Matrix) -> Double {
        let total = delta.frobeniusNorm
        guard total > 0 else { return .nan }
        let p = delta * u
        return pow(p.frobeniusNorm / total, 2)
    }

    /// Column-space alignment ρ_col(ΔW) = ‖U′ᵀ ΔW‖_F² / ‖ΔW‖_F² for an orthonormal basis U′ (rows×r) —
    /// ΔW_Q, whose output side carries the key patterns since dW_Q = W_K Γ (spec §5.5).
    public static func columnSpaceAlignment(_ delta: Matrix, basis u: Matrix) -> Double {
        let total = delta.frobeniusNorm
        guard total > 0 else { return .nan }
        var p = Matrix(rows: u.cols, cols: delta.cols)
        gemm(u, delta, into: &p, transA: .transpose)
        return pow(p.frobeniusNorm / total, 2)
    }

    /// Orthonormal basis (as columns) of the span of the given vectors (each of length n).
    public static func orthonormalBasis(_ vectors: [[Double]]) throws -> Matrix {
        let n = vectors[0].count
        var m = Matrix(rows: n, cols: vectors.count)
        for (j, v) in vectors.enumerated() { for i in 0..<n { m[i, j] = v[i] } }
        return try orthonormalColumns(m)
    }

    /// Fraction of rows whose norm exceeds `factor` × the median initial row norm (the "lucky"
    /// neurons of ICL'24; spec §5.8 uses factor 3), and the ratio median(large)/median(initial).
    public static func largeNeurons(trained: [Double], initial: [Double], factor: Double = 3) -> (fraction: Double, ratio: Double) {
        let med0 = Statistics.median(initial)
        let large = trained.filter { $0 > factor * med0 }
        let frac = Double(large.count) / Double(max(trained.count, 1))
        return (frac, large.isEmpty ? .nan : Statistics.median(large) / med0)
    }
}

import Foundation
