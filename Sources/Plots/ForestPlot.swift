import Foundation

/// One claim of a forest plot: a measured value with its 95% interval, the accepted band, the
/// prediction and the verdict (see `ForestPlot`).
public struct ForestRow: Sendable, Equatable {
    /// Claim id, e.g. `lowrank.P2a`. Printed as text (escaped), never interpreted.
    public var id: String
    /// Point estimate; NaN when the claim was not run.
    public var value: Double
    /// 95% interval; may equal `value` (no interval is drawn then), may be ±infinity (drawn
    /// running off the panel), NaN = unknown (that end falls back to `value`).
    public var lo: Double
    public var hi: Double
    /// Accepted band; -infinity / +infinity for a one-sided bound (`≥ 0.9` is [0.9, +inf]).
    /// NaN is read as the open side (±infinity); a reversed band is put in order.
    public var bandLo: Double
    public var bandHi: Double
    /// The exact prediction (e.g. slope -1 with band [-1.6, -0.4]); nil for a pure bound. For a
    /// bound it may be the bound itself.
    public var prediction: Double?
    /// "holds", "holds within band", "inconclusive", "does not hold" or "not run". Another word
    /// is printed as given and drawn in the "not run" gray.
    public var verdict: String

    public init(
        id: String, value: Double, lo: Double, hi: Double, bandLo: Double, bandHi: Double,
        prediction: Double? = nil, verdict: String
    ) {
        self.id = id; self.value = value; self.lo = lo; self.hi = hi
        self.bandLo = bandLo; self.bandHi = bandHi; self.prediction = prediction; self.verdict = verdict
    }
}

/// A forest plot of a paper's claims: one row per claim, the 95% interval as a horizontal bar with
/// the point estimate, the accepted band shaded behind it, the prediction as a dark tick, marker
/// color and shape by verdict, and the real numbers printed beside every row.
///
/// ## Geometry: every row on its own scale
///
/// Claims come in different units (exponents near −1, accuracies in [0, 1], ratios near 50,
/// angles in degrees), so no common axis can show them all. Each row is drawn on its own monotone
/// (increasing left to right) map `t(x)` of its own values, chosen so that what a verdict turns
/// on — where the interval sits relative to the band and the prediction — is comparable down the
/// column; the numbers themselves are printed as text at the right of the row
/// (`0.94 [0.88, 0.99] vs ≥ 0.95`), in the claim's own units.
///
/// - **Two-sided band** [a, b] with prediction p inside it: a → −1, p → 0, b → +1, linear on
///   each side (piecewise linear, so an asymmetric band stretches its two halves differently).
///   Without a prediction inside the band, its midpoint is at 0. Distances read as "fractions of
///   the band's half-width on that side": an interval end at t = 1.5 lies half a half-width
///   beyond the band edge. A point band (a = b) is treated like a one-sided bound at a.
/// - **One-sided bound** (`≥ b` or `≤ b`): b → 0, the accepted side shaded to the panel edge.
///   A bound has no width to measure against, so the row's scale comes from the row itself: the
///   farthest finite value of {estimate, interval ends, prediction} lies at 1.5 units from 0.
///   Which side of the bound the interval lies on, and whether it straddles it, is comparable
///   between rows; its distance from the bound is not (read the printed numbers).
///   The scale still increases left to right (an `≤` bound shades the left side), so the printed
///   interval and the drawn one read in the same order.
/// - **No finite band edge**: the prediction (else the estimate) at 0, scaled like a bound.
///
/// The panel shows t ∈ [−2, 2] (`halfRange`, dotted edges). An interval running past it (or
/// infinite) ends in an arrowhead just outside the panel edge; an estimate past it is drawn on
/// the edge, next to that arrowhead. Each row draws its own finite band edges (thin lines: ±1 for
/// two-sided rows, 0 for bounds); the one guide across all rows is t = 0, the prediction of
/// two-sided rows and the bound of one-sided ones.
///
/// ## Verdicts
///
/// Okabe–Ito colors, and a marker shape per verdict so the plot reads in gray scale: holds =
/// bluish green ● (filled circle), holds within band = light green ○ (ring), inconclusive = orange
/// □ (open square), does not hold = vermillion ✕, not run = gray (no estimate; a dash in the key).
/// The verdict word is printed in the last column in a darker shade of the same hue.
///
/// ## Output
///
/// `svg(rows:title:)` writes the SVG itself (no gnuplot needed): a standalone document without an
/// XML declaration, external references or element ids, so it can be inlined raw into an HTML
/// page (several times) or used as a data URI. `write(rows:title:id:to:)` writes the gnuplot
/// version: `<id>.tsv` (every number, raw and mapped, with a header comment) and a self-contained
/// `<id>.gp` that draws the rows from it, rendered to PNG / SVG like `FigureWriter`'s figures.
/// Row text (ids, verdict words, the title) is escaped for XML in the SVG, and in the `.gp` is
/// passed through `GnuplotScript.quoted`, which leaves gnuplot nothing to execute (no backquote).
public enum ForestPlot {

    /// The panel shows t ∈ [−halfRange, halfRange] of every row's scale.
    public static let halfRange = 2.0
    /// Where the farthest value of a one-sided row lands (its own scale).
    public static let oneSidedReach = 1.5

    /// A standalone SVG document (inline-able in an HTML page as a data URI or raw `<svg>`), no
    /// external references. One `<g class="row">` per input row, in order, each with a `<title>`
    /// tooltip (id, numbers, verdict) and `data-verdict`.
    public static func svg(rows: [ForestRow], title: String) -> String {
        ForestSVG(rows: rows.map(ForestGeometry.init), title: title).document()
    }

    /// The same as a gnuplot figure: `<id>.tsv` (all numbers, header comment), a self-contained
    /// `<id>.gp` reading it by relative path, and, if `render`, `<id>.png` / `.svg` (/ `.pdf`)
    /// through gnuplot, written atomically like `FigureWriter`'s figures.
    ///
    /// - Throws: `FigureError.invalidFigure` for an id that is not a file stem (letters, digits,
    ///   `_ - . +`); `FigureError.gnuplotNotFound` (after writing `.tsv` and `.gp`) when gnuplot is
    ///   missing; `FigureError.gnuplotFailed` with gnuplot's output.
    @discardableResult
    public static func write(
        rows: [ForestRow], title: String, id: String, to directory: URL,
        formats: FigureFormats = .standard, render: Bool = true
    ) throws -> FigureFiles {
        let (geometry, layout, canvas) = try prepare(rows: rows, title: title, id: id)
        let tsv = ForestGnuplot.tsv(geometry, title: title, id: id)
        let script = ForestGnuplot.script(geometry, layout: layout, canvas: canvas)

        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FigureError.io("cannot create figure directory \(directory.path): \(error)")
        }
        var files = FigureFiles(
            tsv: directory.appendingPathComponent(id + ".tsv"),
            csv: directory.appendingPathComponent(id + ".csv"),
            gp: directory.appendingPathComponent(id + ".gp"), warnings: [])
        try AtomicFile.write(tsv, to: files.tsv)
        try AtomicFile.write(TidyCSV.forest(rows), to: files.csv)
        try AtomicFile.write(script, to: files.gp)
        guard render, !formats.isEmpty else { return files }

