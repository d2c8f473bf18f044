import Foundation

/// Row-major dense `Double` matrix: element (i, j) lives at `storage[i * cols + j]`.
///
/// A value type with contiguous storage, so it can be handed to BLAS/LAPACK without copying.
/// Batched buffers are matrices too: a batch of B samples of L tokens in R^d is a (B·L)×d matrix
/// whose rows b·L ..< (b+1)·L belong to sample b.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    public private(set) var rows: Int
    public private(set) var cols: Int
    public var storage: [Double]

    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = [Double](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "storage has \(storage.count) entries, expected \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Build from nested rows, e.g. `Matrix([[1, 2], [3, 4]])`.
    public init(_ nested: [[Double]]) {
        let r = nested.count
        let c = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == c }, "ragged rows")
        self.init(rows: r, cols: c, storage: nested.flatMap { $0 })
    }

    /// Identity (rectangular when rows ≠ cols: ones on the main diagonal), scaled by `scale`.
    public static func identity(rows: Int, cols: Int, scale: Double = 1) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<min(rows, cols) { m.storage[i * cols + i] = scale }
        return m
    }

    public var count: Int { rows * cols }
    public var shape: (rows: Int, cols: Int) { (rows, cols) }

    @inlinable public subscript(i: Int, j: Int) -> Double {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    public func row(_ i: Int) -> [Double] { Array(storage[(i * cols)..<((i + 1) * cols)]) }
    public func column(_ j: Int) -> [Double] { (0..<rows).map { storage[$0 * cols + j] } }

    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        t.storage.withUnsafeMutableBufferPointer { transpose(into: $0.baseAddress!) }  // `transpose(into:)`: Scalar.swift
        return t
    }

    /// Columns `range` as a new matrix.
    public func columns(_ range: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows, cols: range.count)
        for i in 0..<rows { for (k, j) in range.enumerated() { out.storage[i * range.count + k] = storage[i * cols + j] } }
        return out
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    public mutating func fill(_ value: Double) {
        storage.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = value } }
    }

    /// Frobenius norm ‖A‖_F.
    public var frobeniusNorm: Double { storage.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// ℓ2 norm of each row.
    public var rowNorms: [Double] {
        (0..<rows).map { i in
            var s = 0.0
            for j in 0..<cols { let v = storage[i * cols + j]; s += v * v }
            return s.squareRoot()
        }
    }

    /// Largest absolute entry, max_ij |A_ij|.
    public var maxAbs: Double { storage.reduce(0) { max($0, abs($1)) } }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch")
        return Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map(+))
    }
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch")
        return Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map(-))
    }
    public static func * (s: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, cols: a.cols, storage: a.storage.map { s * $0 })
    }
    /// Matrix product through BLAS dgemm.
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, cols: b.cols)
        gemm(a, b, into: &c)
        return c
    }

    /// In-place `self += alpha * other` (BLAS daxpy).
    public mutating func add(_ other: Matrix, scaledBy alpha: Double = 1) {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch")
        axpy(alpha, other.storage, &storage)
    }

    public var description: String {
        (0..<rows).map { i in (0..<cols).map { j in String(format: "%9.4f", self[i, j]) }.joined(separator: " ") }
            .joined(separator: "\n")
    }
}
