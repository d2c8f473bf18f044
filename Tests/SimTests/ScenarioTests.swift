import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Path of a fixture file under Tests/SimTests/Fixtures.
func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
}

/// Asserts the error's kind, key path and line, and that its one-paragraph text names all three.
func expectError(
    _ e: ScenarioError?, _ kind: ScenarioError.Kind, key: String?, line: Int?, file: String? = nil,
    mentions: [String] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    guard let e else { Issue.record("expected a \(kind) error, got none", sourceLocation: sourceLocation); return }
    #expect(e.kind == kind, "\(e)", sourceLocation: sourceLocation)
    #expect(e.keyPath == key, "\(e)", sourceLocation: sourceLocation)
    #expect(e.location?.line == line, "\(e)", sourceLocation: sourceLocation)
    let text = e.description
    #expect(!text.contains("\n"), "not one paragraph: \(text)", sourceLocation: sourceLocation)
    if let key { #expect(text.contains(key), "\(text)", sourceLocation: sourceLocation) }
    if let line { #expect(text.contains(":\(line)"), "\(text)", sourceLocation: sourceLocation) }
    if let file { #expect(e.location?.source.hasSuffix(file) == true && text.contains(file), "\(text)", sourceLocation: sourceLocation) }
    for m in mentions { #expect(text.contains(m), "missing “\(m)” in: \(text)", sourceLocation: sourceLocation) }
}

@Suite("Scenario loading")
struct ScenarioLoadingTests {
    init() { ToyExperiment.register() }

    @Test("a valid scenario: params normalised to their kinds, axes in declaration order")
    func validScenario() throws {
        let s = try loadScenario(
            """
            experiment: test.quadratic
            description: "a test"
            seed: 7
            params: {a: 2, b: 4.0, mode: ok, flag: true, weights: [1, 2.5], tag: 12}
            sweep:
              grid: {b: [1, 2], a: [0.5, 1, 2]}
              zip: {rate: [0.1, 0.2], length: [3, 4]}
              seeds: 3
            """)
        #expect(s.experiment.name == ToyExperiment.registryName)
        #expect(s.seed == 7 && s.description == "a test" && s.name == "toy")
        #expect(s.params["a"] == .double(2))  // int written for a double parameter
        #expect(s.params["b"] == .int(4))  // integral double for an int parameter
        #expect(s.params["flag"] == .bool(true))
        #expect(s.params["weights"] == .list([.double(1), .double(2.5)]))
        #expect(s.params["tag"] == .string("12"))  // string parameters take the scalar's text
        #expect(s.sweep.axes == ["b", "a", "rate", "length"])
        #expect(s.sweep.parameterPointCount == 2 * 3 * 2)
        let points = s.points()
        #expect(points.count == 12)
        // First grid axis outermost, zip innermost.
        #expect(points[0].coordinates == ["b": .int(1), "a": .double(0.5), "rate": .double(0.1), "length": .int(3)])
        #expect(points[1].coordinates == ["b": .int(1), "a": .double(0.5), "rate": .double(0.2), "length": .int(4)])
        #expect(points[2].coordinates["a"] == .double(1))
        #expect(points[6].coordinates["b"] == .int(2))
        #expect(points[0].parameters["limit"] == .int(50))  // default
    }

    @Test("YAML syntax errors carry Yams' line and column")
    func syntaxError() {
        do {
            _ = try ScenarioLoader.load(fixture("syntax_error.yaml"))
            Issue.record("expected a syntax error")
        } catch let e as ScenarioError {
            #expect(e.kind == .syntax)
            #expect(e.location?.line == 4 && e.location?.column != nil, "\(e)")
            #expect(e.description.contains("syntax_error.yaml:4:"), "\(e)")
        } catch { Issue.record("\(error)") }
    }

    @Test("unknown keys at every level, with did-you-mean")
    func unknownKeys() {
        expectError(
            scenarioError("experiment: test.quadratic\nsweeep: {seeds: 2}\n"),
            .unknownKey, key: "sweeep", line: 2, mentions: ["did you mean `sweep`?"])
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  a: 1\n  rtae: 2\n"),
            .unknownKey, key: "params.rtae", line: 4, mentions: ["did you mean `rate`?", "test.quadratic"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid: {a: [1]}\n  seed: 3\n"),
            .unknownKey, key: "sweep.seed", line: 4, mentions: ["did you mean `seeds`?"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid:\n    lenght: [1]\n"),
            .unknownKey, key: "sweep.grid.lenght", line: 4, mentions: ["did you mean `length`?"])
        expectError(
            scenarioError("experiment: test.quadratic\nsmoke:\n  parms: {}\n"),
            .unknownKey, key: "smoke.parms", line: 3)
        expectError(
            scenarioError("experiment: test.quadratic\nsmoke:\n  params: {lenght: 3}\n"),
            .unknownKey, key: "smoke.params.lenght", line: 3)
    }

    @Test("wrong types name what was expected and what was found")
    func wrongTypes() {
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  b: abc\n"),
            .wrongType, key: "params.b", line: 3, mentions: ["an integer in [0, 100]", "abc"])
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  b: 2.5\n"),
            .wrongType, key: "params.b", line: 3, mentions: ["non-integral"])
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  a: \"1\"\n"),
            .wrongType, key: "params.a", line: 3, mentions: ["a string"])
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  flag: 1\n"),
            .wrongType, key: "params.flag", line: 3)
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  weights: [1, x]\n"),
            .wrongType, key: "params.weights[1]", line: 3)
        expectError(
            scenarioError("experiment: test.quadratic\nparams: [1, 2]\n"),
            .wrongType, key: "params", line: 2)
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid: {a: 3}\n"),
            .wrongType, key: "sweep.grid.a", line: 3, mentions: ["non-empty list"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid:\n    b: [1, 2, 2.5]\n"),
            .wrongType, key: "sweep.grid.b[2]", line: 4)
        expectError(
            scenarioError("experiment: test.quadratic\nsweep: {seeds: two}\n"),
            .wrongType, key: "sweep.seeds", line: 2)
        expectError(
            scenarioError("experiment: test.quadratic\nseed: -3\n"),
            .outOfRange, key: "seed", line: 2)
        expectError(scenarioError("- 1\n- 2\n"), .wrongType, key: nil, line: 1)
    }

    @Test("missing required keys")
    func missingKeys() {
        expectError(
            scenarioError("params: {a: 1}\n"), .missingKey, key: "experiment", line: 1,
            mentions: ["test.quadratic"])
        expectError(
            scenarioError("experiment: test.quadratic\nfigures:\n  - {recipe: value_vs_a}\n"),
            .missingKey, key: "figures[0].id", line: 3)
        expectError(
            scenarioError("experiment: test.quadratic\nfigures:\n  - id: F1\n"),
            .missingKey, key: "figures[0].recipe", line: 3)
    }

    @Test("ranges and choices are checked, with did-you-mean for choices")
    func ranges() {
        expectError(
            scenarioError("experiment: test.quadratic\nparams: {b: 200}\n"),
            .outOfRange, key: "params.b", line: 2, mentions: ["[0, 100]", "200"])
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  rate: 0\n"),
            .outOfRange, key: "params.rate", line: 3, mentions: ["> 0"])
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  mode: thorw\n"),
            .outOfRange, key: "params.mode", line: 3, mentions: ["did you mean `throw`?", "`ok`"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid:\n    b: [1, 2, -1]\n"),
            .outOfRange, key: "sweep.grid.b[2]", line: 4)
        expectError(
            scenarioError("experiment: test.quadratic\nsweep: {seeds: 0}\n"),
            .outOfRange, key: "sweep.seeds", line: 2)
    }

    @Test("cross-field validation is attributed to the value that broke it")
    func crossField() throws {
        // On an axis: the offending element of the grid list, with the point's coordinates.
        let yaml = """
            experiment: test.quadratic
            params: {limit: 10}
            sweep:
              grid:
                b: [1, 5,
                    12]
            """
        expectError(
            scenarioError(yaml), .invalidParameters, key: "sweep.grid.b[2]", line: 6,
            mentions: ["b=12", "must be < limit = 10"])
        // In params: the entry's line.
        expectError(
            scenarioError("experiment: test.quadratic\nparams:\n  limit: 5\n  b: 9\n"),
            .invalidParameters, key: "params.b", line: 4)
        // Broken by another key's axis while b keeps its default: the `params` block.
        expectError(
            scenarioError("experiment: test.quadratic\nparams: {a: 1}\nsweep: {grid: {limit: [5, 1]}}\n"),
            .invalidParameters, key: "params.b", line: 2, mentions: ["limit=1", "default value 2"])
        // Set in a base file: that file and line.
        do {
            _ = try ScenarioLoader.load(fixture("cross_field_in_base.yaml"))
            Issue.record("expected an error")
        } catch let e as ScenarioError {
            expectError(e, .invalidParameters, key: "params.b", line: 3, file: "presets/high_b.yaml")
        }
    }

    @Test("sweep structure: empty and mismatched zip, empty grid list, shared keys")
    func sweepStructure() {
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  zip: {a: [], rate: []}\n"),
            .invalidSweep, key: "sweep.zip.a", line: 3, mentions: ["empty"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  zip:\n    a: [1, 2]\n    rate: [1, 2, 3]\n"),
            .invalidSweep, key: "sweep.zip.rate", line: 5, mentions: ["`a` has 2", "`rate` has 3"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid:\n    a: []\n"),
            .invalidSweep, key: "sweep.grid.a", line: 4, mentions: ["empty list"])
        expectError(
            scenarioError("experiment: test.quadratic\nsweep:\n  grid: {a: [1, 2]}\n  zip: {a: [3], b: [4]}\n"),
            .invalidSweep, key: "sweep.zip.a", line: 4, mentions: ["both a grid axis"])
    }

    @Test("unknown experiment and unknown figure recipe")
    func unknownNames() {
        expectError(
            scenarioError("experiment: test.quadratik\n"), .unknownExperiment, key: "experiment", line: 1,
            mentions: ["did you mean `test.quadratic`?"])
        expectError(
            scenarioError("experiment: test.quadratic\nfigures:\n  - {id: F1, recipe: value_vs_b}\n"),
            .unknownRecipe, key: "figures[0].recipe", line: 3, mentions: ["did you mean `value_vs_a`?", "broken"])
        expectError(
            scenarioError("experiment: test.quadratic\nfigures:\n  - {id: F1, recipe: broken}\n  - {id: F1, recipe: broken}\n"),
            .duplicateFigure, key: "figures[1].id", line: 4)
    }

    @Test("base composition: bases in order, this file wins, mappings merge, lists replace")
    func baseComposition() throws {
        ToyExperiment.register()
        let s = try ScenarioLoader.load(fixture("composed.yaml"))
        #expect(s.seed == 11)  // inherited
        #expect(s.params["a"] == .double(2) && s.params["b"] == .int(5) && s.params["rate"] == .double(0.25))
        #expect(s.sweep.axes == ["a", "b"])  // base's axis first, then the child's
        #expect(s.sweep.seeds == 2)
        #expect(s.points().count == 6)
        #expect(s.files.count == 2 && s.files[0].hasSuffix("presets/base.yaml") && s.files[1].hasSuffix("composed.yaml"))

        let m = try ScenarioLoader.load(fixture("multi_base.yaml"))
        #expect(m.params["b"] == .int(7) && m.params["limit"] == .int(20) && m.params["rate"] == .double(2))
        #expect(m.sweep.seeds == 3 && m.sweep.axes == ["a"])

        // A child replaces a list and deletes an inherited axis with null.
        let dir = writeScenarioFiles([
            "p.yaml": "experiment: test.quadratic\nsweep:\n  grid: {a: [1, 2, 3], b: [1, 2]}\n",
            "c.yaml": "base: p.yaml\nsweep:\n  grid: {a: [9], b: null}\n",
        ])
        let c = try ScenarioLoader.load(dir.appendingPathComponent("c.yaml").path)
        #expect(c.sweep.grid == [SweepAxis(key: "a", values: [.double(9)])])
    }

    @Test("cyclic and missing base files")
    func baseErrors() {
        do {
            _ = try ScenarioLoader.load(fixture("cycle_a.yaml"))
            Issue.record("expected a cycle error")
        } catch let e as ScenarioError {
            expectError(
                e, .baseCycle, key: "base", line: 1, file: "cycle_b.yaml",
                mentions: ["cycle_a.yaml → cycle_b.yaml → cycle_a.yaml"])
        } catch { Issue.record("\(error)") }
        do {
            _ = try ScenarioLoader.load(fixture("missing_base.yaml"))
            Issue.record("expected a missing-file error")
        } catch let e as ScenarioError {
            expectError(e, .missingFile, key: "base[1]", line: 4, file: "missing_base.yaml", mentions: ["does_not_exist.yaml"])
        } catch { Issue.record("\(error)") }
        do {
            _ = try ScenarioLoader.load("/nonexistent/scenario.yaml")
            Issue.record("expected a missing-file error")
        } catch let e as ScenarioError {
            #expect(e.kind == .missingFile && e.description.contains("/nonexistent/scenario.yaml"))
        } catch { Issue.record("\(error)") }
    }

    @Test("--set overrides apply after base and smoke, parse YAML, and errors name --set")
    func overrides() throws {
        ToyExperiment.register()
        let path = fixture("composed.yaml")
        let s = try ScenarioLoader.load(
            path,
            options: ScenarioOptions(overrides: [
                "params.rate=0.75", "sweep.seeds=4", "seed=99", "sweep.grid.b=[2,4]", "params.weights=[1, 2]", "description=hi",
            ]))
        #expect(s.params["rate"] == .double(0.75) && s.sweep.seeds == 4 && s.seed == 99)
        #expect(s.sweep.grid.first { $0.key == "b" }?.values == [.int(2), .int(4)])
        #expect(s.params["weights"] == .list([.double(1), .double(2)]))
        #expect(s.description == "hi")
        #expect(s.overrides.count == 6)

        // --seed wins over everything.
        #expect(try ScenarioLoader.load(path, options: ScenarioOptions(overrides: ["seed=5"], seed: 6)).seed == 6)

        func overrideError(_ arg: String) -> ScenarioError? {
            do { _ = try ScenarioLoader.load(path, options: ScenarioOptions(overrides: [arg])); return nil } catch { return error as? ScenarioError }
        }
        let e1 = overrideError("params.rate=-1")
        expectError(e1, .outOfRange, key: "params.rate", line: nil, mentions: ["--set params.rate=-1"])
        expectError(overrideError("params.nope=1"), .unknownKey, key: "params.nope", line: nil, mentions: ["--set params.nope=1"])
        expectError(overrideError("sweep.grid.b=[]"), .invalidSweep, key: "sweep.grid.b", line: nil)
        expectError(overrideError("params.rate"), .badOverride, key: nil, line: nil, mentions: ["key.path=value"])
        expectError(overrideError("params..rate=1"), .badOverride, key: "params..rate", line: nil)
        expectError(overrideError("seed.x=1"), .badOverride, key: "seed", line: nil)
        expectError(overrideError("params.a=[1"), .syntax, key: "params.a", line: nil, mentions: ["--set params.a=[1"])
        expectError(
            overrideError("sweep.grid.b=[1, 60]"), .invalidParameters, key: "sweep.grid.b[1]", line: nil,
            mentions: ["--set sweep.grid.b=[1, 60]"])
    }

    @Test("smoke overrides apply only with --smoke; the smoke block is checked either way")
    func smoke() throws {
        ToyExperiment.register()
        let full = try ScenarioLoader.load(fixture("smoke.yaml"))
        #expect(full.params["length"] == .int(50) && full.sweep.seeds == 5 && full.points().count == 4 && !full.smoke)
        #expect(full.hasSmokeBlock)
        let smoke = try ScenarioLoader.load(fixture("smoke.yaml"), options: ScenarioOptions(smoke: true))
        #expect(smoke.params["length"] == .int(3) && smoke.sweep.seeds == 2 && smoke.smoke)
        #expect(smoke.sweep.grid == [SweepAxis(key: "a", values: [.double(1), .double(4)])])
        // --set applies after smoke.
        let both = try ScenarioLoader.load(fixture("smoke.yaml"), options: ScenarioOptions(smoke: true, overrides: ["params.length=7"]))
        #expect(both.params["length"] == .int(7))
    }

    @Test("figure entries: id, recipe, title and free options")
    func figures() throws {
        ToyExperiment.register()
        let s = try ScenarioLoader.load(fixture("smoke.yaml"))
        #expect(s.figures.count == 1)
        let f = s.figures[0]
        #expect(f.id == "T1_value" && f.recipe == "value_vs_a" && f.title == "Value against a")
        #expect(f.options == ["style": .string("bands"), "widths": .list([.int(1), .int(2)])])
    }

    @Test("the resolved scenario is itself a loadable scenario with the same sweep")
    func resolvedRoundTrip() throws {
        ToyExperiment.register()
        let s = try ScenarioLoader.load(fixture("composed.yaml"), options: ScenarioOptions(overrides: ["params.weights=[0.5]", "params.tag=\"x: y\""]))
        let again = try ScenarioLoader.load(yaml: s.resolvedYAML(), path: "/tmp/scenario.resolved.yaml")
        #expect(again.name == s.name)
        #expect(Plan(scenario: again).sweepID == Plan(scenario: s).sweepID)
        #expect(Plan(scenario: again).points.map(\.id) == Plan(scenario: s).points.map(\.id))
    }
}
