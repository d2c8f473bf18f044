/// A fixed-size scratch buffer of Doubles, allocated once and reused every step.
///
/// Layers keep their activations and gradient scratch in these, so the training step loop does not
/// allocate. (A Swift array would do too, but `withUnsafe…` closures around every BLAS call make
/// kernels unreadable; a stable pointer keeps them short.)
public final class Buffer {
    public let count: Int
    public let p: UnsafeMutablePointer<Double>

    public init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { p.deallocate() }

    public func zero() { p.update(repeating: 0, count: count) }
    public var array: [Double] { Array(UnsafeBufferPointer(start: p, count: count)) }
}
