import Foundation

/// `<id>.csv`, beside every figure's gnuplot `.tsv`: the same numbers as one tidy table that
/// `pandas.read_csv` or R's `read.csv` load as is — a header row, one row per drawn value, and the
/// layer it belongs to in `series` (the `.tsv` keeps that only in comments and `index` blocks).
///
/// Columns: `series` (the layer's title, or "layer N"), `layer` (its index, = `index N` of the `.tsv`),
/// `kind` (line, points, bars, reference, heatmap), `axis` (y1, y2), `x`, `y`, `y_low`, `y_high`
/// (a line's band, or y ∓ a point's error bar), `z` (a heat-map cell). An empty field is a missing
/// value. Text fields are quoted as RFC 4180 says.
public enum TidyCSV {
    public static let columns = ["series", "layer", "kind", "axis", "x", "y", "y_low", "y_high", "z"]

    public static func text(for figure: Figure) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for (i, layer) in figure.layers.enumerated() {
            let series = field(layer.title.isEmpty ? "layer \(i)" : layer.title)
            func row(_ kind: String, _ axis: AxisSide, x: Double?, y: Double?, lo: Double? = nil, hi: Double? = nil, z: Double? = nil) {
                out +=
                    [
                        series, String(i), kind, axis == .y1 ? "y1" : "y2",
                        number(x), number(y), number(lo), number(hi), number(z),
                    ].joined(separator: ",") + "\n"
            }
            switch layer {
            case .line(let l):
                for k in l.x.indices { row("line", l.axis, x: l.x[k], y: l.y[k], lo: l.band?.lo[k], hi: l.band?.hi[k]) }
            case .points(let p):
                for k in p.x.indices {
                    let e = p.yErr?[k]
                    row("points", p.axis, x: p.x[k], y: p.y[k], lo: e.map { p.y[k] - $0 }, hi: e.map { p.y[k] + $0 })
                }
            case .bars(let b):
                for k in b.x.indices { row("bars", b.axis, x: b.x[k], y: b.height[k]) }
            case .hline(let h):
                row("reference", .y1, x: nil, y: h.y)
            case .heatmap(let h):
                for iy in h.ys.indices { for ix in h.xs.indices { row("heatmap", .y1, x: h.xs[ix], y: h.ys[iy], z: h.z[iy][ix]) } }
            }
        }
        return out
    }

    /// A forest plot's rows: claim, value, its interval, the accepted band, prediction, verdict.
    public static func forest(_ rows: [ForestRow]) -> String {
        "claim,value,ci_low,ci_high,band_low,band_high,prediction,verdict\n"
            + rows.map { r in
                [field(r.id), number(r.value), number(r.lo), number(r.hi), number(r.bandLo), number(r.bandHi), number(r.prediction), field(r.verdict)]
                    .joined(separator: ",") + "\n"
            }.joined()
    }

    /// Shortest round-trip decimal; empty for a missing (nil or NaN) value; ±inf as `inf` / `-inf`.
    public static func number(_ v: Double?) -> String {
        guard let v, !v.isNaN else { return "" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return "\(v)"
    }

    /// RFC 4180: a field with a comma, quote, line break or outer space is quoted, quotes doubled.
    public static func field(_ s: String) -> String {
        let needs = s.contains { $0 == "," || $0 == "\"" || $0.isNewline } || s.first == " " || s.last == " "
        return needs ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
