import Foundation

/// Where the key goes so that it covers no data: the figure's corner when that corner is free,
/// else another free corner, else below the plot.
///
/// The test is an estimate made before gnuplot runs: every drawn point, band edge, bar, reference
/// line and the segments between points are mapped to [0, 1]² over the data's own range (gnuplot's
/// autoscale only widens that range, moving data toward the middle, so the estimate errs on the
/// side of moving the key), and the key's box is sized from its entries' length at the terminal's
/// 11 pt font on the figure's canvas.
extension LayerGeometry {
    func keyPlacement() -> KeyPlacement {
        if let fixed = figure.keyResolved { return fixed }
        let corners: [KeyPlacement] = [.topRight, .topLeft, .bottomRight, .bottomLeft]
        guard corners.contains(figure.key) else { return figure.key }
        let titles = figure.layers.map(\.title).filter { !$0.isEmpty }
        guard !titles.isEmpty else { return figure.key }
        if figure.hasHeatmap { return .below }  // a heat map fills the plot: every corner covers cells
        let box = keyBox(titles)
        guard box.w < 0.7, box.h < 0.7 else { return .below }
        let points = normalizedData()
        for corner in [figure.key] + corners.filter({ $0 != figure.key }) where !covers(corner, box, points) {
            return corner
        }
        return .below
    }

    /// The key's size as a fraction of the plot area: the longest entry at ≈ 7.2 px per UTF-8 byte
    /// (gnuplot sizes the key by bytes, so Unicode text gets a wider box) plus the line sample, by a
    /// row of ≈ 20 px per entry (measured on the 11 pt png terminal).
    func keyBox(_ titles: [String]) -> (w: Double, h: Double) {
        let plotW = Double(figure.width - (figure.usesY2 ? 200 : 140)), plotH = Double(figure.height - 110)
        let bytes = Double(titles.map(\.utf8.count).max() ?? 0)
        return ((bytes * 7.2 + 60) / max(plotW, 1), (Double(titles.count) * 20 + 10) / max(plotH, 1))
    }

    func covers(_ corner: KeyPlacement, _ box: (w: Double, h: Double), _ points: [(Double, Double)]) -> Bool {
        let pad = 0.02
        let right = corner == .topRight || corner == .bottomRight, top = corner == .topRight || corner == .topLeft
        let xr = right ? (1 - box.w - pad)...1.0 : 0.0...(box.w + pad)
        let yr = top ? (1 - box.h - pad)...1.0 : 0.0...(box.h + pad)
        return points.contains { xr.contains($0.0) && yr.contains($0.1) }
    }

    /// Every drawn datum in [0, 1]² of the plot area (y2 data against the y2 range).
    func normalizedData() -> [(Double, Double)] {
        var raw: [(x: Double, y: Double, side: AxisSide)] = []
        var hlines: [Double] = []
        for layer in figure.layers {
            switch layer {
            case .line(let l):
                guard lineDrawable(l) else { continue }
                for i in l.x.indices {
                    raw.append((l.x[i], l.y[i], l.axis))
                    if let b = l.band, bandDrawable(l) { raw.append((l.x[i], b.lo[i], l.axis)); raw.append((l.x[i], b.hi[i], l.axis)) }
                }
            case .points(let p):
                guard pointsDrawable(p) else { continue }
                for i in p.x.indices {
                    raw.append((p.x[i], p.y[i], p.axis))
                    if let e = p.yErr?[i], e.isFinite { raw.append((p.x[i], p.y[i] + e, p.axis)); raw.append((p.x[i], p.y[i] - e, p.axis)) }
                }
            case .bars(let b):
                guard barsDrawable(b) else { continue }
                for i in b.x.indices {
                    let w = (b.width ?? 0) / 2
                    for f in stride(from: 0.0, through: 1.0, by: 0.25) {
                        raw.append((b.x[i] - w, b.height[i] * f, b.axis)); raw.append((b.x[i] + w, b.height[i] * f, b.axis))
                    }
                }
            case .hline(let h):
                if hlineDrawable(h) { hlines.append(h.y) }
            case .heatmap:
                continue
            }
        }
        func t(_ v: Double, log: Bool) -> Double? { onAxis(v, log: log) ? (log ? Foundation.log10(v) : v) : nil }
        func range(_ values: [Double], _ a: Axis) -> (Double, Double)? {
            let lo = a.min.flatMap { t($0, log: a.log) } ?? values.min(), hi = a.max.flatMap { t($0, log: a.log) } ?? values.max()
            guard let lo, let hi else { return nil }
            return hi > lo ? (lo, hi) : (lo - 0.5, lo + 0.5)
        }
        let xs = raw.compactMap { t($0.x, log: figure.x.log) }
        func ys(_ side: AxisSide) -> [Double] {
            raw.filter { $0.side == side }.compactMap { t($0.y, log: figure.axis(side).log) }
                + (side == .y1 ? hlines.compactMap { t($0, log: figure.y.log) } : [])
        }
        guard let xr = range(xs, figure.x) else { return [] }
        let yr: [AxisSide: (Double, Double)] = [.y1: range(ys(.y1), figure.y), .y2: range(ys(.y2), figure.axis(.y2))].compactMapValues { $0 }
        func norm(_ x: Double, _ y: Double, _ side: AxisSide) -> (Double, Double)? {
            guard let tx = t(x, log: figure.x.log), let ty = t(y, log: figure.axis(side).log), let r = yr[side] else { return nil }
            return ((tx - xr.0) / (xr.1 - xr.0), (ty - r.0) / (r.1 - r.0))
        }
        var out: [(Double, Double)] = []
        // Points, and the segments between consecutive points of a line (8 steps each).
        var previous: (Double, Double, AxisSide)?
        for p in raw {
            guard let n = norm(p.x, p.y, p.side) else { previous = nil; continue }
            out.append(n)
            if let q = previous, q.2 == p.side {
                for k in 1..<8 { let f = Double(k) / 8; out.append((q.0 + f * (n.0 - q.0), q.1 + f * (n.1 - q.1))) }
            }
            previous = (n.0, n.1, p.side)
        }
        for y in hlines {
            guard let n = norm(xr.0, y, .y1) else { continue }
            for k in 0...20 { out.append((Double(k) / 20, n.1)) }
        }
        return out
    }
}
