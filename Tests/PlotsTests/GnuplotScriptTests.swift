import Foundation
import Testing
@testable import Plots

@Suite("gnuplot script")
struct GnuplotScriptTests {

    func script(_ figure: Figure) throws -> String { try FigureWriter.gnuplotScript(for: figure) }

    /// The clauses of the final `plot` command.
    func clauses(_ script: String) -> [String] {
        guard let start = script.range(of: "\nplot \\\n") else { return [] }
        return script[start.upperBound...].split(separator: "\n").map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ", \\", with: "")
        }
    }

    @Test("reads its .tsv by relative path and selects the terminal with fmt")
    func relativeDataAndTerminals() throws {
        let gp = try script(SampleFigures.everyLayer())
        #expect(gp.contains("data = \"every_layer.tsv\"\n"))
        #expect(!gp.contains("/every_layer.tsv"))
        #expect(gp.contains("if (!exists(\"fmt\")) fmt = \"png\""))
        #expect(gp.contains("set terminal pngcairo size 800,560 font \"sans,11\" noenhanced"))
        #expect(gp.contains("set terminal svg size 800,560 dynamic noenhanced"))
        #expect(gp.contains("set terminal pdfcairo size 5.56in,3.89in font \"sans,11\" linewidth 0.5 pointscale 0.5 noenhanced"))
        #expect(gp.contains("set encoding utf8"))
    }

    @Test("log axes, y2, bands behind lines, error bars, dashed reference")
    func everyLayerKind() throws {
        let gp = try script(SampleFigures.everyLayer())
        #expect(gp.contains("set logscale x\n"))
        #expect(gp.contains("set logscale y\n"))
        #expect(!gp.contains("set logscale y2"))
        #expect(gp.contains("set y2label \"neuron norm ‖w_j‖\""))
        #expect(gp.contains("set y2tics"))
        #expect(gp.contains("set border 11"))
        let plot = clauses(gp)
        #expect(plot.count == 7)  // bars, band, line, points, hline (autoscale + key), theory
        #expect(plot[0].hasPrefix("data index 2 using 1:2 axes x1y2 with boxes fs transparent solid 0.3"))
        #expect(plot[1].contains("with filledcurves fs transparent solid 0.2 noborder lc rgb \"#0072B2\" notitle"))
        #expect(plot[2].contains("data index 0 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb \"#0072B2\""))
        #expect(plot[3].contains("data index 1 using 1:2:3 with yerrorbars"))
        #expect(plot[4] == "(0.5) with lines lt nodraw notitle")
        #expect(plot[5] == "keyentry with lines lw 1.5 dt 2 lc rgb \"#CC79A7\" title \"chance level ε = 0.5\"")
        #expect(plot[6].contains("dt 2 lc rgb \"#505050\" title \"fit slope -0.51 ± 0.03 (theory -0.5)\""))
        #expect(gp.contains("set arrow 103 from graph 0, first 0.5 to graph 1, first 0.5 nohead back lw 1.5 dt 2 lc rgb \"#CC79A7\""))
    }

    @Test("a reference line outside an explicit y range is left out")
    func hlineOutsideRange() throws {
        var figure = SampleFigures.dualAxis()
        figure.layers[3] = .hline(HLine("too high", y: 2))
        let gp = try script(figure)
        #expect(!gp.contains("set arrow"))
        #expect(gp.contains("# layer 3: reference line 'too high' (y1 axis): nothing drawable, left out"))
    }

    @Test("a band edge ≤ 0 on a log axis is raised to bandFloor, the smallest positive value")
    func bandFloor() throws {
        let gp = try script(SampleFigures.everyLayer())
        #expect(gp.contains("\nbandFloor = "))
        #expect(gp.contains("using 1:($3 <= 0 ? bandFloor : $3):4 with filledcurves"))
        let linear = try script(SampleFigures.dualAxis())
        #expect(!linear.contains("bandFloor"))
        #expect(linear.contains("using 1:3:4 with filledcurves"))
    }

    @Test("axis ranges, explicit tics, bars include zero on an autoscaled axis")
    func ranges() throws {
        let gp = try script(SampleFigures.dualAxis())
        #expect(gp.contains("set xrange [-0.05:0.95]"))
        #expect(gp.contains("set yrange [0.4:1.02]"))
        #expect(gp.contains("set y2range [0:0<*]"))
        #expect(gp.contains("using 1:2:(0.06) axes x1y2 with boxes"))
        var figure = SampleFigures.dualAxis()
        figure.y2 = Axis("norm")
        figure.x.tics = [(0, "none"), (0.5, "half_way")]
        let edited = try script(figure)
        #expect(edited.contains("set y2range [*<0:0<*]"))
        #expect(edited.contains("set xtics (\"none\" 0, \"half_way\" 0.5)"))
    }

    @Test("key placement")
    func key() throws {
        // A flat line through the middle leaves every corner free: the recipe's corner is kept.
        var figure = Figure(
            id: "k", title: "", x: Axis("x"), y: Axis("y", min: 0, max: 1),
            layers: [.line(Line("flat", x: [0, 0.5, 1], y: [0.5, 0.5, 0.5]))], key: .bottomLeft)
        #expect(try script(figure).contains("set key bottom left"))
        figure.key = .outside
        #expect(try script(figure).contains("set key outside right top"))
        figure.key = .below
        #expect(try script(figure).contains("set key below center horizontal"))
        figure.key = .none
        #expect(try script(figure).contains("unset key"))
    }

    /// The key never covers data: a corner the data reaches is given up for a free one, and with
    /// no free corner the key goes below the plot.
    @Test("the key moves off the data")
    func keyAvoidsData() throws {
        let x = (0...20).map { Double($0) / 20 }
        // A rising line fills the top-right and bottom-left corners: top left is free.
        var figure = Figure(
            id: "k", title: "", x: Axis("x"), y: Axis("y"),
            layers: [.line(Line("rising", x: x, y: x))], key: .topRight)
        #expect(try script(figure).contains("set key top left"))
        figure.key = .bottomLeft
        #expect(try script(figure).contains("set key top left"))
        // Add a falling line: every corner is reached, so the key goes below.
        figure.layers.append(.line(Line("falling", x: x, y: x.map { 1 - $0 })))
        #expect(try script(figure).contains("set key below"))
        // A vertical reference line through the middle blocks a wide key's bottom corners.
        var vertical = Figure(
            id: "v", title: "", x: Axis("x", min: 0, max: 1), y: Axis("y", min: 0, max: 1),
            layers: [
                .line(Line("a curve that stays at the top of the plot", x: x, y: x.map { _ in 0.95 })),
                .line(Line("a vertical reference line with a long title", x: [0.5, 0.5], y: [0, 1], dash: .dashed)),
            ],
            key: .bottomLeft)
        #expect(try script(vertical).contains("set key below"))
        vertical.layers.removeLast()
        #expect(try script(vertical).contains("set key bottom left"))
    }

    /// Without colors every curve still differs: dash type and marker cycle with the layer order.
    @Test("lines cycle Okabe–Ito colors, dash types and markers")
    func styleCycle() throws {
        let x = (0..<30).map(Double.init)
        let figure = Figure(
            id: "c", title: "", x: Axis("x"), y: Axis("y"),
            layers: (0..<3).map { k in .line(Line("curve \(k)", x: x, y: x.map { $0 * Double(k + 1) })) }, key: .none)
        #expect(figure.layerColors == ["#0072B2", "#D55E00", "#009E73"])
        #expect(figure.layerDashes == [.solid, .dashed, .dotted])
        #expect(figure.layerMarkers == [7, 5, 9])
        let gp = try script(figure)
        #expect(gp.contains("data index 0 using 1:2 with linespoints pt 7 ps 0.6 pi 5 lw 2 lc rgb \"#0072B2\" title \"curve 0\""))
        #expect(gp.contains("data index 1 using 1:2 with linespoints pt 5 ps 0.6 pi 5 lw 2 dt 2 lc rgb \"#D55E00\" title \"curve 1\""))
    }

    /// A recipe that picks colors and dashes itself keeps them; curves that would still look alike
    /// in gray (same dash, no marker) get distinct markers, and same-marker points layers too.
    @Test("curves alike in gray get distinct markers")
    func grayDisambiguation() throws {
        let x = (0..<12).map(Double.init)
        let figure = Figure(
            id: "g", title: "", x: Axis("x"), y: Axis("y"),
            layers: [
                .line(Line("E2 (solid, chosen color)", x: x, y: x, color: Palette.blue)),
                .line(Line("rho Q (dashed)", x: x, y: x.map { $0 + 1 }, dash: .dashed, color: Palette.blue)),
                .line(Line("rho K (dashed)", x: x, y: x.map { $0 + 2 }, dash: .dashed, color: Palette.vermillion)),
                .line(Line("theory (2 points)", x: [0, 11], y: [0, 5], dash: .dashed, color: "#555555")),
                .points(Points("V", x: x, y: x, color: Palette.bluishGreen)),
                .points(Points("O", x: x, y: x, color: Palette.vermillion)),
            ], key: .none)
        #expect(figure.layerDashes == [.solid, .dashed, .dashed, .dashed, nil, nil])
        let m = figure.layerMarkers
        #expect(m[0] == nil && m[1] == nil && m[3] == nil, "\(m)")
        #expect(m[2] != nil, "the second dashed curve gets a marker: \(m)")
        #expect(m[4] == 7 && m[5] != nil && m[5] != 7, "\(m)")
    }

    /// Fitted and theory curves are not measurements: even when they look alike in gray (same
    /// dash, 21 samples each, as in MoE S2's fits), they get no markers, which would read as data.
    @Test("fitted and theory lines never get markers")
    func referenceLinesUnmarked() throws {
        let x = (0..<21).map(Double.init)
        let figure = Figure(
            id: "r", title: "", x: Axis("x"), y: Axis("y"),
            layers: [
                .line(Line("fit A", x: x, y: x, color: Palette.blue, isReference: true)),
                .line(Line("fit B", x: x, y: x.map { $0 + 1 }, color: Palette.vermillion, isReference: true)),
                .line(.powerLaw(exponent: 1, through: (1, 1), over: 1...20, title: "theory")),
                .line(.powerLaw(exponent: 2, through: (1, 1), over: 1...20, title: "theory 2")),
                .line(Line("measured, solid", x: x, y: x, color: Palette.orange)),
                .line(Line("measured, solid too", x: x, y: x, color: Palette.skyBlue)),
            ], key: .none)
        let m = figure.layerMarkers
        #expect(m[0] == nil && m[1] == nil && m[2] == nil && m[3] == nil, "\(m)")
        #expect(m[4] == nil && m[5] != nil, "measurements still get told apart: \(m)")
    }

    @Test("layers with nothing drawable get no clause; an empty figure still plots")
    func nothingDrawable() throws {
        let gp = try script(SampleFigures.empty())
        #expect(gp.contains("# layer 0: line 'nothing' (y1 axis): nothing drawable, left out"))
        #expect(gp.contains("# layer 2: line 'negative on log axis' (y1 axis): nothing drawable, left out"))
        #expect(gp.contains("set xrange [0:1]"))
        #expect(gp.contains("set yrange [1:10]"))
        #expect(gp.hasSuffix("plot NaN notitle\n"))

        var partial = SampleFigures.everyLayer()
        partial.layers[1] = .points(Points("gone", x: [1, 2], y: [.nan, .nan]))
        let clauses = clauses(try script(partial))
        #expect(clauses.count == 6)
        #expect(!clauses.contains { $0.contains("index 1 ") })
    }

    @Test("y1 with nothing drawable gets a fixed range when only y2 has data")
    func onlyY2() throws {
        let figure = Figure(
            id: "y2only", title: "", x: Axis("x"), y: Axis("y"), y2: Axis("norm"),
            layers: [.bars(Bars("b", x: [1, 2], height: [3, 4], axis: .y2))])
        let gp = try script(figure)
        #expect(gp.contains("set yrange [0:1]"))
        #expect(gp.contains("set y2range [*<0:0<*]"))
    }

    @Test("heat maps: image on uniform grids, boxes otherwise; palettes; missing cells hatched")
    func heatmaps() throws {
        let gray = try script(SampleFigures.heatmap())
        #expect(gray.contains("using 1:2:3 with image notitle"))
        #expect(gray.contains("set palette gray"))
        #expect(gray.contains("set cbrange [0:1]"))
        #expect(gray.contains("set cblabel \"test accuracy\""))
        #expect(gray.contains("using 1:(valid(3) ? NaN : $2):4:5:6:7 with boxxyerror fs pattern 4"))
        #expect(gray.contains("set autoscale xfix"))

        let color = try script(SampleFigures.heatmapLog())
        #expect(clauses(color).filter { $0.hasSuffix("using 1:2:4:5:6:7:3 with boxxyerror fs solid 1.0 noborder fc palette notitle") }.count == 2)
        #expect(color.contains("set border 15"))
        #expect(color.contains("set palette defined (0 \"#440154\""))
        #expect(!color.contains("no data"))
    }

    @Test("a diverging heat map is blue–white–red with white at the middle; crisp cells are boxes; markers carry their shape and size")
    func divergingMapWithMarkers() throws {
        let figure = Figure(
            id: "gap_map", title: "", x: Axis("K"), y: Axis("α′"),
            layers: [
                .heatmap(
                    Heatmap(
                        "gap", xs: [0, 1, 2], ys: [0.5, 1], z: [[0.02, 0, -0.03], [0.01, 0, -0.01]], zLabel: "gap",
                        grayscale: false, zMin: -0.03, zMax: 0.03, diverging: true)),
                .points(Points("ICL better", x: [2], y: [0.5], color: "#000000", marker: .disc, size: 1.6)),
                .points(Points("baseline better", x: [0], y: [0.5], color: "#000000", marker: .cross, size: 1.6)),
            ], key: .below)
        let gp = try script(figure)
        #expect(gp.contains("set palette defined (0 \"#2166ac\""))
        #expect(gp.contains("0.5 \"#f7f7f7\""))
        #expect(gp.contains("1 \"#b2182b\")"))
        #expect(gp.contains("set cbrange [-0.03:0.03]"))
        let plot = clauses(gp)
        #expect(plot.contains { $0.contains("with image") })
        var crisp = figure
        if case .heatmap(var h) = crisp.layers[0] { h.crisp = true; crisp.layers[0] = .heatmap(h) }
        #expect(clauses(try script(crisp)).filter { $0.hasSuffix("with boxxyerror fs solid 1.0 noborder fc palette notitle") }.count == 2)
        #expect(plot.contains { $0.contains("with points pt 7 ps 1.44") && $0.contains("title \"ICL better\"") })
        #expect(plot.contains { $0.contains("with points pt 2 ps 1.44") && $0.contains("title \"baseline better\"") })
    }

    @Test("strings are escaped; text stays literal")
    func quoting() throws {
        #expect(GnuplotScript.quoted("a'b \"c\" \\ @x $1 W_Q x^2") == "\"a'b \\\"c\\\" \\\\ @x $1 W_Q x^2\"")
        #expect(GnuplotScript.quoted("two\nlines") == "\"two\\nlines\"")
        let gp = try script(SampleFigures.everyLayer())
        #expect(gp.contains("set title \"Sample complexity: ε ∝ N^−½ for W_Q, ΔW_K (α = 0.3, σ² = 0.1)\""))
        #expect(!gp.contains(" enhanced"))
    }

    @Test("palette colors follow layer order; a layer's own color wins")
    func colors() {
        var figure = SampleFigures.dualAxis()
        figure.layers[1] = .line(Line("own", x: [0], y: [1], color: "#000000"))
        #expect(figure.layerColors == ["#0072B2", "#000000", "#009E73", "#CC79A7"])
        #expect(SampleFigures.heatmapLog().layerColors == [nil, "#ffffff"])
    }
}
