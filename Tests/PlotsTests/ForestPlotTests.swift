import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Plots

private let hasGnuplot = FigureWriter.gnuplotExecutable != nil

/// A fresh temporary directory, or `PLOTS_DEMO_DIR` when set and `demo` (to look at the output).
private func forestDirectory(_ name: String, demo: Bool = false) -> URL {
    if demo, let dir = ProcessInfo.processInfo.environment["PLOTS_DEMO_DIR"], !dir.isEmpty {
        return URL(fileURLWithPath: dir)
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent("forest-\(name)-\(UUID().uuidString)")
}

/// Sample claims as `sim verify` judges them: every verdict, one- and two-sided bands, mixed units.
enum ForestSamples {
    static let inf = Double.infinity

    static func paper() -> [ForestRow] {
        [
            // Two-sided: exponents near −1 / −0.5, with the prediction at the centre.
            ForestRow(id: "lowrank.P1", value: -0.98, lo: -1.07, hi: -0.89, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "holds"),
            ForestRow(id: "lowrank.P2a", value: -0.81, lo: -0.88, hi: -0.74, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "holds within band"),
            ForestRow(id: "lowrank.P2b", value: -0.45, lo: -0.62, hi: -0.28, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "inconclusive"),
            ForestRow(id: "lowrank.P3", value: 0.2, lo: 0.05, hi: 0.35, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "does not hold"),
            ForestRow(id: "moe.S2", value: -0.52, lo: -0.58, hi: -0.46, bandLo: -0.8, bandHi: -0.3, prediction: -0.5, verdict: "holds"),
            ForestRow(id: "moe.S2-flat", value: 0.04, lo: -0.03, hi: 0.11, bandLo: -0.3, bandHi: 0.3, prediction: 0, verdict: "holds"),
            // Angles in degrees, asymmetric band, no interval (deterministic).
            ForestRow(id: "graph.angle", value: 47.3, lo: 47.3, hi: 47.3, bandLo: 40, bandHi: 60, prediction: 45, verdict: "holds within band"),
            // One-sided lower bounds: accuracies, a ratio of 50.
            ForestRow(id: "moe.T6", value: 0.94, lo: 0.93, hi: 0.945, bandLo: 0.95, bandHi: inf, prediction: 0.95, verdict: "does not hold"),
            ForestRow(id: "icl.acc", value: 0.97, lo: 0.955, hi: 0.985, bandLo: 0.9, bandHi: inf, prediction: nil, verdict: "holds"),
            ForestRow(id: "icl.margin", value: 0.91, lo: 0.86, hi: 0.96, bandLo: 0.9, bandHi: inf, prediction: 0.9, verdict: "inconclusive"),
            ForestRow(id: "moe.S6 router ratio", value: 83.5, lo: 71.2, hi: 95.9, bandLo: 50, bandHi: inf, prediction: 50, verdict: "holds"),
            // One-sided upper bounds, one with an interval unbounded above.
            ForestRow(id: "moe.S1 leakage", value: 0.004, lo: 0.002, hi: 0.006, bandLo: -inf, bandHi: 0.01, prediction: 0.01, verdict: "holds"),
            ForestRow(id: "moe.S3b drop", value: 0.64, lo: 0.55, hi: inf, bandLo: -inf, bandHi: 0.7, prediction: nil, verdict: "inconclusive"),
            // Far outside a two-sided band on the left, running off the panel.
            ForestRow(id: "graph.slope", value: -4.2, lo: -5.0, hi: -3.4, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "does not hold"),
            // Not run.
            ForestRow(id: "icl.F-BASE", value: .nan, lo: .nan, hi: .nan, bandLo: 0.5, bandHi: inf, prediction: 0.5, verdict: "not run"),
        ]
    }

    static let hostileIDs = [
        "a<b & c>d", "`touch /tmp/forest-pwned`", "say \"hi\" and 'bye'", "back\\slash $x @y",
        "line\nbreak\ttab", "nul\u{0}bell\u{7}", "]]> <!-- --> <![CDATA[", "α σ² Δ → ≥", "#1 starts a comment",
    ]
}

/// What XMLParser saw: well-formedness, the row groups, the text of every text node.
private final class SVGProbe: NSObject, XMLParserDelegate {
    var rowGroups = 0
    var rowVerdicts: [String] = []
    var texts: [String] = []
    var elements = 0
    private var current = ""
    private var inText = false

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements += 1
        if name == "g", attributes["class"] == "row" {
            rowGroups += 1
            rowVerdicts.append(attributes["data-verdict"] ?? "")
        }
        if name == "text" || name == "title" { inText = true; current = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" || name == "title" { texts.append(current); inText = false }
    }

    static func parse(_ svg: String) -> (ok: Bool, probe: SVGProbe, error: String) {
        let probe = SVGProbe()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = probe
        let ok = parser.parse()
        return (ok, probe, parser.parserError.map { "\($0)" } ?? "")
    }
}

@Suite("forest plot")
struct ForestPlotTests {

    @Test("the SVG is well-formed XML with one row group per claim, in order, with its verdict")
    func wellFormed() throws {
        let rows = ForestSamples.paper()
        let svg = ForestPlot.svg(rows: rows, title: "Low-rank & MoE claims <sample>")
        let (ok, probe, error) = SVGProbe.parse(svg)
        #expect(ok, "XMLParser: \(error)")
        #expect(probe.rowGroups == rows.count)
        #expect(probe.rowVerdicts == rows.map(\.verdict))
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!svg.contains("href"))  // no external references…
        #expect(!svg.contains(" id=\""))  // …and no ids that clash when inlined twice
        #expect(probe.texts.contains("Low-rank & MoE claims <sample>"))
        #expect(probe.texts.contains("0.940 [0.930, 0.945]  vs ≥ 0.95"))
        #expect(probe.texts.contains("−0.98 [−1.07, −0.89]  vs −1, band [−1.6, −0.4]"))
    }

    @Test("hostile ids are escaped: the parser gets them back as text")
    func hostileIDs() throws {
        let rows = ForestSamples.hostileIDs.map {
            ForestRow(id: $0, value: 1, lo: 0.5, hi: 1.5, bandLo: 0, bandHi: 2, prediction: 1, verdict: "holds")
        }
        let svg = ForestPlot.svg(rows: rows, title: "`title` <&> \"q\"")
        let (ok, probe, error) = SVGProbe.parse(svg)
        #expect(ok, "XMLParser: \(error)")
        #expect(probe.rowGroups == rows.count)
        for id in [
            "a<b & c>d", "`touch /tmp/forest-pwned`", "say \"hi\" and 'bye'", "back\\slash $x @y",
            "line break tab", "nul\u{FFFD}bell\u{FFFD}", "]]> <!-- --> <![CDATA[", "α σ² Δ → ≥", "#1 starts a comment",
        ] {
            #expect(probe.texts.contains(id), "id \(id) not found as text")
        }
        #expect(!svg.contains("\u{0}"))
    }

    @Test("band edges at ±infinity: a bound at 0, the accepted side shaded to the panel edge, scale increasing")
    func oneSided() {
        let T = ForestPlot.halfRange
        let atLeast = ForestGeometry(ForestRow(id: "a", value: 0.97, lo: 0.955, hi: 0.985, bandLo: 0.9, bandHi: .infinity, verdict: "holds"))
        #expect(atLeast.scale.kind == .atLeast && atLeast.scale.center == 0.9)
        #expect(atLeast.band! == (0, T))
        #expect(atLeast.bandEdges == [0])
        #expect(abs(atLeast.tHi - ForestPlot.oneSidedReach) < 1e-12)  // farthest value at 1.5
        #expect(atLeast.tLo > 0 && atLeast.tLo < atLeast.tValue && atLeast.tValue < atLeast.tHi)
        #expect(atLeast.predictionT == nil)
        #expect(atLeast.acceptedText == "vs ≥ 0.9")

        let atMost = ForestGeometry(
            ForestRow(
                id: "b", value: 0.004, lo: 0.002, hi: 0.006, bandLo: -.infinity, bandHi: 0.01,
                prediction: 0.01, verdict: "holds"))
        #expect(atMost.scale.kind == .atMost)
        #expect(atMost.band! == (-T, 0))
        #expect(atMost.predictionT == 0)
        #expect(atMost.interval!.to < 0)  // accepted side: left, in order
        #expect(atMost.acceptedText == "vs ≤ 0.01")

        // NaN edges read as open, a reversed band is put in order.
        let nanEdge = ForestGeometry(ForestRow(id: "c", value: 3, lo: 2, hi: 4, bandLo: 1, bandHi: .nan, verdict: "holds"))
        #expect(nanEdge.scale.kind == .atLeast)
        let reversed = ForestGeometry(ForestRow(id: "d", value: 3, lo: 2, hi: 4, bandLo: 5, bandHi: 1, verdict: "holds"))
        #expect(reversed.bandLo == 1 && reversed.bandHi == 5 && reversed.scale.kind == .twoSided)

        // No band at all, and a point band.
        let open = ForestGeometry(ForestRow(id: "e", value: 3, lo: 2, hi: 4, bandLo: -.infinity, bandHi: .infinity, verdict: "holds"))
        #expect(open.scale.kind == .open && open.band! == (-T, T) && open.bandEdges.isEmpty)
        let point = ForestGeometry(ForestRow(id: "f", value: 3, lo: 2, hi: 4, bandLo: 2.5, bandHi: 2.5, verdict: "inconclusive"))
        #expect(point.scale.kind == .pointBand && point.band! == (0, 0) && point.acceptedText == "vs = 2.5")

        let svg = ForestPlot.svg(rows: [atLeast.row, atMost.row, nanEdge.row, reversed.row, open.row, point.row], title: "bounds")
        #expect(SVGProbe.parse(svg).ok)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }

    @Test("two-sided bands: edges at ±1, prediction at 0, piecewise linear for an asymmetric band")
    func twoSided() {
        let g = ForestGeometry(ForestRow(id: "angle", value: 50, lo: 47.5, hi: 52.5, bandLo: 40, bandHi: 60, prediction: 45, verdict: "holds within band"))
        #expect(g.scale.center == 45 && g.scale.below == 5 && g.scale.above == 15)
        #expect(g.band! == (-1, 1) && g.bandEdges == [-1, 1] && g.predictionT == 0)
        #expect(abs(g.tValue - 1.0 / 3) < 1e-12 && abs(g.tLo - 2.5 / 15) < 1e-12)
        // Without a prediction (or one outside the band): the midpoint.
        let mid = ForestGeometry(ForestRow(id: "m", value: 0.5, lo: 0.4, hi: 0.6, bandLo: 0.4, bandHi: 0.8, verdict: "holds"))
        #expect(abs(mid.scale.center - 0.6) < 1e-12 && mid.predictionT == nil && mid.acceptedText == "vs band [0.4, 0.8]")
    }

    @Test("intervals outside the band on either side run off the panel with an arrow; the estimate sits on the edge")
    func outside() {
        let T = ForestPlot.halfRange
        let left = ForestGeometry(ForestRow(id: "l", value: -4.2, lo: -5, hi: -3.4, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "does not hold"))
        #expect(left.interval!.arrowLeft && !left.interval!.arrowRight)
        #expect(left.interval!.from == -T && left.interval!.to == -T && left.markerT == -T)
        let right = ForestGeometry(ForestRow(id: "r", value: 0.2, lo: -0.3, hi: 1.5, bandLo: -1.6, bandHi: -0.4, prediction: -1, verdict: "does not hold"))
        #expect(right.interval!.arrowRight && !right.interval!.arrowLeft)
        #expect(right.interval!.to == T && right.markerT! == 2)  // (0.2 + 1) / 0.6 = 2: on the edge
        #expect(right.interval!.from > 1)  // starts outside the band, inside the panel
        let unbounded = ForestGeometry(ForestRow(id: "u", value: 0.64, lo: 0.55, hi: .infinity, bandLo: -.infinity, bandHi: 0.7, verdict: "inconclusive"))
        #expect(unbounded.interval!.arrowRight && unbounded.measuredText == "0.64 [0.55, ∞]")
        let svg = ForestPlot.svg(rows: [left.row, right.row, unbounded.row], title: "outside")
        #expect(SVGProbe.parse(svg).ok)
        #expect(svg.components(separatedBy: "<polygon").count - 1 == 3)  // three arrowheads
    }

    @Test("not run: no estimate, no interval, the band still shown, the word in gray")
    func notRun() {
        let g = ForestGeometry(ForestRow(id: "x", value: .nan, lo: .nan, hi: .nan, bandLo: 0.5, bandHi: .infinity, prediction: 0.5, verdict: "not run"))
        #expect(g.markerT == nil && g.interval == nil && g.band != nil)
        #expect(g.numbersText == "—  vs ≥ 0.5")
        #expect(g.verdict == .notRun)
        // An unknown verdict word is printed as given, styled like "not run".
        let odd = ForestGeometry(ForestRow(id: "y", value: 1, lo: 1, hi: 1, bandLo: 0, bandHi: 2, verdict: "  Skipped  (budget) "))
        #expect(odd.verdict == .notRun && odd.verdictText == "Skipped (budget)")
        #expect(ForestVerdict(word: "Holds Within  Band") == .holdsWithinBand)
        let svg = ForestPlot.svg(rows: [g.row, odd.row], title: "not run")
        let (ok, probe, _) = SVGProbe.parse(svg)
        #expect(ok && probe.rowGroups == 2)
        #expect(ForestPlot.svg(rows: [], title: "empty").contains("no claims"))
        #expect(SVGProbe.parse(ForestPlot.svg(rows: [], title: "empty")).ok)
    }

    @Test("numbers are printed to two significant digits of the interval width, in the claim's units")
    func numbers() {
        func text(_ v: Double, _ lo: Double, _ hi: Double) -> String {
            ForestGeometry(ForestRow(id: "n", value: v, lo: lo, hi: hi, bandLo: 0, bandHi: .infinity, verdict: "holds")).measuredText
        }
        #expect(text(0.9412, 0.8801, 0.9903) == "0.94 [0.88, 0.99]")
        #expect(text(83.5, 71.2, 95.9) == "84 [71, 96]")
        #expect(text(0.004, 0.002, 0.006) == "0.0040 [0.0020, 0.0060]")
        #expect(text(47.3, 47.3, 47.3) == "47.3")
        #expect(text(-0.001, -0.002, 0.3) == "0.00 [0.00, 0.30]")  // no "−0.00"
        #expect(text(2.5e7, 2.4e7, 2.6e7) == "2.5e+07 [2.4e+07, 2.6e+07]")
    }

    @Test("the .gp quotes row text so gnuplot executes nothing; the .tsv has one line per claim")
    func gnuplotText() throws {
        let rows = ForestSamples.hostileIDs.map {
            ForestRow(id: $0, value: 1, lo: 0.5, hi: 1.5, bandLo: 0, bandHi: 2, prediction: 1, verdict: "holds")
        }
        let gp = try ForestPlot.gnuplotScript(rows: rows, title: "`date` title", id: "forest_hostile")
        // Outside comments (which gnuplot never executes), every backquote became \140.
        #expect(!gp.split(separator: "\n").contains { !$0.hasPrefix("#") && $0.contains("`") })
        #expect(gp.contains("\"\\140touch /tmp/forest-pwned\\140\""))
        #expect(gp.contains("\"say \\\"hi\\\" and 'bye'\""))
        #expect(!gp.contains("\u{0}"))
        #expect(GnuplotScript.quoted("a`b\"c\\") == "\"a\\140b\\\"c\\\\\"")
        let tsv = ForestPlot.tsvText(rows: rows, title: "t", id: "forest_hostile")
        let data = tsv.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(data.count == rows.count)
        #expect(data.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == ForestGnuplot.columns.count })
        #expect(throws: FigureError.self) { try ForestPlot.gnuplotScript(rows: rows, title: "t", id: "../escape") }
    }

    @Test("write without rendering: the .tsv and .gp")
    func writeOnly() throws {
        let dir = forestDirectory("norender")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try ForestPlot.write(rows: ForestSamples.paper(), title: "claims", id: "forest_sample", to: dir, render: false)
        #expect(files.all.map(\.lastPathComponent) == ["forest_sample.tsv", "forest_sample.csv", "forest_sample.gp"])
        #expect(try String(contentsOf: files.csv, encoding: .utf8).hasPrefix("claim,value,ci_low,ci_high,band_low,band_high,prediction,verdict\n"))
        let tsv = try String(contentsOf: files.tsv, encoding: .utf8)
        #expect(tsv.contains("moe.T6") && tsv.contains("\tinf\t"))
    }
}

@Suite("forest plot rendering", .enabled(if: hasGnuplot, "gnuplot is not installed"))
struct ForestPlotRenderTests {

    @Test("the sample paper renders to png and svg silently; the standalone SVG is written beside it")
    func sample() throws {
        let dir = forestDirectory("sample", demo: true)
        let rows = ForestSamples.paper()
        let files = try ForestPlot.write(rows: rows, title: "Sample paper: 15 claims, every verdict", id: "forest_sample", to: dir)
        let png = try Data(contentsOf: try #require(files.png))
        #expect(Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        let svg = try String(contentsOf: try #require(files.svg), encoding: .utf8)
        #expect(SVGProbe.parse(svg).ok)
        #expect(files.warnings.isEmpty, "gnuplot printed: \(files.warnings)")
        try ForestPlot.svg(rows: rows, title: "Sample paper: 15 claims, every verdict")
            .write(to: dir.appendingPathComponent("forest_sample.standalone.svg"), atomically: true, encoding: .utf8)
    }

    @Test("hostile ids render, and gnuplot runs no backquoted command")
    func hostile() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("forest-pwned-\(UUID().uuidString)")
        let ids =
            ForestSamples.hostileIDs.map { $0.replacingOccurrences(of: "/tmp/forest-pwned", with: marker.path) }
            + ["`touch \(marker.path)`"]
        let rows = ids.enumerated().map { i, id in
            ForestRow(
                id: id, value: Double(i), lo: Double(i) - 1, hi: Double(i) + 1, bandLo: 0, bandHi: .infinity,
                prediction: 0, verdict: ForestVerdict.allCases[i % 5].word)
        }
        let dir = forestDirectory("hostile", demo: true)
        let files = try ForestPlot.write(rows: rows, title: "hostile `touch \(marker.path)`", id: "forest_hostile", to: dir)
        #expect(!FileManager.default.fileExists(atPath: marker.path))
        let svg = try String(contentsOf: try #require(files.svg), encoding: .utf8)
        let (ok, _, error) = SVGProbe.parse(svg)
        #expect(ok, "gnuplot's SVG: \(error)")
        #expect(files.warnings.isEmpty, "gnuplot printed: \(files.warnings)")
    }

    @Test("no rows, and rows without anything drawable, still render")
    func empty() throws {
        let dir = forestDirectory("empty")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try ForestPlot.write(rows: [], title: "nothing", id: "forest_empty", to: dir, formats: .png)
        #expect(files.png != nil && files.warnings.isEmpty)
        let notRun = [ForestRow(id: "x", value: .nan, lo: .nan, hi: .nan, bandLo: 0.5, bandHi: .infinity, verdict: "not run")]
        let again = try ForestPlot.write(rows: notRun, title: "not run", id: "forest_notrun", to: dir, formats: .png)
        #expect(again.png != nil && again.warnings.isEmpty, "gnuplot printed: \(again.warnings)")
    }
}
