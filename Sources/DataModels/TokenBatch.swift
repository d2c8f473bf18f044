import Numerics

/// A batch of B token sequences of length L in R^d, pre-allocated and refilled in place.
///
/// Shape legend: x is (B·L)×d row-major — rows b·L ..< (b+1)·L are sample b's tokens.
/// `pattern[b·L + l]` is the index of the pattern token l was drawn from (for attention metrics).
public struct TokenBatch: Sendable {
    public let capacity: Int
    public let length: Int
    public let dimension: Int
    /// Number of valid samples (≤ capacity).
    public var count: Int
    public var x: [Double]          // (capacity·L) × d
    public var labels: [Double]     // capacity, ±1
    public var pattern: [Int32]     // capacity·L

    public init(capacity: Int, length: Int, dimension: Int) {
        self.capacity = capacity
        self.length = length
        self.dimension = dimension
        self.count = capacity
        x = [Double](repeating: 0, count: capacity * length * dimension)
        labels = [Double](repeating: 0, count: capacity)
        pattern = [Int32](repeating: -1, count: capacity * length)
    }

    /// Copy sample `i` of `source` into slot `j` of this batch (minibatches drawn from a fixed set).
    public mutating func copySample(_ i: Int, from source: TokenBatch, to j: Int) {
        let n = length * dimension
        let srcStart = i * n, dstStart = j * n
        x.withUnsafeMutableBufferPointer { dst in
            source.x.withUnsafeBufferPointer { src in
                (dst.baseAddress! + dstStart).update(from: src.baseAddress! + srcStart, count: n)
            }
        }
        labels[j] = source.labels[i]
        for l in 0..<length { pattern[j * length + l] = source.pattern[i * length + l] }
    }

    /// The tokens of sample b as an L×d matrix (tests and measurements).
    public func sample(_ b: Int) -> Matrix {
        let n = length * dimension
        return Matrix(rows: length, cols: dimension, storage: Array(x[(b * n)..<((b + 1) * n)]))
    }
}
