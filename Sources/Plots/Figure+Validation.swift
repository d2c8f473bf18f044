import Foundation

extension Figure {

    /// Checks what the writer relies on; throws `FigureError.invalidFigure` naming the layer.
    func validate() throws {
        func fail(_ reason: String) -> FigureError { .invalidFigure(id: id, reason: reason) }

        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.+")
        if id.isEmpty || id.hasPrefix(".") || id.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            throw fail("id must be a non-empty file stem of letters, digits and _ - . + (not starting with '.')")
        }
        if width < 50 || height < 50 { throw fail("canvas \(width)×\(height) is too small") }
        for (name, axis) in [("x", x), ("y", y), ("y2", y2)] {
            guard let axis else { continue }
            if let lo = axis.min, let hi = axis.max, !(lo < hi) { throw fail("\(name) axis min \(lo) is not below max \(hi)") }
            if axis.log, let lo = axis.min, !(lo > 0) { throw fail("\(name) axis is logarithmic but min is \(lo)") }
            if axis.log, let hi = axis.max, !(hi > 0) { throw fail("\(name) axis is logarithmic but max is \(hi)") }
        }
        for (index, layer) in layers.enumerated() {
            if let problem = layer.shapeProblem { throw fail("layer \(index) '\(layer.title)': \(problem)") }
        }
    }

    /// Whether anything is drawn against the secondary y axis (also true when `y2` is set alone).
    var usesY2: Bool { y2 != nil || layers.contains { $0.axis == .y2 } }

    var hasHeatmap: Bool {
        layers.contains {
            if case .heatmap = $0 { return true }; return false
        }
    }

    /// The axis settings for a side; y2 falls back to an unlabelled linear axis.
    func axis(_ side: AxisSide) -> Axis { side == .y1 ? y : (y2 ?? Axis("")) }

    /// Color of each layer: its own, else the next palette color in layer order (heat maps take
    /// none). Colors depend only on layer order, not on which layers happen to have data.
    var layerColors: [String?] {
        zip(layers, styleIndices).map { layer, k in k.map { layer.color ?? Palette.categorical[$0 % Palette.categorical.count] } }
    }

    /// Each layer's place in the style cycle (heat maps take none).
    var styleIndices: [Int?] {
        var next = 0
        return layers.map { layer in
            if case .heatmap = layer { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// Dash type of each line: its own; for `.auto`, the next of the cycle when the writer also
    /// picks the color, else solid (a recipe that chose the color manages the line's look, e.g.
    /// "solid = E₂, dashed = alignment"); nil for other layers.
    var layerDashes: [Dash?] {
        zip(layers, styleIndices).map { layer, k in
            guard case .line(let l) = layer, let k else { return nil }
            guard l.dash == .auto else { return l.dash }
            return l.color == nil ? Palette.dashes[k % Palette.dashes.count] : .solid
        }
    }

    /// gnuplot point type of each layer that draws markers (nil for the rest):
    /// - points layers: their own marker, or the cycle's when both color and marker are left to the writer;
    /// - lines drawn with points, and lines of three or more points whose color and dash are left to
    ///   the writer: the cycle's (sparse markers on dense curves);
    /// - then, so that no two curves look alike without color: a line of three or more points, or a
    ///   points layer, that has the same dash and marker as an earlier one gets the next marker of
    ///   the cycle that no earlier layer of its kind uses.
    /// Fitted and theory lines (`Line.isReference`) take no marker in either step.
    var layerMarkers: [Int?] {
        let dashes = layerDashes
        var markers: [Int?] = zip(layers, styleIndices).map { layer, k in
            guard let k else { return nil }
            let cycled = Palette.markers[k % Palette.markers.count]
            switch layer {
            case .points(let p): return p.color == nil && p.marker == .disc ? cycled : p.marker.rawValue
            case .line(let l): return !l.isReference && (l.withPoints || (l.dash == .auto && l.color == nil && l.x.count >= 3)) ? cycled : nil
            default: return nil
            }
        }
        var seen = Set<String>()
        for (i, layer) in layers.enumerated() {
            let kind: String
            switch layer {
            case .line(let l): guard l.x.count >= 3, !l.isReference else { continue }; kind = "line \(String(describing: dashes[i]))"
            case .points: kind = "points"
            default: continue
            }
            if seen.contains("\(kind) \(markers[i].map(String.init) ?? "-")") {
                let used = Set(seen.filter { $0.hasPrefix(kind + " ") }.compactMap { Int($0.split(separator: " ").last!) })
                markers[i] = Palette.markers.first { !used.contains($0) } ?? markers[i]
            }
            seen.insert("\(kind) \(markers[i].map(String.init) ?? "-")")
        }
        return markers
    }
}

extension Layer {
    var title: String {
        switch self {
        case .line(let l): return l.title
        case .points(let p): return p.title
        case .bars(let b): return b.title
        case .hline(let h): return h.title
        case .heatmap(let h): return h.title
        }
    }

    var color: String? {
        switch self {
        case .line(let l): return l.color
        case .points(let p): return p.color
        case .bars(let b): return b.color
        case .hline(let h): return h.color
        case .heatmap: return nil
        }
    }

    /// The y axis the layer is drawn against (reference lines and heat maps: y1).
    var axis: AxisSide {
        switch self {
        case .line(let l): return l.axis
        case .points(let p): return p.axis
        case .bars(let b): return b.axis
        case .hline, .heatmap: return .y1
        }
    }

    /// A description of inconsistent array lengths or grids, nil when the layer is well formed.
    var shapeProblem: String? {
        switch self {
        case .line(let l):
            if l.x.count != l.y.count { return "x has \(l.x.count) values, y has \(l.y.count)" }
            if let band = l.band, band.lo.count != l.x.count || band.hi.count != l.x.count {
                return "band has \(band.lo.count) lo / \(band.hi.count) hi values for \(l.x.count) x values"
            }
        case .points(let p):
            if p.x.count != p.y.count { return "x has \(p.x.count) values, y has \(p.y.count)" }
            if let err = p.yErr, err.count != p.x.count { return "yErr has \(err.count) values for \(p.x.count) points" }
        case .bars(let b):
            if b.x.count != b.height.count { return "x has \(b.x.count) values, height has \(b.height.count)" }
            if let w = b.width, !(w > 0 && w.isFinite) { return "bar width \(w) is not positive" }
        case .hline:
            break
        case .heatmap(let h):
            if h.z.count != h.ys.count { return "z has \(h.z.count) rows for \(h.ys.count) y values" }
            if let row = h.z.firstIndex(where: { $0.count != h.xs.count }) {
                return "z row \(row) has \(h.z[row].count) values for \(h.xs.count) x values"
            }
            if !HeatmapGrid.isStrictlyMonotone(h.xs) { return "xs must be finite and strictly increasing or decreasing" }
            if !HeatmapGrid.isStrictlyMonotone(h.ys) { return "ys must be finite and strictly increasing or decreasing" }
            if let lo = h.zMin, let hi = h.zMax, !(lo < hi) { return "zMin \(lo) is not below zMax \(hi)" }
        }
        return nil
    }
}

/// Number formatting shared by the `.tsv` and the `.gp`: full precision, non-finite → `NaN`.
enum Number {
    /// `%.10g`; NaN and ±infinity are written as `NaN` (gnuplot: undefined, drawn as a gap).
    static func text(_ value: Double) -> String {
        value.isFinite ? String(format: "%.10g", value) : "NaN"
    }
}
