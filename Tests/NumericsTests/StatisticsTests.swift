import Foundation
import Testing
@testable import ProvableNumerics

/// |a − b| ≤ abs + rel·|b|.
private func close(_ a: Double, _ b: Double, abs: Double = 1e-12, rel: Double = 1e-10) -> Bool {
    Swift.abs(a - b) <= abs + rel * Swift.abs(b)
}

@Suite("Statistics")
struct StatisticsTests {

    @Test("t quantiles match tables")
    func tQuantiles() {
        #expect(close(Statistics.tQuantile(0.975, degreesOfFreedom: 4), 2.7764451051977987, rel: 1e-9))
        #expect(close(Statistics.tQuantile(0.975, degreesOfFreedom: 1), 12.706204736174698, rel: 1e-9))
        #expect(close(Statistics.tCritical(level: 0.99, degreesOfFreedom: 10), 3.1692726726, rel: 1e-9))
        #expect(close(Statistics.tQuantile(0.5, degreesOfFreedom: 7), 0, abs: 1e-12))
    }

    @Test("mean, sd, se and the 95% t interval of 1…5")
    func describeSmallSample() {
        let s = Statistics.describe([1, 2, 3, 4, 5])
        #expect(s.n == 5)
        #expect(close(s.mean, 3))
        #expect(close(s.sd, 2.5.squareRoot()))
        #expect(close(s.standardError, 2.5.squareRoot() / 5.0.squareRoot()))
        let half = 2.7764451051977987 * (0.5).squareRoot()
        #expect(close(s.ciLow, 3 - half, rel: 1e-9))
        #expect(close(s.ciHigh, 3 + half, rel: 1e-9))
    }

    @Test("NaN entries are dropped; undefined spreads are NaN, not zero")
    func nanAware() {
        #expect(close(Statistics.mean([1, .nan, 3]), 2))
        #expect(Statistics.mean([]).isNaN)
        #expect(Statistics.mean([.nan]).isNaN)
        #expect(Statistics.standardDeviation([4]).isNaN)
        let s = Statistics.describe([7, .nan])
        #expect(s.n == 1 && s.mean == 7 && s.sd.isNaN && s.ciLow.isNaN && s.ciHigh.isNaN)
    }

    @Test("variance is stable for a large offset")
    func varianceStable() {
        let x = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
        #expect(close(Statistics.variance(x), 30, rel: 1e-9))
    }

    @Test("type-7 quantiles and median")
    func quantiles() {
        #expect(close(Statistics.median([3, 1, 4, 2]), 2.5))
        #expect(close(Statistics.median([5, 1, 3]), 3))
        #expect(close(Statistics.quantile([1, 2, 3, 4], 0.25), 1.75))
        #expect(Statistics.quantiles([10, 20, 30], [0, 1]) == [10, 30])
        #expect(Statistics.quantile([], 0.5).isNaN)
    }

    @Test("a fit of exact linear data recovers the line with zero error")
    func exactLinearFit() throws {
        let x = [0.0, 1, 2, 3, 4, 5]
        let y = x.map { -2 + 0.5 * $0 }
        let f = try #require(Statistics.linearFit(x: x, y: y))
        #expect(close(f.slope, 0.5) && close(f.intercept, -2))
        #expect(f.slopeSE < 1e-12 && f.interceptSE < 1e-12)
        #expect(close(f.rSquared, 1))
        #expect(f.n == 6)
    }

    @Test("OLS standard errors against a hand-computed example")
    func handComputedFit() throws {
        // x̄ = 1.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 → b = 1.1, a = 1.1;
        // residuals (−0.1, 0.8, −1.3, 0.6), SSR = 2.7, s² = 1.35;
        // SE(b) = √(1.35/5), SE(a) = √(1.35·(1/4 + 2.25/5)), r² = 1 − 2.7/8.75.
        let f = try #require(Statistics.linearFit(x: [0, 1, 2, 3], y: [1, 3, 2, 5]))
        #expect(close(f.slope, 1.1) && close(f.intercept, 1.1))
        #expect(close(f.slopeSE, (1.35 / 5).squareRoot()))
        #expect(close(f.interceptSE, (1.35 * 0.7).squareRoot()))
        #expect(close(f.rSquared, 1 - 2.7 / 8.75))
        #expect(close(f.covariance, -1.35 * 1.5 / 5))
        let ci = f.slopeConfidenceInterval()
        let t2 = Statistics.tQuantile(0.975, degreesOfFreedom: 2)
        #expect(close(ci.upper - f.slope, t2 * f.slopeSE))
    }

    @Test("degenerate fits return nil")
    func degenerateFits() {
        #expect(Statistics.linearFit(x: [1], y: [2]) == nil)
        #expect(Statistics.linearFit(x: [2, 2, 2], y: [1, 2, 3]) == nil)
        #expect(Statistics.linearFit(x: [1, .nan], y: [1, 2]) == nil)
        let two = Statistics.linearFit(x: [0, 1], y: [0, 2])
        #expect(two?.slope == 2 && two?.slopeSE.isNaN == true)
    }

    @Test("weighted fit: equal weights equal OLS; absolute weights give (XᵀWX)⁻¹")
    func weightedFit() throws {
        let x = [0.0, 1, 2, 3], y = [1.0, 3, 2, 5]
        let ols = try #require(Statistics.linearFit(x: x, y: y))
        let w = try #require(Statistics.weightedLinearFit(x: x, y: y, weights: [3, 3, 3, 3]))
        #expect(close(w.slope, ols.slope) && close(w.slopeSE, ols.slopeSE) && close(w.interceptSE, ols.interceptSE))
        let abs = try #require(Statistics.weightedLinearFit(x: x, y: y, weights: [1, 1, 1, 1], absoluteWeights: true))
        #expect(close(abs.slopeSE, (1.0 / 5).squareRoot()))
        // A zero weight removes a point.
        let dropped = try #require(Statistics.weightedLinearFit(x: x + [10], y: y + [100], weights: [1, 1, 1, 1, 0]))
        #expect(close(dropped.slope, ols.slope))
    }

    @Test("power-law fit recovers an exponent and skips non-positive points")
    func powerLaw() throws {
        let x = [1.0, 2, 4, 8, 16, 0, -1, .nan]
        let y = x.map { 3 * pow($0, -1.5) }
        let f = try #require(Statistics.powerLawFit(x: x, y: y))
        #expect(f.n == 5 && f.skipped == 3)
        #expect(close(f.exponent, -1.5, abs: 1e-12))
        #expect(close(f.prefactor, 3, rel: 1e-12))
        #expect(f.exponentSE < 1e-10)

        // Noisy data: the exponent's SE is the log–log slope's SE.
        let xs = [1.0, 2, 4, 8]
        let ys = zip(xs, [1.1, 0.9, 1.05, 0.95]).map { 2 * $0 * $1 }
        let g = try #require(Statistics.powerLawFit(x: xs, y: ys))
        let lf = try #require(Statistics.linearFit(x: xs.map { log($0) }, y: ys.map { log($0) }))
        #expect(close(g.exponent, lf.slope) && close(g.exponentSE, lf.slopeSE))
        #expect(g.exponentConfidenceInterval().contains(1))
    }
}
