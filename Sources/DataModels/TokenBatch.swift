import ProvableNumerics

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
    public var x: [Double]  // (capacity·L) × d
    public var labels: [Double]  // capacity, ±1
    public var pattern: [Int32]  // capacity·L

    public init(capacity: Int, length: Int, dimension: Int) {
        self.capacity = capacity
        self.length = length
        self.dimension = dimension
        self.count = capacity
        x = [Double](repeating: 0, count: capacity * length * dimension)
        labels = [Double](repeating: 0, count: capacity)
        pattern = [Int32](repeating: -1, count: capacity * length)
    }

    /// The three arrays at once, for fill loops that run on raw pointers (one exclusive access to the
    /// batch instead of one per element; a class holding the batch could not otherwise touch `labels`
    /// while `x` is borrowed). Buffers are full capacity: x (capacity·L·d), labels (capacity), pattern (capacity·L).
    public mutating func withUnsafeMutableBuffers<R>(
        _ body: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Int32>) throws -> R
    ) rethrows -> R {
        try x.withUnsafeMutableBufferPointer { x in
            try labels.withUnsafeMutableBufferPointer { labels in
                try pattern.withUnsafeMutableBufferPointer { pattern in try body(x, labels, pattern) }
            }
        }
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

    /// The valid samples in chunks of at most `capacity`: `body(tokens, start, n)` gets samples
    /// start ..< start+n, their tokens starting at `tokens` (how a model evaluates a set larger than
    /// its batch).
    public func forEachChunk(capacity: Int, _ body: (_ tokens: UnsafePointer<Double>, _ start: Int, _ n: Int) -> Void) {
        precondition(capacity > 0)
        let stride = length * dimension
        x.withUnsafeBufferPointer { xb in
            var start = 0
            while start < count {
                let n = Swift.min(capacity, count - start)
                body(xb.baseAddress! + start * stride, start, n)
                start += n
            }
        }
    }

    /// The tokens of sample b as an L×d matrix (tests and measurements).
    public func sample(_ b: Int) -> Matrix {
        let n = length * dimension
        return Matrix(rows: length, cols: dimension, storage: Array(x[(b * n)..<((b + 1) * n)]))
    }
}

/// A data model whose samples are fixed-length token sequences drawn independently: it fills one
/// slot of a batch; filling whole batches and drawing new sample sets is written once here.
public protocol TokenSequenceModel {
    /// Tokens per sample and token dimension (the batch shape the model fills).
    var sequenceLength: Int { get }
    var tokenDimension: Int { get }
    /// Draw a fresh sample into slot `b` of `batch` (no allocation).
    func fillSample(_ b: Int, of batch: inout TokenBatch, rng: inout RNG)
}

extension TokenSequenceModel {
    /// Fill all `batch.capacity` slots with fresh samples (no allocation).
    public func fill(_ batch: inout TokenBatch, rng: inout RNG) {
        precondition(batch.length == sequenceLength && batch.dimension == tokenDimension, "batch shape does not match the data model")
        batch.count = batch.capacity
        for b in 0..<batch.capacity { fillSample(b, of: &batch, rng: &rng) }
    }

    /// A new batch of n samples.
    public func sample(_ n: Int, rng: inout RNG) -> TokenBatch {
        var batch = TokenBatch(capacity: n, length: sequenceLength, dimension: tokenDimension)
        fill(&batch, rng: &rng)
        return batch
    }
}
