// Bootstrap intervals over seeds.
//
// A claim's statistic is often not a mean: the slope of log T* against log α, a threshold N* read
// off a grid, a ratio of two means. Its interval comes from resampling the seeds (the replicates of
// every sweep point, independently per point) and recomputing the statistic on each resample.
//
// Seeds are few (3 to 20), and a plain percentile bootstrap is too narrow at such sizes: for the
// mean of n values its spread is sd·√((n−1)/n)/√n and it uses normal rather than Student quantiles,
// so at n = 5 a nominal 95% percentile interval covers about 85%. The interval used here is the
// union of two intervals, so it is never narrower than either:
//
// - the percentile interval [q_{2.5%}, q_{97.5%}] of the resampled statistics (follows skewed and
//   discrete distributions, e.g. thresholds on a grid);
// - the bootstrap standard error scaled as a small-sample t interval:
//   θ̂ ± t_{0.975, n−1} · √(n/(n−1)) · SE_boot, with n the fewest seeds behind any point used.
//   For a mean this is exactly the Student t interval (SE_boot·√(n/(n−1)) = sd/√n), so a statistic
//   that is a mean gets the familiar interval, and a smooth function of means (a log–log slope) gets
//   the delta-method interval with honest degrees of freedom.
//
// Resamples where the statistic cannot be formed (a threshold not reached, a fit with too few
// points) are failures. They could lie anywhere, so each one widens both tails: the percentile
// levels become (2.5% − f)/(1 − f) of the finite resamples, and more than 2.5% failures make the
// interval unbounded — the verdict is then "inconclusive" (extend the grid or add seeds), never a
// pass on the resamples that happened to work.
import Foundation

public enum Bootstrap {
    /// Resamples drawn for every bootstrapped claim statistic (the floor is 2000).
    public static let defaultResamples = 2000

    /// The interval of `estimate` from the statistic's values on bootstrap resamples (NaN or ±∞
    /// entries are failures), at `level`, with `seeds` the fewest replicates behind any sweep point.
    public static func interval(estimate: Double, resampled: [Double], seeds: Int, level: Double = 0.95) -> ClosedInterval {
        let finite = resampled.filter { $0.isFinite }
        let failures = Double(resampled.count - finite.count) / Double(max(1, resampled.count))
        let tail = (1 - level) / 2
        guard estimate.isFinite, !finite.isEmpty, failures <= tail, seeds >= 2 else {
            return ClosedInterval(lower: -.infinity, upper: .infinity)
        }
        // Percentile interval, each tail shrunk by the failure fraction (failures could sit in either tail).
        let p = (tail - failures) / (1 - failures)
        let q = Statistics.quantiles(finite, [p, 1 - p])
        // Small-sample t-scaled bootstrap standard error.
        let se = Statistics.standardDeviation(finite)
        let n = Double(seeds)
        let half = Statistics.tCritical(level: level, degreesOfFreedom: n - 1) * (n / (n - 1)).squareRoot() * (se.isFinite ? se : 0)
        return ClosedInterval(lower: min(q[0], estimate - half), upper: max(q[1], estimate + half))
    }

    /// Indices 0..<n drawn with replacement: one resample of n seeds.
    @inlinable
    public static func draw(_ n: Int, _ rng: inout RNG) -> [Int] {
        (0..<n).map { _ in rng.int(below: n) }
    }
}
