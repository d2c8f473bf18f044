import ProvableNumerics

/// A fixed-size scratch buffer, allocated once and reused every step.
///
/// Layers keep their activations and gradient scratch in these, so the training step loop does not
/// allocate. (A Swift array would do too, but `withUnsafe…` closures around every BLAS call make
/// kernels unreadable; a stable pointer keeps them short.) `Scalar` is the learner's working precision.
public final class ScalarBuffer<Scalar: BLASScalar> {
    public let count: Int
    public let p: UnsafeMutablePointer<Scalar>

    public init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { p.deallocate() }

    public func zero() { p.update(repeating: 0, count: count) }
    /// The entries, widened to Double (for measurements and tests).
    public var array: [Double] { (0..<count).map { p[$0].double } }
}

/// The Double buffers of every Double-only model (MoE, graph) and of the shared Double paths.
public typealias Buffer = ScalarBuffer<Double>
