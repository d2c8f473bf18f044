import ProvableNumerics

/// The data model: Gaussian design, linear teacher, Gaussian label noise.
///
///     x ~ N(0, I_d),   y = ⟨w*, x⟩ + σ ε,   ε ~ N(0, 1),   ‖w*‖ = 1 (a random direction).
///
/// With Σ = E[x xᵀ] = I the excess risk of any w is R(w) − R(w*) = ‖w − w*‖², computed exactly
/// (no test set needed).
public struct LinearRegressionData {
    public let d: Int
    public let sigma: Double
    /// The teacher w*.
    public let teacher: [Double]
    var rng: RNG

    public init(d: Int, sigma: Double, seed: UInt64) {
        precondition(d >= 1 && sigma >= 0)
        self.d = d; self.sigma = sigma
        var initStream = RNG(seed: seed, stream: RNG.Stream.`init`)
        var w = [Double](repeating: 0, count: d)
        initStream.fillGaussian(&w)
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        teacher = w.map { $0 / norm }
        rng = RNG(seed: seed, stream: .data)
    }

    /// Draw one sample into `x` (d values) and return its label.
    public mutating func sample(into x: UnsafeMutablePointer<Double>) -> Double {
        rng.fillGaussian(x, count: d)
        let clean = teacher.withUnsafeBufferPointer { dotProduct($0.baseAddress!, x, count: d) }
        return clean + sigma * rng.gaussian()
    }

    /// R(w) − R(w*) = ‖w − w*‖² (Σ = I).
    public func excessRisk(_ w: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<d { let e = w[i] - teacher[i]; s += e * e }
        return s
    }
}
