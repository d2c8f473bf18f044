import Foundation
import Plots

/// The claims × relaxations matrix of a verification ("Beyond the assumptions", docs/relaxations.md):
/// every claim declared with `for_each` (id `<claim>@<value>`) is a cell, its row the claim and its
/// column the value. Rendered as a verdict map (`figures/relaxations.{png,svg}`) and, per paper, a
/// table whose cells link to the row's figure.
public struct RelaxationMatrix {
    public struct Row {
        public var paper: String
        public var claim: String
        /// Column → the cell's outcome.
        public var cells: [String: ClaimOutcome]
    }
    public var columns: [String]
    public var rows: [Row]

    public init(_ v: Verification) {
        var columns: [String] = [], rows: [Row] = []
        for o in v.outcomes {
            guard let (claim, column) = o.claim.matrixCell else { continue }
            if !columns.contains(column) { columns.append(column) }
            if let i = rows.firstIndex(where: { $0.claim == claim }) {
                rows[i].cells[column] = o
            } else {
                rows.append(Row(paper: o.claim.paper, claim: claim, cells: [column: o]))
            }
        }
        // Relaxation's order first (the transformer papers' columns), then any others as they come.
        let order = Relaxation.allCases.map(\.rawValue)
        self.columns = columns.enumerated().sorted { a, b in
            (order.firstIndex(of: a.element) ?? order.count + a.offset) < (order.firstIndex(of: b.element) ?? order.count + b.offset)
        }.map(\.element)
        self.rows = rows
    }

    public var isEmpty: Bool { rows.isEmpty }

    /// The verdict map: one square per cell, coloured and shaped by verdict (so it reads in gray),
    /// rows top to bottom in report order.
    public func figure() -> Figure {
        let kinds: [(ClaimVerdict, String, Marker)] = [
            (.holds, "#009E73", .filledSquare), (.holdsWithinBand, "#56B4E9", .square), (.inconclusive, "#E69F00", .filledTriangle),
            (.doesNotHold, "#D55E00", .cross), (.notRun, "#999999", .circle),
        ]
        let n = rows.count
        var layers: [Layer] = []
        for (verdict, color, marker) in kinds {
            var xs: [Double] = [], ys: [Double] = []
            for (r, row) in rows.enumerated() {
                for (c, column) in columns.enumerated() where row.cells[column]?.verdict == verdict {
                    xs.append(Double(c)); ys.append(Double(n - 1 - r))
                }
            }
            guard !xs.isEmpty else { continue }
            layers.append(.points(Points(verdict.rawValue, x: xs, y: ys, color: color, marker: marker, size: 3)))
        }
        return Figure(
            id: "relaxations", title: "Beyond the assumptions: each claim's verdict under each relaxation",
            notes: ["rows: claims (paper.claim); columns: relaxations; blank = the relaxation does not apply to that paper"],
            x: Axis("relaxation", min: -0.5, max: Double(columns.count) - 0.5, tics: columns.enumerated().map { (Double($0.offset), $0.element) }),
            y: Axis("", min: -0.5, max: Double(n) - 0.5, tics: rows.enumerated().map { (Double(n - 1 - $0.offset), $0.element.claim) }),
            layers: layers, key: .below, width: max(1000, 135 * columns.count), height: max(360, 60 + 34 * n))
    }

    /// Writes `figures/relaxations.{tsv,csv,gp,png,svg}` under the report directory; nil when there
    /// is no matrix or nothing could be written (no gnuplot: .tsv and .gp only).
    @discardableResult
    func write(to directory: URL) -> URL? {
        guard !isEmpty else { return nil }
        let dir = directory.appendingPathComponent("figures")
        if let files = try? FigureWriter.write(figure(), to: dir) { return files.svg ?? files.png }
        _ = try? FigureWriter.write(figure(), to: dir, render: false)
        return nil
    }
}

extension VerificationReport {
    /// The "Beyond the assumptions" Markdown section (empty without `for_each` claims).
    static func relaxationSection(_ v: Verification, relativeTo directory: URL) -> [String] {
        let matrix = RelaxationMatrix(v)
        guard !matrix.isEmpty else { return [] }
        var out = ["<a id=\"beyond\"></a>", "## Beyond the assumptions", ""]
        out.append(
            "Each theorem is proved for one layer, one head, a fixed output layer and plain SGD at a given width. The relaxation scenarios re-measure the central claims with one assumption left at a time, against the theorem's own thresholds (docs/relaxations.md). A cell links to the claim's figure."
        )
        out.append("")
        let map = directory.appendingPathComponent("figures/relaxations.svg")
        if FileManager.default.fileExists(atPath: map.path) {
            out.append("![claims × relaxations](\(relativePath(map, from: directory)))")
            out.append("")
        }
        for paper in papersInOrder(v) {
            let rows = matrix.rows.filter { $0.paper == paper }
            guard !rows.isEmpty else { continue }
            let columns = matrix.columns.filter { c in rows.contains { $0.cells[c] != nil } }
            out.append("**\(paper)**")
            out.append("")
            out.append("| claim | " + columns.joined(separator: " | ") + " |")
            out.append("|---|" + columns.map { _ in "---" }.joined(separator: "|") + "|")
            for row in rows {
                let cells = columns.map { c -> String in
                    guard let o = row.cells[c] else { return "" }
                    let text = "\(verdictMark(o.verdict)) \(o.measurement.map { fmt($0.value) } ?? "—")"
                    return figureLink(v, o.claim, relativeTo: directory).map { "[\(text)](\($0))" } ?? text
                }
                out.append("| \(row.claim) | " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        return out
    }

    /// The same section in HTML.
    static func relaxationSectionHTML(_ v: Verification, relativeTo directory: URL) -> [String] {
        let matrix = RelaxationMatrix(v)
        guard !matrix.isEmpty else { return [] }
        var h = ["<h2 id=\"beyond\">Beyond the assumptions</h2>"]
        h.append(
            "<p>Each theorem is proved for one layer, one head, a fixed output layer and plain SGD at a given width. The relaxation scenarios re-measure the central claims with one assumption left at a time, against the theorem's own thresholds. A cell links to the claim's figure.</p>"
        )
        let map = directory.appendingPathComponent("figures/relaxations.svg")
        if let uri = dataURI(map) { h.append("<p><img alt=\"claims × relaxations\" src=\"\(uri)\" style=\"max-width:100%\"></p>") }
        for paper in papersInOrder(v) {
            let rows = matrix.rows.filter { $0.paper == paper }
            guard !rows.isEmpty else { continue }
            let columns = matrix.columns.filter { c in rows.contains { $0.cells[c] != nil } }
            h.append("<h3>\(esc(paper))</h3><table><tr><th>claim</th>" + columns.map { "<th>\(esc($0))</th>" }.joined() + "</tr>")
            for row in rows {
                var line = "<tr><td class=\"id\">\(esc(row.claim))</td>"
                for c in columns {
                    guard let o = row.cells[c] else { line += "<td></td>"; continue }
                    let value = o.measurement.map { fmt($0.value) } ?? "—"
                    let badge = "<span class=\"verdict \(verdictClass(o.verdict))\">\(esc(o.verdict.rawValue))</span> \(esc(value))"
                    let link = figureLink(v, o.claim, relativeTo: directory)
                    line += "<td>" + (link.map { "<a href=\"\(esc($0))\">\(badge)</a>" } ?? badge) + "</td>"
                }
                h.append(line + "</tr>")
            }
            h.append("</table>")
        }
        return h
    }
}
