import Foundation

/// Geometry of a heat map's grid: cell edges and whether gnuplot's `with image` can draw it.
enum HeatmapGrid {

    static func isStrictlyMonotone(_ values: [Double]) -> Bool {
        guard values.allSatisfy(\.isFinite) else { return false }
        guard values.count > 1 else { return true }
        let steps = zip(values.dropFirst(), values).map { $0 - $1 }
        return steps.allSatisfy { $0 > 0 } || steps.allSatisfy { $0 < 0 }
    }

    /// Equally spaced and increasing, at least two values: `with image` places pixels on such a
    /// grid exactly (it assumes equal spacing, and misplaces pixels on log axes).
    static func isUniform(_ values: [Double]) -> Bool {
        guard values.count >= 2, isStrictlyMonotone(values), values[1] > values[0] else { return false }
        let step = values[1] - values[0]
        return zip(values.dropFirst(), values).allSatisfy { abs(($0 - $1) - step) <= 1e-6 * abs(step) }
    }

    /// Cell edges around each grid value: halfway to the neighbours (geometric halfway on a log
    /// axis), the outer edges mirrored. A single value gets a cell of width 1 (log: one decade).
    /// On a log axis, non-positive grid values get NaN edges (the cell is not drawn).
    static func edges(_ values: [Double], log: Bool) -> [(lo: Double, hi: Double)] {
        let n = values.count
        if n == 0 { return [] }
        if n == 1 {
            let v = values[0]
            return log ? [(v / 10.0.squareRoot(), v * 10.0.squareRoot())] : [(v - 0.5, v + 0.5)]
        }
        func mid(_ a: Double, _ b: Double) -> Double {
            log ? (a > 0 && b > 0 ? (a * b).squareRoot() : .nan) : (a + b) / 2
        }
        func mirror(_ v: Double, _ m: Double) -> Double { log ? v * v / m : 2 * v - m }
        let mids = (0..<(n - 1)).map { mid(values[$0], values[$0 + 1]) }
        let bounds = [mirror(values[0], mids[0])] + mids + [mirror(values[n - 1], mids[n - 2])]
        return (0..<n).map { (bounds[$0], bounds[$0 + 1]) }
    }
}
