import Foundation
import Testing
@testable import Plots

@Suite("TSV data file")
struct TSVFormatTests {

    /// Data blocks (after the header), split on the double blank lines gnuplot's `index` counts.
    func blocks(_ tsv: String) -> [String] {
        tsv.components(separatedBy: "\n\n\n")
    }

    @Test("header: title, notes, one line per axis and per block")
    func header() throws {
        let tsv = try FigureWriter.tsvText(for: SampleFigures.everyLayer())
        let lines = tsv.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "# Sample complexity: ε ∝ N^−½ for W_Q, ΔW_K (α = 0.3, σ² = 0.1)")
        #expect(lines.contains("# scenario: tests/every_layer.yaml"))
        #expect(lines.contains("# seeds 1…5; band = mean ± sd"))
        #expect(lines.contains { $0.hasPrefix("# x axis: 'training samples N', logarithmic") })
        #expect(lines.contains { $0.hasPrefix("# y2 axis: 'neuron norm ‖w_j‖'") })
        #expect(lines.contains { $0.hasPrefix("# index 2: bars '‖w_j‖ sorted' (y2 axis) — columns x height") })
    }

    @Test("one block per layer, each opened by its index, columns and a commented column header")
    func blockPerLayer() throws {
        let figure = SampleFigures.everyLayer()
        let parts = blocks(try FigureWriter.tsvText(for: figure))
        #expect(parts.count == figure.layers.count)
        for (i, part) in parts.enumerated() {
            let lines = part.split(separator: "\n").map(String.init)
            // The file header lists every block too: the block's own opening is the last match.
            let opening = lines.lastIndex { $0.hasPrefix("# index \(i): ") }
            #expect(opening != nil, "block \(i) lacks its index line")
            if let k = opening {
                #expect(lines[k + 1].hasPrefix("# columns: "))
                #expect(lines[k + 2].hasPrefix("# x\t") || lines[k + 2] == "# y")
            }
        }
        #expect(parts[0].contains("# x\ty\tlo\thi\n"))
        #expect(parts[1].contains("# x\ty\terr\n"))
    }

    @Test("NaN is written as NaN, never 0; values ≤ 0 on a log axis are kept as given")
    func missingValues() throws {
        let tsv = try FigureWriter.tsvText(for: SampleFigures.everyLayer())
        let block0 = blocks(tsv)[0]
        #expect(block0.contains("\n800\tNaN\tNaN\tNaN\n"))
        #expect(block0.contains("\t-0.004\t"))
        let inf = Figure(
            id: "inf", title: "", x: Axis("x"), y: Axis("y"),
            layers: [.line(Line("l", x: [1, 2], y: [.infinity, 0]))])
        let text = try FigureWriter.tsvText(for: inf)
        #expect(text.contains("\n1\tNaN\n2\t0\n"))
    }

    @Test("full precision: ten significant digits")
    func precision() throws {
        let figure = Figure(
            id: "p", title: "", x: Axis("x"), y: Axis("y"),
            layers: [.line(Line("l", x: [1e-7], y: [0.12345678912345]))])
        #expect(try FigureWriter.tsvText(for: figure).contains("\n1e-07\t0.1234567891\n"))
    }

    @Test("an empty layer keeps a NaN row so later indices do not shift")
    func emptyLayerKeepsIndex() throws {
        let parts = blocks(try FigureWriter.tsvText(for: SampleFigures.empty()))
        #expect(parts.count == 3)
        #expect(parts[0].hasSuffix("# (no data: one NaN row keeps the block numbering)\nNaN\tNaN"))
        #expect(parts[1].hasSuffix("\n1\tNaN\n2\tNaN"))
    }

    @Test("heat map: x y z and cell edges, one scan line per y separated by one blank line")
    func heatmapBlock() throws {
        let figure = SampleFigures.heatmap()
        guard case .heatmap(let h) = figure.layers[0] else { Issue.record("not a heat map"); return }
        let block = blocks(try FigureWriter.tsvText(for: figure))[0]
        let scanlines = block.components(separatedBy: "\n\n")
        #expect(scanlines.count == h.ys.count)
        let rows = block.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == h.xs.count * h.ys.count)
        #expect(rows.allSatisfy { $0.split(separator: "\t").count == 7 })
        #expect(rows.filter { $0.split(separator: "\t")[2] == "NaN" }.count == 1)
        // First cell: centre (0.1, 4), edges halfway to the neighbours, mirrored outside.
        #expect(rows[0] == "0.1\t4\t\(Number.text(h.z[0][0]))\t0.05\t0.15\t2\t6")
    }
}