        guard let gnuplot = Gnuplot.executable() else { throw FigureError.gnuplotNotFound(script: files.gp) }
        for format in formats.ordered {
            let output = directory.appendingPathComponent(id + "." + format.fileExtension)
            files.warnings += try Gnuplot.render(script: files.gp, format: format.fileExtension, to: output, gnuplot: gnuplot)
            switch format {
            case .png: files.png = output
            case .svg: files.svg = output
            default: files.pdf = output
            }
        }
        return files
    }

    /// The `.tsv` text `write` would produce.
    public static func tsvText(rows: [ForestRow], title: String, id: String) -> String {
        ForestGnuplot.tsv(rows.map(ForestGeometry.init), title: title, id: id)
    }

    /// The `.gp` script `write` would produce (the id is validated).
    public static func gnuplotScript(rows: [ForestRow], title: String, id: String) throws -> String {
        let (geometry, layout, canvas) = try prepare(rows: rows, title: title, id: id)
        return ForestGnuplot.script(geometry, layout: layout, canvas: canvas)
    }

    /// Row geometry, pixel layout, and the canvas as a `Figure` (its validation checks the id;
    /// `GnuplotScript`'s conventions read its id, title and size).
    static func prepare(
        rows: [ForestRow], title: String, id: String
    ) throws
        -> (geometry: [ForestGeometry], layout: ForestLayout, canvas: Figure)
    {
        let geometry = rows.map(ForestGeometry.init)
        let layout = ForestLayout(rows: geometry, title: title, fontSize: ForestGnuplot.fontSize)
        let canvas = Figure(
            id: id, title: title, x: Axis(""), y: Axis(""),
            width: Int(layout.width.rounded(.up)), height: Int(layout.height.rounded(.up)))
        try canvas.validate()
        return (geometry, layout, canvas)
    }
}

// MARK: - Verdicts

/// The five verdict words, their colors and marker shapes.
enum ForestVerdict: Int, CaseIterable {
    case holds = 0, holdsWithinBand, inconclusive, doesNotHold, notRun

    /// Case- and whitespace-insensitive; an unknown word gets the `notRun` style.
    init(word: String) {
        let key = word.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        self = Self.allCases.first { $0.word == key } ?? .notRun
    }

    var word: String {
        switch self {
        case .holds: return "holds"
        case .holdsWithinBand: return "holds within band"
        case .inconclusive: return "inconclusive"
        case .doesNotHold: return "does not hold"
        case .notRun: return "not run"
        }
    }

    enum Marker { case disc, ring, square, cross, dash }

    var marker: Marker {
        switch self {
        case .holds: return .disc
        case .holdsWithinBand: return .ring
        case .inconclusive: return .square
        case .doesNotHold: return .cross
        case .notRun: return .dash
        }
    }

    /// Interval and marker color (Okabe–Ito; the light green is a tint of its bluish green).
    var color: String {
        switch self {
        case .holds: return "#009E73"
        case .holdsWithinBand: return "#5DBB8F"
        case .inconclusive: return "#E69F00"
        case .doesNotHold: return "#D55E00"
        case .notRun: return "#9A9A9A"
        }
    }

    /// A darker shade of the same hue for the verdict word (contrast ≥ 4.5 on white).
    var textColor: String {
        switch self {
        case .holds: return "#00704F"
        case .holdsWithinBand: return "#2F7A57"
        case .inconclusive: return "#8A5A00"
        case .doesNotHold: return "#A84500"
        case .notRun: return "#666666"
        }
    }

    var rgbInteger: Int { Int(color.dropFirst(), radix: 16) ?? 0 }
}

// MARK: - Geometry

/// A row's map from its own units to panel units t (see `ForestPlot`).
struct ForestScale: Equatable {
    enum Kind: String { case twoSided = "two-sided", atLeast = "at least", atMost = "at most", pointBand = "equals", open = "none" }
    var kind: Kind
    /// The row value drawn at t = 0.
    var center: Double
    /// Row units per panel unit below / above `center`.
    var below: Double
    var above: Double

    /// Monotone increasing; ±infinity stays ±infinity, NaN stays NaN.
    func t(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x.isInfinite { return x }
        return x >= center ? (x - center) / above : (x - center) / below
    }
}

/// Everything drawn for one row, in panel units t (clipped to the panel), plus its text.
struct ForestGeometry {
    var row: ForestRow
    var verdict: ForestVerdict
    /// The band in order, NaN edges read as open (±infinity).
    var bandLo: Double, bandHi: Double
    var scale: ForestScale

    /// Unclipped t of the estimate and the interval ends (ordered; NaN when absent).
    var tValue: Double, tLo: Double, tHi: Double
    /// Where the estimate marker is drawn: t clamped to the panel; nil when there is no estimate.
    var markerT: Double?
    /// The drawn interval segment (clipped), with an arrowhead on each side it runs off; nil when
    /// there is no interval (or it is a single point).
    var interval: (from: Double, to: Double, arrowLeft: Bool, arrowRight: Bool)?
    /// The shaded band (clipped), and its finite edges that fall on the panel.
    var band: (from: Double, to: Double)?
    var bandEdges: [Double]
    /// The prediction tick, when there is a prediction on the panel.
    var predictionT: Double?
    /// "0.94 [0.88, 0.99]" and "vs ≥ 0.95".
    var measuredText: String
    var acceptedText: String

    var numbersText: String { acceptedText.isEmpty ? measuredText : measuredText + "  " + acceptedText }
    var verdictText: String {
        let word = row.verdict.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return word.isEmpty ? verdict.word : word
    }

    init(_ row: ForestRow) {
        self.row = row
        verdict = ForestVerdict(word: row.verdict)
        var a = row.bandLo.isNaN ? -Double.infinity : row.bandLo
        var b = row.bandHi.isNaN ? Double.infinity : row.bandHi
        if a > b { swap(&a, &b) }
        bandLo = a; bandHi = b
        let prediction = row.prediction.flatMap { $0.isFinite ? $0 : nil }
        scale = Self.scale(row: row, bandLo: a, bandHi: b, prediction: prediction)

        // Interval ends: NaN falls back to the estimate; put in order.
        var lo = row.lo.isNaN ? row.value : row.lo
        var hi = row.hi.isNaN ? row.value : row.hi
        if lo > hi { swap(&lo, &hi) }
        let T = ForestPlot.halfRange
        tValue = row.value.isFinite ? scale.t(row.value) : .nan
        tLo = scale.t(lo); tHi = scale.t(hi)
        markerT = tValue.isNaN ? nil : min(max(tValue, -T), T)
        if !tLo.isNaN, !tHi.isNaN, lo < hi {
            let left = tLo < -T, right = tHi > T
            let from = min(max(tLo, -T), T), to = max(min(tHi, T), -T)
            interval = (from, to, left, right)
        } else {
            interval = nil
        }
        let tA = scale.t(a), tB = scale.t(b)
        let from = max(tA, -T), to = min(tB, T)
        band = from <= to ? (from, to) : nil
        bandEdges = [tA, tB].filter { $0.isFinite && abs($0) <= T }
        if bandEdges.count == 2, bandEdges[0] == bandEdges[1] { bandEdges.removeLast() }
        predictionT = prediction.map(scale.t).flatMap { abs($0) <= T ? $0 : nil }

        let decimals = ForestText.decimals(value: row.value, lo: lo, hi: hi)
        if row.value.isNaN {
            measuredText = "—"
        } else {
            var text = ForestText.measured(row.value, decimals)
            if lo < hi, !lo.isNaN, !hi.isNaN {
                text += " [\(ForestText.measured(lo, decimals)), \(ForestText.measured(hi, decimals))]"
            }
            measuredText = text
        }
        acceptedText = ForestText.accepted(kind: scale.kind, bandLo: a, bandHi: b, prediction: prediction)
    }

