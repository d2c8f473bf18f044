import Foundation
import Testing
@testable import Plots

@Suite("figure helpers")
struct FigureHelpersTests {

    @Test("slope labels round the fit to its standard error")
    func slopeLabels() {
        #expect(
            Figure.slopeLabel(name: "", fitted: 1.1234, stderr: 0.0812, theory: 1)
                == "fit slope 1.12 ± 0.08 (theory 1)")
        #expect(
            Figure.slopeLabel(name: "T*", fitted: -1.0345, stderr: 0.152, theory: -1)
                == "T*: fit slope -1.03 ± 0.15 (theory -1)")
        #expect(
            Figure.slopeLabel(name: "", fitted: 0.4987, stderr: nil, theory: 0.5)
                == "fit slope 0.50 (theory 0.5)")
        #expect(
            Figure.slopeLabel(name: "", fitted: 2.71, stderr: 3.2, theory: 1.0 / 3)
                == "fit slope 3 ± 3 (theory 0.333)")
        #expect(
            Figure.slopeLabel(name: "", fitted: .nan, stderr: 0.1, theory: 2)
                == "fit slope n/a (theory 2)")
    }

    @Test("a power-law reference passes through its anchor with the given log-log slope")
    func powerLaw() {
        let line = Line.powerLaw(exponent: -0.5, through: (100, 0.2), over: 10...10_000, title: "theory")
        #expect(line.dash == .dashed)
        #expect(line.x.count == 40)
        #expect(abs(line.x.first! - 10) < 1e-9 && abs(line.x.last! - 10_000) < 1e-6)
        for (x, y) in zip(line.x, line.y) {
            #expect(abs(y - 0.2 * pow(x / 100, -0.5)) <= 1e-12 * y)
        }
        let slope = (log(line.y.last!) - log(line.y.first!)) / (log(line.x.last!) - log(line.x.first!))
        #expect(abs(slope + 0.5) < 1e-12)

        let linear = Line.powerLaw(exponent: 2, through: (1, 1), over: 0...2, title: "t", samples: 3)
        #expect(linear.x == [0, 1, 2] && linear.y == [0, 1, 4])
    }

    @Test("the fixed-slope anchor sits on exact power-law data")
    func anchor() throws {
        let x: [Double] = [1, 2, 4, 8, .nan, -1]
        let y = x.map { 3 * $0 * $0 }
        let a = try #require(Line.powerLawAnchor(x: x, y: y, exponent: 2))
        #expect(abs(a.y - 3 * a.x * a.x) < 1e-9 * a.y)
        #expect(Line.powerLawAnchor(x: [0, -1], y: [1, 1], exponent: 1) == nil)
    }

    @Test("addTheorySlope spans the data and fits the first series")
    func addTheorySlope() throws {
        var figure = Figure(
            id: "t", title: "", x: Axis("N", log: true), y: Axis("ε", log: true),
            layers: [.points(Points("m", x: [10, 100, 1000], y: [1, 0.1, 0.01]))])
        let added = figure.addTheorySlope(exponent: -1)
        #expect(added)
        guard case .line(let line) = try #require(figure.layers.last) else { Issue.record("no line"); return }
        #expect(line.title == "theory: slope -1")
        #expect(abs(line.x.first! - 10) < 1e-9 && abs(line.x.last! - 1000) < 1e-6)
        #expect(abs(line.y.first! - 1) < 1e-9 && abs(line.y.last! - 0.01) < 1e-12)
        #expect(line.color == "#505050")

        var empty = Figure(id: "e", title: "", x: Axis("x"), y: Axis("y"))
        let addedToEmpty = empty.addTheorySlope(exponent: 1)
        #expect(!addedToEmpty)
        #expect(empty.layers.isEmpty)
    }
}
