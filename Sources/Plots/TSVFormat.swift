import Foundation

/// The `<id>.tsv` layout:
///
///     # <title>
///     # <about lines: block layout, NaN convention>
///     # <notes…>
///     # <one line per axis, one line per block>
///     #
///     # index 0: line 'mean accuracy' (y1 axis)
///     # columns: x = <x label>; y = line value; lo, hi = shaded band
///     # x	y	lo	hi
///     1	0.51	0.48	0.54
///     …
///     <two blank lines>
///     # index 1: …
///
/// One block per layer in layer order, so gnuplot's `index N` is layer N. Values are tab
/// separated, `%.10g`; missing values are `NaN`, never 0. The numbers are the figure's data as
/// given: values a log axis cannot show (≤ 0) are kept here and handled by the script.
/// A layer without data still gets a block, holding one NaN row: gnuplot does not count a block
/// of comments only, which would shift every later index.
enum TSVFormat {

    static func text(for figure: Figure) -> String {
        var out = header(for: figure).map(comment).joined()
        out += "#\n"
        out += figure.layers.enumerated()
            .map { index, layer in block(index: index, layer: layer, figure: figure) }
            .joined(separator: "\n\n")
        return out
    }

    // MARK: Header

    static func header(for figure: Figure) -> [String] {
        var lines = [oneLine(figure.title.isEmpty ? figure.id : figure.title)]
        lines.append(
            "figure \(figure.id): data of \(figure.id).gp (gnuplot). One block per layer, "
                + "separated by two blank lines: gnuplot `index N` is layer N.")
        lines.append("NaN = missing value (drawn as a gap), never 0. Numbers have 10 significant digits; columns are tab separated.")
        if !figure.notes.isEmpty {
            lines.append("")
            lines += figure.notes.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            lines.append("")
        }
        lines.append("x axis: " + describe(figure.x))
        lines.append("y axis: " + describe(figure.y))
        if figure.usesY2 { lines.append("y2 axis: " + describe(figure.axis(.y2))) }
        for (index, layer) in figure.layers.enumerated() {
            lines.append("index \(index): " + summary(layer) + " — columns " + columns(layer).joined(separator: " "))
        }
        return lines
    }

    static func describe(_ axis: Axis) -> String {
        var text = "'\(oneLine(axis.label))'"
        if axis.log { text += ", logarithmic" }
        if axis.min != nil || axis.max != nil {
            text += ", range [\(axis.min.map(Number.text) ?? "auto"), \(axis.max.map(Number.text) ?? "auto")]"
        }
        return text
    }

    static func summary(_ layer: Layer) -> String {
        let title = "'\(oneLine(layer.title))'"
        switch layer {
        case .line: return "line \(title) (\(layer.axis) axis)"
        case .points: return "points \(title) (\(layer.axis) axis)"
        case .bars: return "bars \(title) (\(layer.axis) axis)"
        case .hline: return "reference line \(title) (y1 axis)"
        case .heatmap(let h): return "heat map \(title), z = '\(oneLine(h.zLabel))'"
        }
    }

    // MARK: Blocks

    static func columns(_ layer: Layer) -> [String] {
        switch layer {
        case .line(let l): return l.band == nil ? ["x", "y"] : ["x", "y", "lo", "hi"]
        case .points(let p): return p.yErr == nil ? ["x", "y"] : ["x", "y", "err"]
        case .bars: return ["x", "height"]
        case .hline: return ["y"]
        case .heatmap: return ["x", "y", "z", "xlo", "xhi", "ylo", "yhi"]
        }
    }

    static func columnMeaning(_ layer: Layer, figure: Figure) -> String {
        let x = "x = \(oneLine(figure.x.label))"
        switch layer {
        case .line(let l):
            return "\(x); y = line value" + (l.band == nil ? "" : "; lo, hi = shaded band")
        case .points(let p):
            return "\(x); y = marker" + (p.yErr == nil ? "" : "; err = error bar half-length (y ± err)")
        case .bars:
            return "\(x); height = bar height from 0"
        case .hline:
            return "y = constant, drawn across the whole x range"
        case .heatmap(let h):
            return "x, y = cell centre; z = \(oneLine(h.zLabel)); xlo xhi ylo yhi = cell edges "
                + "(halfway between grid values); one scan line per y value, separated by one blank line"
        }
    }

    static func block(index: Int, layer: Layer, figure: Figure) -> String {
        let cols = columns(layer)
        var out = comment("index \(index): " + summary(layer))
        out += comment("columns: " + columnMeaning(layer, figure: figure))
        out += comment(cols.joined(separator: "\t"))
        let rows = dataRows(layer, figure: figure)
        if rows.isEmpty {
            out += comment("(no data: one NaN row keeps the block numbering)")
            out += row(Array(repeating: .nan, count: cols.count))
        } else {
            out += rows
        }
        return out
    }

    /// The block's data lines (heat maps: scan lines separated by one blank line); "" if none.
    static func dataRows(_ layer: Layer, figure: Figure) -> String {
        switch layer {
        case .line(let l):
            return l.x.indices.map { i in
                row([l.x[i], l.y[i]] + (l.band.map { [$0.lo[i], $0.hi[i]] } ?? []))
            }.joined()
        case .points(let p):
            return p.x.indices.map { i in row([p.x[i], p.y[i]] + (p.yErr.map { [$0[i]] } ?? [])) }.joined()
        case .bars(let b):
            return b.x.indices.map { row([b.x[$0], b.height[$0]]) }.joined()
        case .hline(let h):
            return row([h.y])
        case .heatmap(let h):
            guard !h.xs.isEmpty, !h.ys.isEmpty else { return "" }
            let xEdges = HeatmapGrid.edges(h.xs, log: figure.x.log)
            let yEdges = HeatmapGrid.edges(h.ys, log: figure.y.log)
            return h.ys.indices.map { iy in
                h.xs.indices.map { ix in
                    row([h.xs[ix], h.ys[iy], h.z[iy][ix], xEdges[ix].lo, xEdges[ix].hi, yEdges[iy].lo, yEdges[iy].hi])
                }.joined()
            }.joined(separator: "\n")
        }
    }

    static func row(_ values: [Double]) -> String {
        values.map(Number.text).joined(separator: "\t") + "\n"
    }

    static func comment(_ text: String) -> String {
        text.isEmpty ? "#\n" : "# " + oneLine(text) + "\n"
    }

    /// Comment and header lines must stay single lines, in the `.tsv` and in the `.gp`: every line
    /// break (`\n`, `\r\n`, a lone `\r`, VT, FF, NEL, U+2028/2029) becomes ` / `, every other
    /// control character but the tab (column headers are tab-separated) a space, and a trailing backslash gets a space after it, because gnuplot
    /// continues a line that ends in `\` — a comment would swallow the script's next line.
    /// Works per Unicode scalar: a combining mark after `\r` cannot hide it inside one Character.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar?
        for u in text.unicodeScalars {
            defer { previous = u }
            if u == "\n" && previous == "\r" { continue }  // \r\n: one break, already written
            if GnuplotScript.isLineBreak(u) {
                out.append(contentsOf: " / ".unicodeScalars)
            } else if u.properties.generalCategory == .control && u != "\t" {
                out.append(" ")
            } else {
                out.append(u)
            }
        }
        if out.last == "\\" { out.append(" ") }
        return String(out)
    }
}
