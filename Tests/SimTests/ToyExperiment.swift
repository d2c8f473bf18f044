import Testing
import Foundation
import ProvableNumerics
import Plots
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// A tiny experiment for the Sim tests: metrics from the parameters plus seeded noise, a short
/// series, and switches to throw, diverge or take a while (polling cancellation).
struct ToyExperiment: Experiment {
    static let registryName = "test.quadratic"
    let name = ToyExperiment.registryName
    let paper = "testpaper"
    let summary = "a² + b plus seeded noise; can throw, diverge or run slowly"

    var parameters: [ParameterSpec] {
        [
            .init("a", .double(), default: .double(1), "any number"),
            .init("b", .int(min: 0, max: 100), default: .int(2), "an integer in [0, 100]"),
            .init("limit", .int(min: 1), default: .int(50), "cross-field: b must be < limit"),
            .init("rate", .double(min: 0, exclusiveMin: true), default: .double(0.5), "strictly positive"),
            .init("mode", .choice(["ok", "throw", "diverge"]), default: .string("ok"), "what the run does"),
            .init("length", .int(min: 1), default: .int(5), "series length"),
            .init("work_ms", .int(min: 0), default: .int(0), "milliseconds of 'work', polling cancellation"),
            .init("tag", .string, default: .string(""), "counter key (tests count executions per tag)"),
            .init("flag", .bool, default: .bool(false), "a boolean"),
            .init("weights", .doubleList, default: .list([]), "a list"),
        ]
    }

    func validate(_ p: Parameters) throws {
        if p.int("b") >= p.int("limit") {
            throw ParameterError(key: "b", "b = \(p.int("b")) must be < limit = \(p.int("limit"))")
        }
    }

    func run(_ p: Parameters, context: RunContext) throws -> RunResult {
        ToyCounter.increment(p.string("tag"))
        let deadline = Date().addingTimeInterval(Double(p.int("work_ms")) / 1000)
        while Date() < deadline {
            if context.isCancelled() { throw RunCancelled() }
            usleep(500)
        }
        switch p.string("mode") {
        case "throw": throw ToyFailure(message: "toy failure at a = \(p.double("a"))")
        case "diverge": return RunResult(status: .diverged, metrics: ["value": .nan], divergedAtStep: 3, note: "NaN loss")
        default: break
        }
        var rng = RNG(seed: context.seed, stream: .data)
        let a = p.double("a"), b = Double(p.int("b"))
        let noise = rng.gaussian()
        let n = p.int("length")
        let x = (0..<n).map(Double.init)
        let y = x.map { a * $0 + 0.1 * rng.gaussian() }
        return RunResult(
            metrics: ["value": a * a + b + 0.1 * noise, "constant": a, "noise": noise],
            series: ["curve": Series(x: x, y: y)])
    }

    var figureRecipes: [String: FigureRecipe] {
        [
            "value_vs_a": { request, results in
                let xs = results.groups.map { $0.coordinates["a"]?.doubleValue ?? .nan }
                let ys = results.groups.map { $0.metrics["value"]?.mean ?? .nan }
                return Figure(
                    id: request.id, title: request.title ?? "value", x: Axis("a"), y: Axis("value"),
                    layers: [.line(Line("value", x: xs, y: ys))])
            },
            "broken": { _, _ in throw ToyFailure(message: "this recipe always fails") },
        ]
    }

    var benchmark: BenchmarkRegistry.Benchmark? { { "toy workload\nthroughput: 42 runs/s" } }

    /// The toy, and the shipped papers (the engine registers none by itself).
    static func register() {
        ProvablePapers.register()
        ExperimentRegistry.register(ToyExperiment())
    }
}

struct ToyFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Executions per tag (tests run in parallel, so each test uses its own tag).
enum ToyCounter {
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    private static let lock = NSLock()
    static func increment(_ tag: String) { lock.lock(); counts[tag, default: 0] += 1; lock.unlock() }
    static func count(_ tag: String) -> Int { lock.lock(); defer { lock.unlock() }; return counts[tag, default: 0] }
}

/// A fresh temporary directory per test, all under `$TMPDIR/provable-simtests/` (one place to clean).
func makeTempDirectory(_ label: String = "out") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("provable-simtests")
        .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Write `files` (relative path → YAML) into a fresh temp directory; returns the directory.
func writeScenarioFiles(_ files: [String: String]) -> URL {
    let dir = makeTempDirectory("scenarios")
    for (rel, text) in files {
        let url = dir.appendingPathComponent(rel)
        try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! text.write(to: url, atomically: true, encoding: .utf8)
    }
    return dir
}

/// Load `yaml` written to a temp file named `name`; returns the scenario (or throws).
func loadScenario(_ yaml: String, name: String = "toy.yaml", options: ScenarioOptions = ScenarioOptions()) throws -> Scenario {
    ToyExperiment.register()
    let dir = writeScenarioFiles([name: yaml])
    return try ScenarioLoader.load(dir.appendingPathComponent(name).path, options: options)
}

/// The `ScenarioError` that loading `yaml` throws (nil if it loads).
func scenarioError(_ yaml: String, name: String = "toy.yaml", options: ScenarioOptions = ScenarioOptions()) -> ScenarioError? {
    do { _ = try loadScenario(yaml, name: name, options: options); return nil } catch let e as ScenarioError { return e } catch {
        Issue.record("expected a ScenarioError, got \(type(of: error)): \(error)"); return nil
    }
}
