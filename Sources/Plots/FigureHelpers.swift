import Foundation

// Helpers for figure recipes: the theory's prediction drawn beside the measurement, and the
// fitted exponent printed in the key (DESIGN.md, "Figures").

extension Palette {
    /// Default color of theory reference lines: dark gray, so a prediction never looks like
    /// another measured series.
    static let theory = "#505050"
}

extension Figure {

    /// Key text comparing a fitted slope (exponent) with the theory's, e.g.
    /// `fit slope 1.12 ± 0.08 (theory 1)`, or `T*: fit slope -1.03 ± 0.15 (theory -1)` with a name.
    ///
    /// The fitted value is rounded to the precision of its standard error (one significant digit,
    /// two when the error's leading digit is 1 or 2); without a usable error, to two decimals.
    /// A non-finite fit prints as `n/a`.
    public static func slopeLabel(name: String, fitted: Double, stderr: Double?, theory: Double) -> String {
        let fit: String
        if !fitted.isFinite {
            fit = "n/a"
        } else if let se = stderr, se.isFinite, se > 0 {
            let places = decimalPlaces(forError: se)
            fit = "\(fixed(fitted, places)) ± \(fixed(se, places))"
        } else {
            fit = fixed(fitted, 2)
        }
        let body = "fit slope \(fit) (theory \(String(format: "%.3g", theory)))"
        return name.isEmpty ? body : "\(name): \(body)"
    }

    /// Adds a dashed theory line y = c·x^exponent (a straight line of slope `exponent` on log-log
    /// axes) spanning the x range of the figure's line and point layers (or the x axis's
    /// min/max where set).
    ///
    /// - Parameters:
    ///   - exponent: the theory's slope on log–log axes.
    ///   - anchor: a point the line passes through; nil = the intercept that fits the
    ///     first line or points layer best for this fixed exponent (`Line.powerLawAnchor`).
    ///   - title: the key entry.
    ///   - color: the line's color; nil = the writer's palette.
    /// - Returns: false (and adds nothing) when there is no positive x range or no anchor.
    @discardableResult
    public mutating func addTheorySlope(
        exponent: Double, through anchor: (x: Double, y: Double)? = nil,
        title: String? = nil, color: String? = nil
    ) -> Bool {
        let data = layers.compactMap { layer -> (x: [Double], y: [Double])? in
            switch layer {
            case .line(let l): return (l.x, l.y)
            case .points(let p): return (p.x, p.y)
            default: return nil
            }
        }
        let xs = data.flatMap(\.x).filter { $0.isFinite && $0 > 0 }
        guard let lo = x.min ?? xs.min(), let hi = x.max ?? xs.max(), lo > 0, lo < hi else { return false }
        guard let through = anchor ?? data.first.flatMap({ Line.powerLawAnchor(x: $0.x, y: $0.y, exponent: exponent) })
        else { return false }
        let label = title ?? "theory: slope \(String(format: "%.3g", exponent))"
        layers.append(.line(Line.powerLaw(exponent: exponent, through: through, over: lo...hi, title: label, color: color)))
        return true
    }

    static func decimalPlaces(forError se: Double) -> Int {
        let magnitude = Int(floor(log10(se)))
        let leading = se / pow(10, Double(magnitude))
        let significant = leading < 2.95 ? 2 : 1
        return min(8, max(0, significant - 1 - magnitude))
    }

    static func fixed(_ value: Double, _ places: Int) -> String {
        String(format: "%.\(places)f", value)
    }
}

extension Line {

    /// A dashed theory reference line y = y0·(x/x0)^exponent through `anchor` = (x0, y0), sampled
    /// at `samples` points over `xRange`: log-spaced when the range is positive (a straight line
    /// on log-log axes, a smooth curve on linear ones), evenly spaced otherwise.
    /// `color` nil = dark gray (theory lines are not measurements).
    public static func powerLaw(
        exponent: Double, through anchor: (x: Double, y: Double),
        over xRange: ClosedRange<Double>, title: String,
        samples: Int = 40, color: String? = nil
    ) -> Line {
        let n = max(2, samples)
        let (a, b) = (xRange.lowerBound, xRange.upperBound)
        let xs: [Double] = (0..<n).map { i in
            let t = Double(i) / Double(n - 1)
            return a > 0 ? a * pow(b / a, t) : a + (b - a) * t
        }
        let ys = xs.map { anchor.y * pow($0 / anchor.x, exponent) }
        return Line(title, x: xs, y: ys, dash: .dashed, color: color ?? Palette.theory, isReference: true)
    }

    /// The point (x̄, ȳ) at the geometric means of the data through which a power law with this
    /// fixed exponent fits best in log space: log c = mean(log y − p·log x). Uses the pairs with
    /// positive finite x and y; nil if there are none.
    public static func powerLawAnchor(x: [Double], y: [Double], exponent: Double) -> (x: Double, y: Double)? {
        let pairs = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite && $0.0 > 0 && $0.1 > 0 }
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        let meanLogX = pairs.map { log($0.0) }.reduce(0, +) / n
        let meanLogY = pairs.map { log($0.1) }.reduce(0, +) / n
        // The least-squares intercept for a fixed slope passes through the centroid in log space.
        return (exp(meanLogX), exp(meanLogY))
    }
}