    /// See `ForestPlot`: two-sided bands map edges to ±1 around the prediction (or midpoint);
    /// bounds and point bands put the bound at 0 and scale to the row's own values.
    static func scale(row: ForestRow, bandLo a: Double, bandHi b: Double, prediction: Double?) -> ForestScale {
        let values = [row.value, row.lo, row.hi, prediction ?? .nan].filter(\.isFinite)
        func ownScale(about center: Double) -> Double {
            let reach = values.map { abs($0 - center) }.max() ?? 0
            var s = reach / ForestPlot.oneSidedReach
            if !(s > 0 && s.isFinite) { s = abs(center) > 0 && abs(center).isFinite ? abs(center) / 10 : 1 }
            return s
        }
        switch (a.isFinite, b.isFinite) {
        case (true, true) where a < b:
            let center = prediction.flatMap { $0 > a && $0 < b ? $0 : nil } ?? (a / 2 + b / 2)
            return ForestScale(kind: .twoSided, center: center, below: center - a, above: b - center)
        case (true, true):
            let s = ownScale(about: a)
            return ForestScale(kind: .pointBand, center: a, below: s, above: s)
        case (true, false):
            let s = ownScale(about: a)
            return ForestScale(kind: .atLeast, center: a, below: s, above: s)
        case (false, true):
            let s = ownScale(about: b)
            return ForestScale(kind: .atMost, center: b, below: s, above: s)
        case (false, false):
            let finiteEnds = [row.lo, row.hi].filter(\.isFinite)
            let center =
                prediction
                ?? (row.value.isFinite
                    ? row.value
                    : finiteEnds.isEmpty ? 0 : finiteEnds.reduce(0, +) / Double(finiteEnds.count))
            let s = ownScale(about: center)
            return ForestScale(kind: .open, center: center, below: s, above: s)
        }
    }
}

// MARK: - Text

enum ForestText {

    /// Decimal places for a row's estimate and interval: two significant digits of the interval
    /// width (twice the finite half when one end is unbounded), else three of the estimate;
    /// nil = use `%.3g` (very large or very small numbers).
    static func decimals(value: Double, lo: Double, hi: Double) -> Int? {
        let magnitude = [value, lo, hi].filter(\.isFinite).map(abs).max() ?? 0
        var width = lo.isFinite && hi.isFinite ? hi - lo : .nan
        if !width.isFinite, value.isFinite, let end = [lo, hi].first(where: \.isFinite) { width = 2 * abs(value - end) }
        var d: Int
        if width.isFinite, width > 0 {
            d = 1 - Int((log10(width)).rounded(.down))
        } else if value.isFinite, value != 0 {
            d = 2 - Int((log10(abs(value))).rounded(.down))
        } else {
            d = 2
        }
        d = max(d, 0)
        if d > 6 || magnitude >= 1e6 { return nil }
        return d
    }

