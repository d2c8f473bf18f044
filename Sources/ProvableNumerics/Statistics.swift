// Statistics for replicate summaries and scaling-law fits.
//
// Everything here is NaN-aware in the same documented way: summaries of a sample drop NaN entries
// first (a missing measurement is not a zero), and quantities that are undefined for the sample
// size (a standard deviation of one value, a fit through two points' residuals) are NaN rather
// than a misleading 0. Quantiles of Student's t come from GSL (`gsl_cdf_tdist_Pinv`); the fits are
// written out by hand with centred sums, so that each standard error below can be read against its
// textbook formula.
//
// This file imports CGSL only (never CBLAS): GSL's cblas enums clash with OpenBLAS's.
import CGSL
import Foundation

/// Namespace for descriptive statistics, t intervals and least-squares fits.
public enum Statistics {

    // MARK: - Descriptive

    /// The finite entries of `values` (drops NaN and ±∞): what every summary below actually reads.
    @inlinable
    public static func finite(_ values: [Double]) -> [Double] { values.filter { $0.isFinite } }

    /// Arithmetic mean of the finite entries; NaN when there are none.
    public static func mean(_ values: [Double]) -> Double {
        var sum = 0.0, n = 0
        for v in values where v.isFinite { sum += v; n += 1 }
        return n == 0 ? .nan : sum / Double(n)
    }

    /// Sample variance (divisor n − 1) of the finite entries, by the two-pass formula
    /// (stable when the mean is large next to the spread). NaN when fewer than two values.
    public static func variance(_ values: [Double]) -> Double {
        let x = finite(values)
        guard x.count >= 2 else { return .nan }
        let m = x.reduce(0, +) / Double(x.count)
        var ss = 0.0, comp = 0.0
        for v in x { let d = v - m; ss += d * d; comp += d }
        // Corrected two-pass: subtract the rounding error of the mean (Chan, Golub & LeVeque).
        return (ss - comp * comp / Double(x.count)) / Double(x.count - 1)
    }

    /// Sample standard deviation (divisor n − 1). NaN when fewer than two finite values.
    public static func standardDeviation(_ values: [Double]) -> Double { variance(values).squareRoot() }

    /// Standard error of the mean, sd / √n. NaN when fewer than two finite values.
    public static func standardError(_ values: [Double]) -> Double {
        let n = values.lazy.filter { $0.isFinite }.count
        return n < 2 ? .nan : standardDeviation(values) / Double(n).squareRoot()
    }

