import ProvableNumerics
import Training

/// The learner: a linear model trained by plain constant-step SGD on the squared loss
/// ℓ(w; x, y) = ½ (⟨w, x⟩ − y)² (least-mean-squares), with the tail average of the iterates:
///
///     w_{t+1} = w_t − γ (⟨w_t, x_t⟩ − y_t) x_t,     w̄ = mean of w_t over the last `window` steps.
///
/// Weights live in Training's `ScalarBuffer`s (allocated once; a step allocates nothing); the
/// products run through ProvableNumerics' kernels.
public final class AveragedLMS {
    public let d: Int
    public let stepSize: Double
    public let weights: ScalarBuffer<Double>
    public let average: ScalarBuffer<Double>
    public private(set) var averaged = 0

    public init(d: Int, stepSize: Double) {
        precondition(d >= 1 && stepSize > 0)
        self.d = d; self.stepSize = stepSize
        weights = ScalarBuffer(d)
        average = ScalarBuffer(d)
    }

    /// The loss ½ (⟨w, x⟩ − y)² at the current weights.
    public func loss(_ x: UnsafePointer<Double>, _ y: Double) -> Double {
        let r = dotProduct(weights.p, x, count: d) - y
        return 0.5 * r * r
    }

    /// ∂ℓ/∂w = (⟨w, x⟩ − y) x, written into `grad`.
    public func gradient(_ x: UnsafePointer<Double>, _ y: Double, into grad: UnsafeMutablePointer<Double>) {
        let r = dotProduct(weights.p, x, count: d) - y
        for i in 0..<d { grad[i] = r * x[i] }
    }

    /// One SGD step on (x, y); returns the loss before the step.
    @discardableResult
    public func step(_ x: UnsafePointer<Double>, _ y: Double) -> Double {
        let r = dotProduct(weights.p, x, count: d) - y
        let c = -stepSize * r, w = weights.p
        for i in 0..<d { w[i] += c * x[i] }
        return 0.5 * r * r
    }

    /// Add the current iterate to the running tail average.
    public func accumulate() {
        averaged += 1
        let k = 1 / Double(averaged), a = average.p, w = weights.p
        for i in 0..<d { a[i] += (w[i] - a[i]) * k }
    }
}
