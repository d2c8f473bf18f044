import Foundation
import Testing
@testable import Plots

@Suite("figure validation")
struct ValidationTests {

    func reason(_ figure: Figure) -> String? {
        do {
            _ = try FigureWriter.tsvText(for: figure)
            return nil
        } catch let FigureError.invalidFigure(_, reason) {
            return reason
        } catch {
            return "unexpected \(error)"
        }
    }

    func figure(_ layers: [Layer], id: String = "ok", x: Axis = Axis("x")) -> Figure {
        Figure(id: id, title: "", x: x, y: Axis("y"), layers: layers)
    }

    @Test("length mismatches name the layer")
    func lengths() {
        #expect(reason(figure([.line(Line("a", x: [1, 2], y: [1]))])) == "layer 0 'a': x has 2 values, y has 1")
        #expect(reason(figure([.line(Line("b", x: [1], y: [1], band: ([1, 2], [1])))]))?.contains("band") == true)
        #expect(reason(figure([.points(Points("c", x: [1], y: [1], yErr: []))]))?.contains("yErr") == true)
        #expect(reason(figure([.bars(Bars("d", x: [1], height: []))]))?.contains("height") == true)
        #expect(
            reason(figure([.heatmap(Heatmap("e", xs: [1, 2], ys: [1], z: [[1]], zLabel: "z"))]))?
                .contains("z row 0") == true)
        #expect(
            reason(figure([.heatmap(Heatmap("f", xs: [1, 3, 2], ys: [1], z: [[1, 2, 3]], zLabel: "z"))]))?
                .contains("strictly") == true)
    }

    @Test("ids are plain file stems; log ranges are positive")
    func idsAndRanges() {
        #expect(reason(figure([], id: "../x")) != nil)
        #expect(reason(figure([], id: "a b")) != nil)
        #expect(reason(figure([], id: "")) != nil)
        #expect(reason(figure([], id: "R1_update-spectra.v2")) == nil)
        #expect(reason(figure([], x: Axis("x", log: true, min: 0))) == "x axis is logarithmic but min is 0.0")
        #expect(reason(figure([], x: Axis("x", min: 2, max: 1))) != nil)
    }

    @Test("invalid figures are rejected before any file is written")
    func nothingWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plots-invalid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: FigureError.self) {
            try FigureWriter.write(figure([.line(Line("a", x: [1], y: []))]), to: dir, render: false)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}