    /// The p-quantile of Student's t with `degreesOfFreedom` (> 0), e.g. t(0.975, 4) = 2.7764.
    public static func tQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 1, "tQuantile needs 0 < p < 1, got \(p)")
        precondition(nu > 0, "tQuantile needs positive degrees of freedom, got \(nu)")
        return gsl_cdf_tdist_Pinv(p, nu)
    }

    /// The two-sided critical value t_{(1+level)/2, ν}.
    public static func tCritical(level: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        return tQuantile((1 + level) / 2, degreesOfFreedom: nu)
    }

    /// Level-`level` Student-t confidence interval for the mean of the finite entries:
    /// mean ± t_{(1+level)/2, n−1} · sd/√n. Bounds are NaN when fewer than two finite values.
    public static func meanConfidenceInterval(_ values: [Double], level: Double = 0.95) -> ClosedInterval {
        let x = finite(values)
        let m = mean(x)
        guard x.count >= 2 else { return ClosedInterval(lower: .nan, upper: .nan) }
        let half = tCritical(level: level, degreesOfFreedom: Double(x.count - 1)) * standardError(x)
        return ClosedInterval(lower: m - half, upper: m + half)
    }

    /// The p-quantile (0 ≤ p ≤ 1) of the finite entries by linear interpolation between order
    /// statistics (Hyndman–Fan type 7, the default of R and NumPy). NaN when there are none.
    public static func quantile(_ values: [Double], _ p: Double) -> Double {
        precondition(p >= 0 && p <= 1, "quantile needs 0 ≤ p ≤ 1, got \(p)")
        let x = finite(values).sorted()
        return quantileOfSorted(x, p)
    }

    /// Several quantiles with a single sort.
    public static func quantiles(_ values: [Double], _ ps: [Double]) -> [Double] {
        let x = finite(values).sorted()
        return ps.map { quantileOfSorted(x, $0) }
    }

    /// Median of the finite entries (type-7 quantile at ½).
    public static func median(_ values: [Double]) -> Double { quantile(values, 0.5) }

    static func quantileOfSorted(_ x: [Double], _ p: Double) -> Double {
        precondition(p >= 0 && p <= 1, "quantile needs 0 ≤ p ≤ 1, got \(p)")
        guard !x.isEmpty else { return .nan }
        let h = Double(x.count - 1) * p
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, x.count - 1)
        return x[lo] + (h - Double(lo)) * (x[hi] - x[lo])
    }

    /// Mean, sd, standard error and a t interval in one pass over the sample.
    public static func describe(_ values: [Double], level: Double = 0.95) -> SampleSummary {
        let x = finite(values)
        let ci = meanConfidenceInterval(x, level: level)
        return SampleSummary(
            n: x.count, mean: mean(x), sd: standardDeviation(x),
            standardError: standardError(x), ciLow: ci.lower, ciHigh: ci.upper, level: level)
    }

    // MARK: - Least squares

    /// Ordinary least squares y = a + b·x over the pairs where both x and y are finite.
    /// Returns nil when fewer than two usable points remain or all x are equal (slope undefined).
    /// Standard errors use the residual variance s² = SSR/(n − 2), so they are NaN for n = 2.
    public static func linearFit(x: [Double], y: [Double]) -> LinearFit? {
        precondition(x.count == y.count, "linearFit: x and y differ in length (\(x.count) vs \(y.count))")
        return weightedFit(x: x, y: y, w: nil, absoluteWeights: false)
    }

    /// Weighted least squares y = a + b·x minimising Σ wᵢ(yᵢ − a − b xᵢ)², over points with finite
    /// x, y and positive finite weight.
    ///
    /// With `absoluteWeights` the weights are taken as exact inverse variances, wᵢ = 1/σᵢ², and the
    /// covariance is (XᵀWX)⁻¹ (as `gsl_fit_wlinear`). Without it the weights are relative and the
    /// covariance is scaled by the reduced χ² = Σwᵢrᵢ²/(n − 2) (as NumPy's `polyfit(cov=True)`),
    /// which is what you want when weights only encode, say, replicate counts.
    public static func weightedLinearFit(
        x: [Double], y: [Double], weights: [Double],
        absoluteWeights: Bool = false
    ) -> LinearFit? {
        precondition(
            x.count == y.count && x.count == weights.count,
            "weightedLinearFit: x, y and weights differ in length")
        return weightedFit(x: x, y: y, w: weights, absoluteWeights: absoluteWeights)
    }

    private static func weightedFit(x: [Double], y: [Double], w: [Double]?, absoluteWeights: Bool) -> LinearFit? {
        var xs: [Double] = [], ys: [Double] = [], ws: [Double] = []
        xs.reserveCapacity(x.count); ys.reserveCapacity(x.count); ws.reserveCapacity(x.count)
        for i in 0..<x.count where x[i].isFinite && y[i].isFinite {
            let wi = w?[i] ?? 1
            guard wi.isFinite && wi > 0 else { continue }
            xs.append(x[i]); ys.append(y[i]); ws.append(wi)
        }
        let n = xs.count
        guard n >= 2 else { return nil }
        let sw = ws.reduce(0, +)
        var mx = 0.0, my = 0.0
        for i in 0..<n { mx += ws[i] * xs[i]; my += ws[i] * ys[i] }
        mx /= sw; my /= sw
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in 0..<n {
            let dx = xs[i] - mx, dy = ys[i] - my
            sxx += ws[i] * dx * dx; sxy += ws[i] * dx * dy; syy += ws[i] * dy * dy
        }
        guard sxx > 0 else { return nil }
        let b = sxy / sxx
        let a = my - b * mx
        var ssr = 0.0
        for i in 0..<n { let r = ys[i] - a - b * xs[i]; ssr += ws[i] * r * r }
        let dof = n - 2
        // Scale of the coefficient covariance: σ² estimated from residuals, or 1 for exact weights.
        let scale: Double = absoluteWeights ? 1 : (dof > 0 ? ssr / Double(dof) : .nan)
        let varB = scale / sxx
        let varA = scale * (1 / sw + mx * mx / sxx)
        let covAB = -scale * mx / sxx
        let r2 = syy > 0 ? max(0, 1 - ssr / syy) : (ssr == 0 ? 1 : .nan)
        return LinearFit(
            intercept: a, slope: b, interceptSE: varA.squareRoot(), slopeSE: varB.squareRoot(),
            covariance: covAB, rSquared: r2, n: n, weightedSSR: ssr)
    }

    /// Power law y = c·x^k, fitted as log y = log c + k·log x by least squares. Points with
    /// non-positive or non-finite x or y are skipped (counted in `skipped`). nil when fewer than two
    /// usable points remain. The exponent's SE is the slope's SE of the log–log fit.
    public static func powerLawFit(x: [Double], y: [Double]) -> PowerLawFit? {
        precondition(x.count == y.count, "powerLawFit: x and y differ in length (\(x.count) vs \(y.count))")
        return powerLaw(x: x, y: y, weights: nil, absoluteWeights: false)
    }

    /// Weighted power-law fit; `weights` apply to the log–log residuals (see `weightedLinearFit`).
    /// For y = mean of replicates with standard error se, a natural choice is w = (y/se)², since
    /// Var(log ȳ) ≈ (se/ȳ)².
    public static func weightedPowerLawFit(
        x: [Double], y: [Double], weights: [Double],
        absoluteWeights: Bool = false
    ) -> PowerLawFit? {
        precondition(
            x.count == y.count && x.count == weights.count,
            "weightedPowerLawFit: x, y and weights differ in length")
        return powerLaw(x: x, y: y, weights: weights, absoluteWeights: absoluteWeights)
    }

    private static func powerLaw(x: [Double], y: [Double], weights: [Double]?, absoluteWeights: Bool) -> PowerLawFit? {
        var lx: [Double] = [], ly: [Double] = [], lw: [Double] = []
        for i in 0..<x.count where x[i].isFinite && y[i].isFinite && x[i] > 0 && y[i] > 0 {
            if let w = weights { guard w[i].isFinite && w[i] > 0 else { continue }; lw.append(w[i]) }
            lx.append(Foundation.log(x[i])); ly.append(Foundation.log(y[i]))
        }
        let skipped = x.count - lx.count
        let fit =
            weights == nil
            ? weightedFit(x: lx, y: ly, w: nil, absoluteWeights: false)
            : weightedFit(x: lx, y: ly, w: lw, absoluteWeights: absoluteWeights)
        guard let f = fit else { return nil }
        return PowerLawFit(
            exponent: f.slope, exponentSE: f.slopeSE, prefactor: Foundation.exp(f.intercept),
            logPrefactorSE: f.interceptSE, rSquared: f.rSquared, n: f.n, skipped: skipped, logFit: f)
    }
}

