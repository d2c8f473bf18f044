import Foundation
import Testing
@testable import SimCommandLine

/// `sim new paper`: what it writes (the build and tests of the written package run in
/// `scripts/example.sh`, which CI runs: they take minutes, not a unit test's seconds).
@Suite("sim new paper")
struct NewPaperTests {
    @Test("writes a complete package: manifest with the Provable path, data model, learner, experiment, scenario with smoke, claim, tests")
    func writesPackage() throws {
        let out = makeTempDirectory("newpaper").appendingPathComponent("demo")
        let skeleton = try PaperSkeleton(key: "demo")
        let written = try skeleton.write(to: out, provable: packageRoot)
        #expect(
            Set(written) == [
                "Package.swift", "README.md", "Sources/Demo/DemoData.swift", "Sources/Demo/DemoLearner.swift",
                "Sources/Demo/DemoExperiment.swift", "Sources/DemoSim/main.swift", "Tests/DemoTests/DemoTests.swift",
                "scenarios/demo/rate_n.yaml", ".gitignore",
            ])
        let manifest = try String(contentsOf: out.appendingPathComponent("Package.swift"), encoding: .utf8)
        #expect(manifest.contains("path: \"\(packageRoot.standardizedFileURL.path)\""))
        #expect(manifest.contains("swift-tools-version:6.2"))
        let all = try written.map { try String(contentsOf: out.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(!all.contains("__KEY__") && !all.contains("__NAME__") && !all.contains("__PROVABLE__"))
        let scenario = try String(contentsOf: out.appendingPathComponent("scenarios/demo/rate_n.yaml"), encoding: .utf8)
        #expect(scenario.contains("experiment: demo.train") && scenario.contains("smoke:"))
        #expect(scenario.contains("- id: demo.rate") && scenario.contains("figure: demo_rate_n") && scenario.contains("measure: {exponent: error, against: n}"))
        // Never over an existing directory.
        #expect(throws: CLIError.self) { try skeleton.write(to: out, provable: packageRoot) }
    }

    @Test("a name that is not a lowercase identifier is refused", arguments: ["", "Demo", "1paper", "my-paper", "a b", "x/y", "ünicode", "$(touch x)"])
    func badNames(_ name: String) {
        #expect(throws: CLIError.self) { try PaperSkeleton(key: name) }
    }

    @Test("the Provable checkout is found by walking up from a subdirectory")
    func findsRoot() {
        #expect(PaperSkeleton.provableRoot(from: packageRoot.appendingPathComponent("scenarios/lowrank"))?.path == packageRoot.standardizedFileURL.path)
        #expect(PaperSkeleton.provableRoot(from: URL(fileURLWithPath: "/")) == nil)
    }
}