    static func measured(_ x: Double, _ decimals: Int?) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        var text = decimals.map { String(format: "%.\($0)f", x) } ?? String(format: "%.3g", x)
        if text.hasPrefix("-"), !text.contains(where: { ("1"..."9").contains($0) }) { text.removeFirst() }
        return minus(text)
    }

    /// Band edges and predictions: up to four significant digits, as short as possible.
    static func exact(_ x: Double) -> String {
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        return minus(String(format: "%.4g", x))
    }

    static func accepted(kind: ForestScale.Kind, bandLo a: Double, bandHi b: Double, prediction: Double?) -> String {
        let also = { (bound: Double) -> String in
            guard let p = prediction, p != bound else { return "" }
            return ", predicted \(exact(p))"
        }
        switch kind {
        case .twoSided:
            let band = "[\(exact(a)), \(exact(b))]"
            if let p = prediction { return "vs \(exact(p)), band \(band)" }
            return "vs band \(band)"
        case .pointBand: return "vs = \(exact(a))" + also(a)
        case .atLeast: return "vs ≥ \(exact(a))" + also(a)
        case .atMost: return "vs ≤ \(exact(b))" + also(b)
        case .open: return prediction.map { "vs \(exact($0)) (no band)" } ?? ""
        }
    }

    /// U+2212 for a leading or exponent minus sign.
    static func minus(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "−") }

    /// Row text on one line, with no control characters (they would break XML, the `.tsv` rows
    /// and gnuplot's strings): line breaks and tabs become spaces, other controls U+FFFD.
    static func clean(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { s -> Unicode.Scalar in
                    switch s.value {
                    case 0x09, 0x0A, 0x0D, 0x85, 0x2028, 0x2029: return " "
                    case 0x00...0x1F, 0x7F, 0xFFFE, 0xFFFF: return "\u{FFFD}"
                    default: return s
                    }
                }))
    }

    /// Text for an SVG text node or attribute value.
    static func xml(_ text: String) -> String {
        var out = ""
        for ch in clean(text) {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Shortened to at most `limit` characters, with an ellipsis.
    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    /// Approximate advance width of `text` in a sans-serif font of `size` pixels, with DejaVu
    /// Sans' metrics (what fontconfig's `sans` is on Linux, and wider than Helvetica or Arial), so
    /// a column never overlaps the next.
    static func width(_ text: String, size: Double) -> Double {
        var em = 0.0
        for ch in text {
            switch ch {
            case "0"..."9", "a", "b", "d", "e", "g", "h", "n", "o", "p", "q", "u", "_", "$", "#": em += 0.636
            case "i", "j", "l", "'", "|": em += 0.278
            case " ", ".", ",", ":", ";", "!", "`": em += 0.318
            case "f", "t", "r", "[", "]", "(", ")", "{", "}", "I", "J", "/", "\\", "\"": em += 0.41
            case "c", "k", "s", "v", "x", "y", "z", "-", "?", "*": em += 0.59
            case "m", "w", "%": em += 0.95
            case "A"..."Z", "&", "+", "=", "<", ">", "~", "≥", "≤", "−", "∞", "→", "±", "×", "✕", "@": em += 0.84
            case "—", "…": em += 1.0
            default: em += ch.unicodeScalars.first.map { $0.value > 0x2E80 } == true ? 1.0 : 0.7
            }
        }
        return em * size
    }
}

// MARK: - Layout (shared by the SVG and the gnuplot script)

/// Pixel layout of the canvas: columns (ids | panel | numbers | verdict), title, key, rows, axis
/// labels and notes.
struct ForestLayout {
    let fontSize: Double
    let rowCount: Int
    let pad = 16.0
    let unit = 90.0  // pixels per panel unit t
    let gutter = 16.0  // outside the panel edge, for arrowheads
    let rowHeight: Double
    static let idLimit = 48  // characters of an id shown (all of it in the tooltip)

    let idRight: Double  // ids are right-aligned here
    let panelLeft: Double, panelRight: Double  // t = −halfRange, +halfRange
    let numbersX: Double, verdictX: Double
    let width: Double
    let titleY: Double
    let keyY: Double
    let headerY: Double
    let rowsTop: Double
    let axisY: Double
    let notesY: Double
    let height: Double

    static let notes = [
        "Each row on its own scale. Two-sided band: lower edge → −1, prediction (or band midpoint) → 0, upper edge → +1, linear on each side.",
        "One-sided bound: bound → 0, scaled to the row's own interval (its side of the bound compares across rows, its distance does not).",
        "Bar = 95% interval, marker = estimate; an arrow: the interval runs off the panel. Numbers at right are in the claim's units.",
    ]

    /// One entry of the key: a verdict marker (with the number of rows that have it), the band
    /// swatch or the prediction tick; `x` is the symbol's centre, the text starts at `textX`.
    struct KeyItem {
        enum Symbol { case verdict(ForestVerdict), band, prediction }
        var symbol: Symbol
        var text: String
        var x: Double
        var textX: Double
    }
    let key: [KeyItem]

    /// Under the panel: what −1, 0 and +1 are (0 is the bound of one-sided rows).
    static let axisLabels: [(Double, String)] = [(-1, "band low"), (0, "prediction\nor bound"), (1, "band high")]

    init(rows: [ForestGeometry], title: String, fontSize: Double) {
        self.fontSize = fontSize
        rowCount = rows.count
        rowHeight = (fontSize * 2).rounded()
        let idWidth = max(
            rows.map { ForestText.width(ForestText.truncated(ForestText.clean($0.row.id), Self.idLimit), size: fontSize) }.max() ?? 0,
            ForestText.width("claim", size: fontSize))
        let numbersWidth = max(
            rows.map { ForestText.width($0.numbersText, size: fontSize) }.max() ?? 0,
            ForestText.width("estimate [95% interval] vs accepted", size: fontSize))
        let verdictWidth =
            18
            + max(
                rows.map { ForestText.width(ForestText.clean($0.verdictText), size: fontSize) }.max() ?? 0,
                ForestText.width("holds within band", size: fontSize))
        idRight = pad + idWidth
        panelLeft = idRight + 14 + gutter
        panelRight = panelLeft + 2 * ForestPlot.halfRange * unit
        numbersX = panelRight + gutter + 14
        verdictX = numbersX + numbersWidth + 20
        var key: [KeyItem] = []
        var x = pad + 6
        for v in ForestVerdict.allCases {
            let count = rows.filter { $0.verdict == v }.count
            let text = "\(v.word) (\(count))"
            key.append(KeyItem(symbol: .verdict(v), text: text, x: x, textX: x + 10))
            x += 10 + ForestText.width(text, size: fontSize) + 20
        }
        x += 2
        key.append(KeyItem(symbol: .band, text: "accepted band", x: x, textX: x + 12))
        x += 12 + ForestText.width("accepted band", size: fontSize) + 20
        key.append(KeyItem(symbol: .prediction, text: "prediction / bound", x: x, textX: x + 8))
        x += 8 + ForestText.width("prediction / bound", size: fontSize)
        self.key = key

        let notesWidth = Self.notes.map { ForestText.width($0, size: fontSize * 0.85) }.max() ?? 0
        width = max(
            verdictX + verdictWidth + pad, pad * 2 + notesWidth, x + pad,
            pad * 2 + ForestText.width(ForestText.clean(title), size: fontSize * 1.25))
        titleY = pad + fontSize * 1.1
        keyY = titleY + fontSize * 2
        headerY = keyY + fontSize * 2.2
        rowsTop = headerY + fontSize * 0.7
        axisY = rowsTop + Double(max(rows.count, 1)) * rowHeight + fontSize * 1.4
        notesY = axisY + fontSize * 2.9
        height = notesY + Double(Self.notes.count - 1) * fontSize * 1.3 + pad
    }

    /// Horizontal pixel of panel unit t.
    func x(_ t: Double) -> Double { panelLeft + (t + ForestPlot.halfRange) * unit }
    /// Vertical pixel of the centre of row i (0-based).
    func y(_ row: Int) -> Double { rowsTop + (Double(row) + 0.5) * rowHeight }
    var panelCenter: Double { (panelLeft + panelRight) / 2 }
    var rowsBottom: Double { rowsTop + Double(max(rowCount, 1)) * rowHeight }
}

// MARK: - SVG

struct ForestSVG {
    let rows: [ForestGeometry]
    let title: String
    let layout: ForestLayout
    static let fontSize = 12.0
    static let bandFill = "#DCE6F0", bandEdge = "#8FA7C0", stripe = "#F4F5F7", guide = "#C8CCD2", ink = "#222222"

    init(rows: [ForestGeometry], title: String) {
        self.rows = rows; self.title = title
        layout = ForestLayout(rows: rows, title: title, fontSize: Self.fontSize)
    }

    func n(_ x: Double) -> String { String(format: "%.1f", x) }

    func document() -> String {
        let L = layout, T = ForestPlot.halfRange
        let (w, h) = (n(L.width.rounded(.up)), n(L.height.rounded(.up)))
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
                + "style=\"max-width:100%;height:auto\" role=\"img\" aria-label=\"\(ForestText.xml(title))\" font-family=\"sans-serif\" font-size=\"\(n(L.fontSize))\" fill=\"\(Self.ink)\">"
        ]
        out.append("<title>\(ForestText.xml(title))</title>")
        out.append("<desc>Forest plot of \(rows.count) claims. \(ForestText.xml(ForestLayout.notes.joined(separator: " ")))</desc>")
        out.append("<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#FFFFFF\"/>")
        out.append("<text x=\"\(n(L.pad))\" y=\"\(n(L.titleY))\" font-size=\"\(n(L.fontSize * 1.25))\" font-weight=\"bold\">\(ForestText.xml(title))</text>")
        out += key()

        // Column headers.
        out.append("<g class=\"header\" fill=\"#555555\">")
        out.append("<text x=\"\(n(L.idRight))\" y=\"\(n(L.headerY))\" text-anchor=\"end\">claim</text>")
        out.append("<text x=\"\(n(L.panelCenter))\" y=\"\(n(L.headerY))\" text-anchor=\"middle\">interval vs accepted band (each row its own scale)</text>")
        out.append("<text x=\"\(n(L.numbersX))\" y=\"\(n(L.headerY))\">estimate [95% interval] vs accepted</text>")
        out.append("<text x=\"\(n(L.verdictX))\" y=\"\(n(L.headerY))\">verdict</text>")
        out.append("</g>")

        // Stripes, then guides (behind every row), then the rows.
        out.append("<g class=\"stripes\" fill=\"\(Self.stripe)\">")
        for i in rows.indices where i % 2 == 1 {
            out.append(
                "<rect x=\"\(n(L.pad / 2))\" y=\"\(n(L.rowsTop + Double(i) * L.rowHeight))\" width=\"\(n(L.width - L.pad))\" height=\"\(n(L.rowHeight))\"/>")
        }
        out.append("</g>")
        out.append("<g class=\"guides\" stroke=\"\(Self.guide)\" stroke-width=\"1\">")
        for t in [-T, T] {
            out.append("<line x1=\"\(n(L.x(t)))\" y1=\"\(n(L.rowsTop))\" x2=\"\(n(L.x(t)))\" y2=\"\(n(L.rowsBottom))\" stroke-dasharray=\"2 3\"/>")
        }
        out.append("<line x1=\"\(n(L.x(0)))\" y1=\"\(n(L.rowsTop))\" x2=\"\(n(L.x(0)))\" y2=\"\(n(L.rowsBottom))\" stroke=\"#8A9099\"/>")
        out.append("</g>")
        if rows.isEmpty {
            out.append("<text x=\"\(n(L.panelCenter))\" y=\"\(n(L.y(0) + L.fontSize * 0.35))\" text-anchor=\"middle\" fill=\"#666666\">no claims</text>")
        }
        for (i, row) in rows.enumerated() { out += self.row(row, index: i) }

        // Axis labels under the panel, and the notes.
        out.append("<g class=\"axis\" fill=\"#555555\" text-anchor=\"middle\">")
        for (t, label) in ForestLayout.axisLabels {
            out.append("<line x1=\"\(n(L.x(t)))\" y1=\"\(n(L.rowsBottom))\" x2=\"\(n(L.x(t)))\" y2=\"\(n(L.rowsBottom + 4))\" stroke=\"#8A9099\"/>")
            for (k, line) in label.split(separator: "\n").enumerated() {
                out.append("<text x=\"\(n(L.x(t)))\" y=\"\(n(L.axisY + Double(k) * L.fontSize * 1.2))\">\(ForestText.xml(String(line)))</text>")
            }
        }
        out.append("</g>")
        out.append("<g class=\"notes\" fill=\"#555555\" font-size=\"\(n(L.fontSize * 0.85))\">")
        for (i, note) in ForestLayout.notes.enumerated() {
            out.append("<text x=\"\(n(L.pad))\" y=\"\(n(L.notesY + Double(i) * L.fontSize * 1.3))\">\(ForestText.xml(note))</text>")
        }
        out.append("</g>")
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    /// One row group: tooltip, id, band, prediction, interval, marker, numbers, verdict.
    func row(_ g: ForestGeometry, index i: Int) -> [String] {
        let L = layout, y = L.y(i), baseline = y + L.fontSize * 0.35
        let v = g.verdict
        let id = ForestText.clean(g.row.id)
        var out = ["<g class=\"row\" data-verdict=\"\(ForestText.xml(v.word))\">"]
        out.append("<title>\(ForestText.xml("\(id): \(g.numbersText) — \(g.verdictText)"))</title>")
        out.append(
            "<text x=\"\(n(L.idRight))\" y=\"\(n(baseline))\" text-anchor=\"end\">\(ForestText.xml(ForestText.truncated(id, ForestLayout.idLimit)))</text>")
        let half = L.rowHeight * 0.3
        if let band = g.band {
            out.append(
                "<rect x=\"\(n(L.x(band.from)))\" y=\"\(n(y - half))\" width=\"\(n(max((band.to - band.from) * L.unit, 0)))\" "
                    + "height=\"\(n(2 * half))\" fill=\"\(Self.bandFill)\"/>")
        }
        for edge in g.bandEdges {
            out.append(
                "<line x1=\"\(n(L.x(edge)))\" y1=\"\(n(y - half))\" x2=\"\(n(L.x(edge)))\" y2=\"\(n(y + half))\" stroke=\"\(Self.bandEdge)\" stroke-width=\"1.5\"/>"
            )
        }
        if let p = g.predictionT {
            let r = L.rowHeight * 0.4
            out.append("<line x1=\"\(n(L.x(p)))\" y1=\"\(n(y - r))\" x2=\"\(n(L.x(p)))\" y2=\"\(n(y + r))\" stroke=\"\(Self.ink)\" stroke-width=\"2\"/>")
        }
        if let bar = g.interval {
            out.append("<line x1=\"\(n(L.x(bar.from)))\" y1=\"\(n(y))\" x2=\"\(n(L.x(bar.to)))\" y2=\"\(n(y))\" stroke=\"\(v.color)\" stroke-width=\"3\"/>")
            if bar.arrowLeft { out.append(arrow(at: L.x(-ForestPlot.halfRange), y: y, direction: -1, color: v.color)) }
            if bar.arrowRight { out.append(arrow(at: L.x(ForestPlot.halfRange), y: y, direction: 1, color: v.color)) }
        }
        if let t = g.markerT {
            // "not run" with an estimate anyway (or an unknown verdict word): a small gray disc.
            out.append(
                v.marker == .dash
                    ? "<circle cx=\"\(n(L.x(t)))\" cy=\"\(n(y))\" r=\"3.5\" fill=\"\(v.color)\"/>"
                    : marker(v.marker, x: L.x(t), y: y, color: v.color))
        }
        out.append("<text x=\"\(n(L.numbersX))\" y=\"\(n(baseline))\" style=\"font-variant-numeric:tabular-nums\">\(ForestText.xml(g.numbersText))</text>")
        out.append(marker(v.marker, x: L.verdictX + 6, y: y, color: v.color))
        out.append("<text x=\"\(n(L.verdictX + 18))\" y=\"\(n(baseline))\" fill=\"\(v.textColor)\">\(ForestText.xml(g.verdictText))</text>")
        out.append("</g>")
        return out
    }

    /// An arrowhead in the gutter, its base on the panel edge at `x`.
    func arrow(at x: Double, y: Double, direction: Double, color: String) -> String {
        let tip = x + direction * layout.gutter * 0.85, half = 5.0
        return "<polygon points=\"\(n(x)),\(n(y - half)) \(n(tip)),\(n(y)) \(n(x)),\(n(y + half))\" fill=\"\(color)\"/>"
    }

    func marker(_ shape: ForestVerdict.Marker, x: Double, y: Double, color: String) -> String {
        switch shape {
        case .disc:
            return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"5.5\" fill=\"\(color)\" stroke=\"#FFFFFF\" stroke-width=\"1\"/>"
        case .ring:
            return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"4.8\" fill=\"#FFFFFF\" stroke=\"\(color)\" stroke-width=\"2.4\"/>"
        case .square:
            return "<rect x=\"\(n(x - 4.6))\" y=\"\(n(y - 4.6))\" width=\"9.2\" height=\"9.2\" fill=\"#FFFFFF\" stroke=\"\(color)\" stroke-width=\"2.4\"/>"
        case .cross:
            let d = 4.6
            return "<g><circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"6.5\" fill=\"#FFFFFF\"/>"
                + "<path d=\"M\(n(x - d)) \(n(y - d))L\(n(x + d)) \(n(y + d))M\(n(x - d)) \(n(y + d))L\(n(x + d)) \(n(y - d))\" "
                + "stroke=\"\(color)\" stroke-width=\"2.8\" stroke-linecap=\"round\"/></g>"
        case .dash:
            return "<rect x=\"\(n(x - 5))\" y=\"\(n(y - 1.5))\" width=\"10\" height=\"3\" fill=\"\(color)\"/>"
        }
    }

    /// The key: the five verdicts (with their counts), the band and the prediction tick, on one
    /// line under the title.
    func key() -> [String] {
        let L = layout, y = L.keyY, mid = L.keyY - L.fontSize * 0.35
        var out = ["<g class=\"key\">"]
        for item in L.key {
            switch item.symbol {
            case .verdict(let v): out.append(marker(v.marker, x: item.x, y: mid, color: v.color))
            case .band:
                out.append(
                    "<rect x=\"\(n(item.x - 8))\" y=\"\(n(mid - 6))\" width=\"16\" height=\"12\" fill=\"\(Self.bandFill)\" stroke=\"\(Self.bandEdge)\"/>")
            case .prediction:
                out.append(
                    "<line x1=\"\(n(item.x))\" y1=\"\(n(mid - 8))\" x2=\"\(n(item.x))\" y2=\"\(n(mid + 8))\" stroke=\"\(Self.ink)\" stroke-width=\"2\"/>")
            }
            out.append("<text x=\"\(n(item.textX))\" y=\"\(n(y))\">\(ForestText.xml(item.text))</text>")
        }
        out.append("</g>")
        return out
    }
}

// MARK: - gnuplot

/// The `.tsv` and `.gp` of `ForestPlot.write`. The script draws from the `.tsv` (bars, bands,
/// markers) and prints the row text with `set label` (strings through `GnuplotScript.quoted`).
enum ForestGnuplot {
    static let fontSize = 12.0

    /// Columns of the data block; the script refers to them by number.
    static let columns = [
        ("row", "row number, 1 = top"),
        ("verdict", "0 holds, 1 holds within band, 2 inconclusive, 3 does not hold, 4 not run"),
        ("rgb", "verdict color as 0xRRGGBB"),
        ("value", "estimate (claim units; NaN = not run)"),
        ("lo", "95% interval, lower end (claim units; inf = unbounded)"),
        ("hi", "95% interval, upper end"),
        ("band_lo", "accepted band, lower edge (-inf = none)"),
        ("band_hi", "accepted band, upper edge (inf = none)"),
        ("prediction", "exact prediction (NaN = none)"),
        ("center", "row value drawn at t = 0"),
        ("below", "row units per panel unit below center"),
        ("above", "row units per panel unit above center"),
        ("t_value", "estimate in panel units (unclipped)"),
        ("t_lo", "interval lower end in panel units (unclipped)"),
        ("t_hi", "interval upper end in panel units (unclipped)"),
        ("x_value", "estimate marker position (clamped to the panel)"),
        ("x_from", "drawn interval, from (clipped; NaN = no interval)"),
        ("x_to", "drawn interval, to"),
        ("arrow_left", "1 = the interval runs off the left edge"),
        ("arrow_right", "1 = the interval runs off the right edge"),
        ("x_band_from", "shaded band, from (clipped)"),
        ("x_band_to", "shaded band, to"),
        ("x_edge_lo", "lower band edge line (NaN = none on the panel)"),
        ("x_edge_hi", "upper band edge line"),
        ("x_prediction", "prediction tick (NaN = none on the panel)"),
        ("id", "claim id (text; tabs and line breaks replaced by spaces)"),
    ]

    static func column(_ name: String) -> Int { (columns.firstIndex { $0.0 == name } ?? 0) + 1 }

    /// Raw numbers keep their infinities (`inf`, `-inf`); the script never reads those columns.
    static func raw(_ x: Double) -> String {
        x.isInfinite ? (x > 0 ? "inf" : "-inf") : Number.text(x)
    }

    static func tsv(_ rows: [ForestGeometry], title: String, id: String) -> String {
        let T = ForestPlot.halfRange
        var lines = [
            "# \(ForestText.clean(title.isEmpty ? id : title))",
            "# forest plot \(ForestText.clean(id)): data of \(ForestText.clean(id)).gp (gnuplot). One line per claim, top to bottom.",
            "# Every row is drawn on its own scale t: two-sided band [band_lo, band_hi]: band_lo -> -1,",
            "# prediction (or the band midpoint) -> 0, band_hi -> +1, linear on each side;",
            "# one-sided bound: bound -> 0, below = above = the row's farthest finite value from the bound / \(Number.text(ForestPlot.oneSidedReach)).",
            "# t(x) = (x - center) / above for x >= center, (x - center) / below otherwise. The panel shows t in [-\(Number.text(T)), \(Number.text(T))].",
            "# NaN = missing; inf / -inf = unbounded. Numbers have 10 significant digits; columns are tab separated.",
            "#",
        ]
        lines += columns.map { "# \($0.0): \($0.1)" }
        lines.append("#")
        lines.append("# " + columns.map(\.0).joined(separator: "\t"))
        for (i, g) in rows.enumerated() {
            let r = g.row
            let bar = g.interval
            let numbers: [String] = [
                "\(i + 1)", "\(g.verdict.rawValue)", "\(g.verdict.rgbInteger)",
                raw(r.value), raw(r.lo), raw(r.hi), raw(g.bandLo), raw(g.bandHi), raw(r.prediction ?? .nan),
                raw(g.scale.center), raw(g.scale.below), raw(g.scale.above),
                raw(g.tValue), raw(g.tLo), raw(g.tHi),
                Number.text(g.markerT ?? .nan),
                Number.text(bar?.from ?? .nan), Number.text(bar?.to ?? .nan),
                bar?.arrowLeft == true ? "1" : "0", bar?.arrowRight == true ? "1" : "0",
                Number.text(g.band?.from ?? .nan), Number.text(g.band?.to ?? .nan),
                Number.text(g.bandEdges.first ?? .nan), Number.text(g.bandEdges.count > 1 ? g.bandEdges[1] : .nan),
                Number.text(g.predictionT ?? .nan),
            ]
            lines.append((numbers + [ForestText.clean(r.id)]).joined(separator: "\t"))
        }
        if rows.isEmpty { lines.append("# (no claims)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func script(_ rows: [ForestGeometry], layout L: ForestLayout, canvas: Figure) -> String {
        let id = canvas.id, T = ForestPlot.halfRange
        // `quoted` also guards "]]>", which the svg terminal would pass into XML text.
        let q = { (text: String) in GnuplotScript.quoted(ForestText.clean(text)) }
        let W = Double(canvas.width), H = Double(canvas.height)
        // Screen coordinates of a pixel position (y measured from the top, as in the SVG).
        let sx = { (px: Double) in "screen " + Number.text((px / W * 100000).rounded() / 100000) }
        let sy = { (px: Double) in "screen " + Number.text(((H - px) / H * 100000).rounded() / 100000) }
        let g = L.gutter / L.unit
        let n = rows.count
        let rowUnit = 1 / L.rowHeight  // one pixel in row (first y) units
        func c(_ name: String) -> String { "$\(column(name))" }
        func row(_ i: Int) -> String { "first " + Number.text(Double(i + 1)) }
        func rowOffset(_ i: Int, _ px: Double) -> String { "first " + Number.text(Double(i + 1) + px * rowUnit) }
        let gray = "tc rgb \"#555555\""

        var lines = [
            "# \(TSVFormat.oneLine(ForestText.clean(canvas.title.isEmpty ? id : canvas.title)))",
            "#",
            "# Forest plot generated by Provable (Plots.ForestPlot); safe to edit by hand.",
            "# Data: \(id).tsv, one line per claim (columns described in its header).",
            "# Render from this directory:",
            "#   gnuplot \(id).gp                         -> \(id).png",
            "#   gnuplot -e 'fmt=\"svg\"' \(id).gp          -> \(id).svg   (fmt: png | svg | pdf)",
            "# Each row is drawn on its own scale t (see the .tsv header); its numbers are printed at the right.",
            "# Positions are in pixels of the \(canvas.width)×\(canvas.height) canvas, given as screen fractions.",
            "",
            "reset",
            "if (!exists(\"fmt\")) fmt = \"png\"",
            "if (!exists(\"out\")) out = \"\(id).\" . fmt",
            "data = \"\(id).tsv\"",
            "",
        ]
        lines += terminal(canvas)
        lines += [
            "set datafile separator \"\\t\"",
            "set border 0",
            "unset key",
            "unset ytics",
            "set xtics scale 0 nomirror (\(ForestLayout.axisLabels.map { "\(GnuplotScript.quoted($0.1, role: .ticLabel)) \(Number.text($0.0))" }.joined(separator: ", ")))",
            "set xtics offset 0, 0.2 textcolor rgb \"#555555\"",
            "set xrange [\(Number.text(-T - g)):\(Number.text(T + g))]   # the panel is [-\(Number.text(T)), \(Number.text(T))], arrowheads outside",
            "set yrange [\(Number.text(Double(max(n, 1)) + 0.5)):0.5]   # row 1 at the top",
            "set lmargin at \(sx(L.x(-T) - L.gutter))",
            "set rmargin at \(sx(L.x(T) + L.gutter))",
            "set tmargin at \(sy(L.rowsTop))",
            "set bmargin at \(sy(L.rowsBottom))",
            "",
            "# Title, column headers, notes",
            "set label 1 \(q(canvas.title)) at \(sx(L.pad)), \(sy(L.titleY - L.fontSize * 0.35)) left font titlefont",
            "set label 2 \"claim\" at \(sx(L.idRight)), \(sy(L.headerY - L.fontSize * 0.35)) right \(gray)",
            "set label 3 \"interval vs accepted band (each row its own scale)\" at \(sx(L.panelCenter)), \(sy(L.headerY - L.fontSize * 0.35)) center \(gray)",
            "set label 4 \"estimate [95% interval] vs accepted\" at \(sx(L.numbersX)), \(sy(L.headerY - L.fontSize * 0.35)) left \(gray)",
            "set label 5 \"verdict\" at \(sx(L.verdictX)), \(sy(L.headerY - L.fontSize * 0.35)) left \(gray)",
        ]
        for (i, note) in ForestLayout.notes.enumerated() {
            lines.append(
                "set label \(6 + i) \(q(note)) at \(sx(L.pad)), \(sy(L.notesY + Double(i) * L.fontSize * 1.3 - L.fontSize * 0.3)) left "
                    + "font smallfont \(gray)")
        }
        lines.append("")
        lines.append("# Key (labels and objects: gnuplot's own key cannot hold these symbols on one line)")
        let keyMid = L.keyY - L.fontSize * 0.35
        for (k, item) in L.key.enumerated() {
            switch item.symbol {
            case .verdict(let v):
                lines += symbol(
                    v, at: "\(sx(item.x)), \(sy(keyMid))", tag: 20 + k, object: 20 + k,
                    box: (sx(item.x - 5), sy(keyMid + 1.5), sx(item.x + 5), sy(keyMid - 1.5)))
            case .band:
                lines.append(
                    "set object \(20 + k) rect from \(sx(item.x - 8)), \(sy(keyMid + 6)) to \(sx(item.x + 8)), \(sy(keyMid - 6)) "
                        + "fc rgb \"\(ForestSVG.bandFill)\" fs solid 1 border lc rgb \"\(ForestSVG.bandEdge)\"")
            case .prediction:
                lines.append(
                    "set arrow \(20 + k) from \(sx(item.x)), \(sy(keyMid + 8)) to \(sx(item.x)), \(sy(keyMid - 8)) nohead lw 2 lc rgb \"\(ForestSVG.ink)\"")
            }
            lines.append("set label \(40 + k) \(q(item.text)) at \(sx(item.textX)), \(sy(keyMid)) left")
        }
        lines.append("")

        lines.append("# Guides across the rows: the panel edges, and prediction / bound at 0")
        for (k, t) in [-T, T].enumerated() {
            lines.append(
                "set arrow \(2 + k) from first \(Number.text(t)), graph 0 to first \(Number.text(t)), graph 1 nohead back "
                    + "lc rgb \"\(ForestSVG.guide)\" lw 1 dt 3")
        }
        lines.append("set arrow 6 from first 0, graph 0 to first 0, graph 1 nohead back lc rgb \"#8A9099\" lw 1")
        lines.append("")

        lines.append("# Rows: stripes, claim ids, numbers and verdicts (the data file has the same ids)")
        for (i, r) in rows.enumerated() {
            if i % 2 == 1 {
                lines.append(
                    "set object \(100 + i) rect from \(sx(L.pad / 2)), \(rowOffset(i, -L.rowHeight / 2)) "
                        + "to \(sx(L.width - L.pad / 2)), \(rowOffset(i, L.rowHeight / 2)) behind fc rgb \"\(ForestSVG.stripe)\" fs solid 1 noborder")
            }
            let base = 1000 + 4 * i
            let idText = ForestText.truncated(ForestText.clean(r.row.id), ForestLayout.idLimit)
            lines.append("set label \(base) \(q(idText)) at \(sx(L.idRight)), \(row(i)) right")
            lines.append("set label \(base + 1) \(q(r.numbersText)) at \(sx(L.numbersX)), \(row(i)) left")
            lines += symbol(
                r.verdict, at: "\(sx(L.verdictX + 6)), \(row(i))", tag: base + 2, object: 100_000 + i,
                box: (sx(L.verdictX + 1), rowOffset(i, -1.5), sx(L.verdictX + 11), rowOffset(i, 1.5)))
            lines.append("set label \(base + 3) \(q(r.verdictText)) at \(sx(L.verdictX + 18)), \(row(i)) left tc rgb \"\(r.verdict.textColor)\"")
        }
        if rows.isEmpty { lines.append("set label 999 \"no claims\" at first 0, first 1 center tc rgb \"#666666\"") }
        lines.append("")

        // The plot: bands, band edges, prediction ticks, intervals, arrowheads, markers.
        var clauses: [(note: String, text: String)] = []
        let half = Number.text(0.3), full = Number.text(0.6)
        if rows.contains(where: { $0.band != nil }) {
            clauses.append(
                (
                    "accepted bands (x_band_from .. x_band_to)",
                    "data using \(column("x_band_from")):1:\(column("x_band_from")):\(column("x_band_to")):($1-\(half)):($1+\(half)) "
                        + "with boxxyerror fs solid 1 noborder lc rgb \"\(ForestSVG.bandFill)\""
                ))
        }
        for (name, index) in [("x_edge_lo", 0), ("x_edge_hi", 1)] where rows.contains(where: { $0.bandEdges.count > index }) {
            clauses.append(
                ("band edges (\(name))", "data using \(column(name)):($1-\(half)):(0):(\(full)) with vectors nohead lw 1.5 lc rgb \"\(ForestSVG.bandEdge)\""))
        }
        if rows.contains(where: { $0.predictionT != nil }) {
            clauses.append(
                (
                    "prediction ticks (x_prediction)",
                    "data using \(column("x_prediction")):($1-0.4):(0):(0.8) with vectors nohead lw 2 lc rgb \"\(ForestSVG.ink)\""
                ))
        }
        if rows.contains(where: { $0.interval != nil }) {
            clauses.append(
                (
                    "95% intervals (x_from .. x_to), in the verdict color (rgb)",
                    "data using \(column("x_from")):1:(\(c("x_to"))-\(c("x_from"))):(0):\(column("rgb")) with vectors nohead lw 3 lc rgb variable"
                ))
        }
        let head = Number.text(g * 0.85)
        if rows.contains(where: { $0.interval?.arrowLeft == true }) {
            clauses.append(
                (
                    "arrowheads: the interval runs off the left edge",
                    "data using (\(c("arrow_left")) > 0 ? \(Number.text(-T)) : NaN):1:(-\(head)):(0):\(column("rgb")) "
                        + "with vectors head filled size first \(head),30 lw 1 lc rgb variable"
                ))
        }
        if rows.contains(where: { $0.interval?.arrowRight == true }) {
            clauses.append(
                (
                    "arrowheads: the interval runs off the right edge",
                    "data using (\(c("arrow_right")) > 0 ? \(Number.text(T)) : NaN):1:(\(head)):(0):\(column("rgb")) "
                        + "with vectors head filled size first \(head),30 lw 1 lc rgb variable"
                ))
        }
        for v in ForestVerdict.allCases where rows.contains(where: { $0.verdict == v && $0.markerT != nil }) {
            let using = "data using \(column("x_value")):(\(c("verdict")) == \(v.rawValue) ? $1 : NaN)"
            let styles = pointStyles(v)
            for (k, style) in styles.enumerated() {
                let note = "estimates (x_value), \(v.word)" + (k == 0 && styles.count > 1 ? ": white backing" : "")
                clauses.append((note, "\(using) with points \(style)"))
            }
        }
        lines.append("# Drawn back to front:")
        lines += clauses.map { "#   " + $0.note }
        if clauses.isEmpty {
            lines.append("plot NaN notitle")
        } else {
            lines.append("plot \\")
            lines += clauses.enumerated().map { k, clause in "    " + clause.text + " notitle" + (k == clauses.count - 1 ? "" : ", \\") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Terminals like `GnuplotScript.terminal`, with this plot's fonts: the layout assumes 12 px
    /// text (pngcairo renders 9 pt as 12 px, the svg terminal counts in px; pdf at 144 px per inch).
    /// `pscale`: the svg terminal draws points a third larger than pngcairo.
    static func terminal(_ canvas: Figure) -> [String] {
        let (w, h) = (canvas.width, canvas.height)
        let inches = { (px: Int) in Number.text((Double(px) / 144 * 100).rounded() / 100) + "in" }
        return [
            "set encoding utf8",
            "if (fmt ne \"png\" && fmt ne \"svg\" && fmt ne \"pdf\") {",
            "    exit error \"unknown fmt '\" . fmt . \"' (use png, svg or pdf)\"",
            "}",
            "if (fmt eq \"png\") { set terminal pngcairo size \(w),\(h) font \"sans,9\" noenhanced; titlefont = \"sans:Bold,11.25\"; smallfont = \"sans,7.65\"; pscale = 1 }",
            "if (fmt eq \"svg\") { set terminal svg size \(w),\(h) dynamic noenhanced font \"sans-serif,12\" background \"white\"; titlefont = \"sans-serif,15\"; smallfont = \"sans-serif,10.2\"; pscale = 0.75 }",
            "if (fmt eq \"pdf\") { set terminal pdfcairo size \(inches(w)),\(inches(h)) font \"sans,8\" linewidth 0.5 pointscale 0.5 noenhanced; titlefont = \"sans:Bold,10\"; smallfont = \"sans,6.8\"; pscale = 1 }",
            "set output out",
            "",
        ]
    }

    /// A verdict's symbol as a label with a point (`tag`), or for "not run" a short gray bar
    /// (object `object`, corners `box`), at a position in gnuplot coordinates.
    static func symbol(
        _ v: ForestVerdict, at position: String, tag: Int, object: Int,
        box: (String, String, String, String)
    ) -> [String] {
        if v.marker == .dash {
            return ["set object \(object) rect from \(box.0), \(box.1) to \(box.2), \(box.3) front fc rgb \"\(v.color)\" fs solid 1 noborder"]
        }
        return ["set label \(tag) \"\" at \(position) \(labelPoint(v))"]
    }

    /// Point styles drawn on top of each other for a verdict's estimate marker.
    static func pointStyles(_ v: ForestVerdict) -> [String] {
        let color = "lc rgb \"\(v.color)\""
        switch v.marker {
        case .disc: return ["pt 7 ps 1.55*pscale lc rgb \"#FFFFFF\"", "pt 7 ps 1.3*pscale \(color)"]
        case .ring: return ["pt 7 ps 1.3*pscale lc rgb \"#FFFFFF\"", "pt 6 ps 1.3*pscale lw 2 \(color)"]
        case .square: return ["pt 5 ps 1.25*pscale lc rgb \"#FFFFFF\"", "pt 4 ps 1.25*pscale lw 2 \(color)"]
        case .cross: return ["pt 7 ps 1.7*pscale lc rgb \"#FFFFFF\"", "pt 2 ps 1.35*pscale lw 3 \(color)"]
        case .dash: return ["pt 7 ps 0.8*pscale \(color)"]
        }
    }

    /// The `point …` option of a key or verdict label.
    static func labelPoint(_ v: ForestVerdict) -> String {
        let color = "lc rgb \"\(v.color)\""
        switch v.marker {
        case .disc: return "point pt 7 ps 1.3*pscale \(color)"
        case .ring: return "point pt 6 ps 1.3*pscale lw 2 \(color)"
        case .square: return "point pt 4 ps 1.25*pscale lw 2 \(color)"
        case .cross: return "point pt 2 ps 1.35*pscale lw 3 \(color)"
        case .dash: return "point pt 7 ps 0.8*pscale \(color)"
        }
    }
}
