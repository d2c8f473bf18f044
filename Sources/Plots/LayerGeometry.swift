import Foundation

/// What of a layer gnuplot can actually draw, given the figure's log axes. The script leaves out
/// a plot clause with nothing drawable: gnuplot fails with "all points y value undefined" when
/// no clause of a `plot` has a valid point, and warns for each empty one.
///
/// A value is drawable when it is finite and, on a log axis, positive. Non-positive values on a
/// log axis stay in the `.tsv` as they are (it is the data record); lines, points and bars
/// treat them as undefined (a gap). Bands need help in the script: `filledcurves` pins such
/// points to the plot edge, so band x and upper edges ≤ 0 become NaN there, and lower edges
/// ≤ 0 are raised to `bandFloor`, so a mean − sd below zero still shades down to the lowest
/// data instead of cutting the band.
struct LayerGeometry {
    let figure: Figure

    init(_ figure: Figure) { self.figure = figure }

    func onAxis(_ value: Double, log: Bool) -> Bool { value.isFinite && (!log || value > 0) }
    func onX(_ value: Double) -> Bool { onAxis(value, log: figure.x.log) }
    func onY(_ value: Double, _ side: AxisSide) -> Bool { onAxis(value, log: figure.axis(side).log) }

    // MARK: Drawable parts

    func lineDrawable(_ l: Line) -> Bool {
        l.x.indices.contains { onX(l.x[$0]) && onY(l.y[$0], l.axis) }
    }

    func bandDrawable(_ l: Line) -> Bool {
        guard let band = l.band else { return false }
        // A finite lower edge is always usable: on a log axis the script raises it to `bandFloor`.
        return l.x.indices.contains { i in onX(l.x[i]) && onY(band.hi[i], l.axis) && band.lo[i].isFinite }
    }

    /// Whether some finite band edge is ≤ 0 on a log axis (the script then needs `bandFloor`).
    func bandNeedsFloor(_ l: Line) -> Bool {
        guard let band = l.band, figure.axis(l.axis).log else { return false }
        return band.lo.contains { $0.isFinite && $0 <= 0 }
    }

    /// Whether `values` on a log axis include finite values ≤ 0.
    func bandHasNonPositive(_ values: [Double], log: Bool) -> Bool {
        log && values.contains { $0.isFinite && $0 <= 0 }
    }

    func pointsDrawable(_ p: Points) -> Bool {
        p.x.indices.contains { onX(p.x[$0]) && onY(p.y[$0], p.axis) }
    }

    func barsDrawable(_ b: Bars) -> Bool {
        b.x.indices.contains { onX(b.x[$0]) && onY(b.height[$0], b.axis) }
    }

    /// A reference line must lie inside an explicit y range: it is drawn as an arrow, which
    /// gnuplot does not clip.
    func hlineDrawable(_ h: HLine) -> Bool {
        onY(h.y, .y1) && h.y >= (figure.y.min ?? -.infinity) && h.y <= (figure.y.max ?? .infinity)
    }

    /// (cells with a value, cells without one) that have a valid position on the axes.
    func heatmapCells(_ h: Heatmap) -> (filled: Int, missing: Int) {
        let xEdges = HeatmapGrid.edges(h.xs, log: figure.x.log)
        let yEdges = HeatmapGrid.edges(h.ys, log: figure.y.log)
        var filled = 0, missing = 0
        for iy in h.ys.indices where onY(yEdges[iy].lo, .y1) && onY(yEdges[iy].hi, .y1) {
            for ix in h.xs.indices where onX(xEdges[ix].lo) && onX(xEdges[ix].hi) {
                if h.z[iy][ix].isFinite { filled += 1 } else { missing += 1 }
            }
        }
        return (filled, missing)
    }

    /// `with image` draws a heat map exactly only on an equally spaced, increasing grid with
    /// linear axes; otherwise (or when the heat map asks to be crisp) the script draws one box per cell.
    func heatmapAsImage(_ h: Heatmap) -> Bool {
        !h.crisp && !figure.x.log && !figure.y.log && HeatmapGrid.isUniform(h.xs) && HeatmapGrid.isUniform(h.ys)
    }

    // MARK: Axes

    /// Whether layer `layer` puts at least one valid point against `side` (hlines included).
    func draws(_ layer: Layer, on side: AxisSide) -> Bool {
        guard layer.axis == side else { return false }
        return drawsAnything(layer)
    }

    func drawsAnything(_ layer: Layer) -> Bool {
        switch layer {
        case .line(let l): return lineDrawable(l) || bandDrawable(l)
        case .points(let p): return pointsDrawable(p)
        case .bars(let b): return barsDrawable(b)
        case .hline(let h): return hlineDrawable(h)
        case .heatmap(let h): let c = heatmapCells(h); return c.filled + c.missing > 0
        }
    }

    /// Whether data (not only reference lines, which span whatever x range there is) fixes x.
    var xHasData: Bool {
        figure.layers.contains { layer in
            if case .hline = layer { return false }
            return drawsAnything(layer)
        }
    }

    /// Whether drawable bars sit on `side` (the axis then includes 0 when autoscaled).
    func hasBars(on side: AxisSide) -> Bool {
        figure.layers.contains { layer in
            if case .bars(let b) = layer { return b.axis == side && barsDrawable(b) }
            return false
        }
    }

    /// Where band edges ≤ 0 are drawn on a log axis: the axis minimum if set, else the smallest
    /// positive value drawn on that axis.
    func bandFloor(_ side: AxisSide) -> Double {
        if let min = figure.axis(side).min { return min }
        var values: [Double] = []
        for layer in figure.layers where layer.axis == side {
            switch layer {
            case .line(let l): values += l.y + (l.band.map { $0.lo + $0.hi } ?? [])
            case .points(let p):
                values += p.y
                if let err = p.yErr { values += zip(p.y, err).map { $0 - $1 } }
            case .bars(let b): values += b.height
            case .hline(let h): values.append(h.y)
            case .heatmap: break
            }
        }
        return values.filter { $0.isFinite && $0 > 0 }.min() ?? 1
    }
}