/// A closed interval [lower, upper]; NaN bounds mean "undefined for this sample".
public struct ClosedInterval: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double
    public init(lower: Double, upper: Double) { self.lower = lower; self.upper = upper }
    public var halfWidth: Double { (upper - lower) / 2 }
    public func contains(_ v: Double) -> Bool { v >= lower && v <= upper }
}

/// Count, mean, spread and t interval of the finite entries of a sample.
public struct SampleSummary: Sendable, Equatable, Codable {
    public var n: Int
    public var mean: Double
    /// Sample sd (n − 1); NaN for n < 2.
    public var sd: Double
    public var standardError: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// Confidence level of [ciLow, ciHigh], e.g. 0.95.
    public var level: Double
}

/// Result of y = a + b·x by (weighted) least squares.
public struct LinearFit: Sendable, Equatable {
    /// a
    public var intercept: Double
    /// b
    public var slope: Double
    public var interceptSE: Double
    public var slopeSE: Double
    /// Cov(a, b).
    public var covariance: Double
    /// Coefficient of determination 1 − SSR/SST (weighted sums for weighted fits).
    public var rSquared: Double
    /// Points used (after dropping non-finite ones).
    public var n: Int
    /// Σ wᵢ rᵢ² (plain SSR for an unweighted fit).
    public var weightedSSR: Double

    public func predict(_ x: Double) -> Double { intercept + slope * x }

    /// Level-`level` t interval for the slope, b ± t_{(1+level)/2, n−2}·SE(b). NaN for n ≤ 2.
    public func slopeConfidenceInterval(level: Double = 0.95) -> ClosedInterval {
        guard n > 2, slopeSE.isFinite else { return ClosedInterval(lower: .nan, upper: .nan) }
        let h = Statistics.tCritical(level: level, degreesOfFreedom: Double(n - 2)) * slopeSE
        return ClosedInterval(lower: slope - h, upper: slope + h)
    }
}

/// Result of y = c·x^k fitted in log–log space (natural logarithms).
public struct PowerLawFit: Sendable, Equatable {
    /// k
    public var exponent: Double
    public var exponentSE: Double
    /// c = exp(intercept of the log–log fit).
    public var prefactor: Double
    /// SE of log c.
    public var logPrefactorSE: Double
    public var rSquared: Double
    /// Points used.
    public var n: Int
    /// Points dropped because x or y was non-positive or not finite.
    public var skipped: Int
    /// The underlying fit of log y on log x.
    public var logFit: LinearFit

    public func predict(_ x: Double) -> Double { prefactor * Foundation.pow(x, exponent) }

    /// t interval for the exponent (see `LinearFit.slopeConfidenceInterval`).
    public func exponentConfidenceInterval(level: Double = 0.95) -> ClosedInterval {
        logFit.slopeConfidenceInterval(level: level)
    }

    /// "k = −1.02 ± 0.05" — the form figure keys print.
    public var label: String {
        String(format: "k = %.3g ± %.2g", exponent, exponentSE)
    }
}
