import Foundation
import Sim

/// The files `sim new paper <key>` writes: a paper as its own Swift package depending on Provable by
/// path. The toy inside is complete and honest — the error of a running-mean estimator (SGD with step
/// 1/t on ½‖w − x‖²) of a Gaussian mean is exactly d/n in expectation, so its one claim (exponent −1
/// in n) holds — and every part is where a real paper's goes: data model, learner, experiment with a
/// figure recipe and a claim, a scenario with a `smoke:` block, tests, its own `sim`.
public struct PaperSkeleton: Sendable {
    /// Paper key (`demo`): package directory, scenario folder, experiment `<key>.train`, claims `<key>.*`.
    public let key: String
    /// Type and module prefix (`Demo`).
    public let typeName: String

    public init(key: String) throws {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first),
            key.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) }), key.count <= 40
        else {
            throw CLIError("paper name `\(key)`: use lowercase letters and digits, starting with a letter (e.g. demo)")
        }
        self.key = key
        typeName = key.prefix(1).uppercased() + key.dropFirst()
    }

    /// The Provable checkout at or above `directory` (a Package.swift declaring `name: "Provable"`).
    public static func provableRoot(from directory: URL) -> URL? {
        var dir = directory.standardizedFileURL
        while true {
            let manifest = dir.appendingPathComponent("Package.swift")
            if let text = try? String(contentsOf: manifest, encoding: .utf8), text.contains("name: \"Provable\"") { return dir }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }

    /// Relative path → contents.
    public func files(provable: URL) -> [(path: String, text: String)] {
        let t = typeName
        return [
            ("Package.swift", Self.package),
            ("README.md", Self.readme),
            ("Sources/\(t)/\(t)Data.swift", Self.data),
            ("Sources/\(t)/\(t)Learner.swift", Self.learner),
            ("Sources/\(t)/\(t)Experiment.swift", Self.experiment),
            ("Sources/\(t)Sim/main.swift", Self.main),
            ("Tests/\(t)Tests/\(t)Tests.swift", Self.tests),
            ("scenarios/\(key)/rate_n.yaml", Self.scenario),
            (".gitignore", ".build/\nPackage.resolved\n/runs/\n/report/\n"),
        ].map { ($0.0, fill($0.1, provable: provable)) }
    }

    /// Write the package into `directory`, which must not exist yet. Returns the relative paths written.
    @discardableResult
    public func write(to directory: URL, provable: URL) throws -> [String] {
        if FileManager.default.fileExists(atPath: directory.path) {
            throw CLIError("\(directory.path) already exists; choose another --out or name")
        }
        var written: [String] = []
        for f in files(provable: provable) {
            let url = directory.appendingPathComponent(f.path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try f.text.write(to: url, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write \(url.path): \(error.localizedDescription)")
            }
            written.append(f.path)
        }
        return written
    }

    func fill(_ template: String, provable: URL) -> String {
        // The path goes into a Swift string literal: escape what a literal needs.
        let path = provable.standardizedFileURL.path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return template.replacingOccurrences(of: "__KEY__", with: key).replacingOccurrences(of: "__NAME__", with: typeName)
            .replacingOccurrences(of: "__PROVABLE__", with: path)
    }

    static let package = #"""
        // swift-tools-version:6.2
        // Paper `__KEY__`, written by `sim new paper __KEY__`. It depends on Provable by path and needs no
        // edit to it. See Provable's docs/adding-a-paper.md.
        import PackageDescription

        let package = Package(
            name: "__NAME__",
            platforms: [.macOS(.v13)],
            products: [
                .executable(name: "__KEY__-sim", targets: ["__NAME__Sim"]),
            ],
            dependencies: [
                .package(name: "Provable", path: "__PROVABLE__"),
            ],
            targets: [
                .target(name: "__NAME__", dependencies: [
                    .product(name: "Sim", package: "Provable"),
                    .product(name: "ProvableNumerics", package: "Provable"),
                    .product(name: "Plots", package: "Provable"),
                ]),
                .executableTarget(name: "__NAME__Sim", dependencies: [
                    "__NAME__",
                    .product(name: "SimCommandLine", package: "Provable"),
                ]),
                .testTarget(name: "__NAME__Tests", dependencies: [
                    "__NAME__",
                    .product(name: "Sim", package: "Provable"),
                    .product(name: "ProvableNumerics", package: "Provable"),
                ]),
            ],
            swiftLanguageModes: [.v5]
        )

        """#

    static let readme = #"""
        # Paper `__KEY__`

        Written by `sim new paper __KEY__`. The toy inside estimates the mean μ of N(μ, I_d) with SGD of step
        1/t on ½‖w − x‖² (the running mean). Its error E‖w − μ‖² = d/n is exact, so the claim `__KEY__.rate`
        (exponent −1 in n) holds. Replace the data model, learner, measurements, scenario and claim with
        your theorem's. Provable's `docs/adding-a-paper.md` explains each part.

        ```sh
        swift build -c release && swift test -c release
        .build/release/__KEY__-sim verify __KEY__ --strict      # the claim at standard fidelity
        .build/release/__KEY__-sim run scenarios/__KEY__/rate_n.yaml
        ```

        """#

    static let data = #"""
        import ProvableNumerics

        /// The data model: x ~ N(μ, I_d) with a random unit mean μ. Every random number comes from a named
        /// RNG stream of the run's seed (`.init` for μ, `.data` for the samples).
        public struct __NAME__Data {
            public let d: Int
            public let mean: [Double]
            var rng: RNG

            public init(d: Int, seed: UInt64) {
                precondition(d >= 1)
                self.d = d
                var initStream = RNG(seed: seed, stream: RNG.Stream.`init`)
                var mu = [Double](repeating: 0, count: d)
                initStream.fillGaussian(&mu)
                let norm = mu.reduce(0) { $0 + $1 * $1 }.squareRoot()
                mean = mu.map { $0 / norm }
                rng = RNG(seed: seed, stream: .data)
            }

            /// One sample into `x` (d values).
            public mutating func sample(into x: UnsafeMutablePointer<Double>) {
                rng.fillGaussian(x, count: d)
                for i in 0..<d { x[i] += mean[i] }
            }

            /// ‖w − μ‖².
            public func squaredError(_ w: UnsafePointer<Double>) -> Double {
                var s = 0.0
                for i in 0..<d { let e = w[i] - mean[i]; s += e * e }
                return s
            }
        }

        """#

    static let learner = #"""
        /// The learner: SGD on ℓ(w; x) = ½‖w − x‖² with step 1/t, which keeps w equal to the running mean
        /// of the samples. Weights are allocated once; a step allocates nothing.
        public final class __NAME__Learner {
            public let d: Int
            public let weights: UnsafeMutablePointer<Double>
            public private(set) var steps = 0

            public init(d: Int) {
                self.d = d
                weights = .allocate(capacity: d)
                weights.initialize(repeating: 0, count: d)
            }
            deinit { weights.deallocate() }

            public func loss(_ x: UnsafePointer<Double>) -> Double {
                var s = 0.0
                for i in 0..<d { let e = weights[i] - x[i]; s += e * e }
                return 0.5 * s
            }

            /// ∂ℓ/∂w = w − x.
            public func gradient(_ x: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) {
                for i in 0..<d { g[i] = weights[i] - x[i] }
            }

            public func step(_ x: UnsafePointer<Double>) {
                steps += 1
                let eta = 1 / Double(steps)
                for i in 0..<d { weights[i] -= eta * (weights[i] - x[i]) }
            }
        }

        """#

    static let experiment = #"""
        import Foundation
        import Plots
        import ProvableNumerics
        import Sim

        /// The experiment: one run draws n samples, trains the learner and measures ‖w − μ‖².
        /// Theorem: E‖w_n − μ‖² = d/n (w_n is the sample mean).
        public struct __NAME__Experiment: Experiment {
            public init() {}
            public let name = "__KEY__.train"
            public let paper = "__KEY__"
            public let paperTitle = "__NAME__"
            public let summary = "running-mean SGD estimate of a Gaussian mean; error against the sample count"

            public var parameters: [ParameterSpec] {
                [
                    .init("d", .int(min: 1, max: 4096), default: .int(8), "dimension d"),
                    .init("n", .int(min: 1), default: .int(1000), "samples (SGD steps) n"),
                ]
            }

            public func run(_ p: Parameters, context: RunContext) throws -> RunResult {
                let d = p.int("d"), n = p.int("n")
                var data = __NAME__Data(d: d, seed: context.seed)
                let learner = __NAME__Learner(d: d)
                let x = UnsafeMutablePointer<Double>.allocate(capacity: d)
                defer { x.deallocate() }
                for t in 0..<n {
                    if t % 4096 == 0, context.isCancelled() { throw RunCancelled() }
                    data.sample(into: x)
                    learner.step(x)
                }
                let error = data.squaredError(learner.weights)
                return RunResult(metrics: ["error": error, "normalized": error * Double(n) / Double(d)])
            }

            public var figureRecipes: [String: FigureRecipe] { ["rate": __NAME__Figures.rate] }
            // The claim is declared in scenarios/__KEY__/rate_n.yaml (`claims:`); Swift claims
            // (`var claims: [Claim]`) are for statistics the scenario vocabulary does not cover.
        }

        enum __NAME__Figures {
            /// Error against n, log–log, with the fitted slope and the theory's (−1).
            static let rate: FigureRecipe = { req, r in
                let gs = r.groups.sorted { $0.parameters.int("n") < $1.parameters.int("n") }
                let x = gs.map { Double($0.parameters.int("n")) }
                let s = try gs.map { try r.metric("error", in: $0) }
                let overlay = try PowerLawOverlay(id: req.id, x: x, y: s.map(\.mean), yErr: s.map(\.sd), measured: "‖w − μ‖² (mean ± sd)", theory: -1)
                return Figure(id: req.id, title: req.title ?? "Running-mean SGD: error against n",
                              notes: r.figureNotes, x: Axis("samples n", log: true, min: overlay.xRange.lowerBound / 1.3, max: overlay.xRange.upperBound * 1.3),
                              y: Axis("‖w − μ‖²", log: true), layers: overlay.layers, key: .bottomLeft)
            }
        }

        """#

    static let main = #"""
        import __NAME__
        import SimCommandLine

        // This paper's `sim`. Add ProvablePapers.experiments (product ProvablePapers) to carry the shipped papers too.
        SimMain.main(papers: [__NAME__Experiment()])

        """#

    static let tests = #"""
        import Foundation
        import ProvableNumerics
        import Sim
        import Testing
        @testable import __NAME__

        @Suite("__KEY__ paper")
        struct __NAME__Tests {
            @Test("the gradient matches central finite differences of the loss")
            func gradientCheck() {
                let d = 5
                let learner = __NAME__Learner(d: d)
                var rng = RNG(seed: 1)
                for i in 0..<d { learner.weights[i] = rng.gaussian() }
                var x = [Double](repeating: 0, count: d)
                rng.fillGaussian(&x)
                var g = [Double](repeating: 0, count: d)
                x.withUnsafeBufferPointer { xp in
                    g.withUnsafeMutableBufferPointer { learner.gradient(xp.baseAddress!, into: $0.baseAddress!) }
                    for i in 0..<d {
                        let h = 1e-6, w0 = learner.weights[i]
                        learner.weights[i] = w0 + h; let up = learner.loss(xp.baseAddress!)
                        learner.weights[i] = w0 - h; let down = learner.loss(xp.baseAddress!)
                        learner.weights[i] = w0
                        #expect(abs((up - down) / (2 * h) - g[i]) < 1e-7)
                    }
                }
            }

            @Test("the learner equals an independently computed sample mean")
            func reference() {
                let d = 4, n = 50
                var data = __NAME__Data(d: d, seed: 2)
                let learner = __NAME__Learner(d: d)
                var sum = [Double](repeating: 0, count: d)
                var x = [Double](repeating: 0, count: d)
                for _ in 0..<n {
                    x.withUnsafeMutableBufferPointer { data.sample(into: $0.baseAddress!) }
                    x.withUnsafeBufferPointer { learner.step($0.baseAddress!) }
                    for i in 0..<d { sum[i] += x[i] }
                }
                for i in 0..<d { #expect(abs(learner.weights[i] - sum[i] / Double(n)) < 1e-12) }
            }

            @Test("the scenario loads, and the error is near d/n")
            func scenarioAndRate() throws {
                ExperimentRegistry.register(__NAME__Experiment())
                let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                let scenario = try ScenarioLoader.load(root.appendingPathComponent("scenarios/__KEY__/rate_n.yaml").path)
                #expect(scenario.experiment.name == "__KEY__.train")
                var total = 0.0
                for seed in 1...200 {
                    let r = try __NAME__Experiment().run(Parameters(["d": .int(8), "n": .int(500)]), context: RunContext(seed: UInt64(seed)))
                    total += r.metrics["normalized"]!
                }
                #expect(abs(total / 200 - 1) < 0.15, "mean n·error/d = \(total / 200)")
            }
        }

        """#

    static let scenario = #"""
        # The error of the running-mean estimate against n at d = 8 (claim __KEY__.rate).
        experiment: __KEY__.train
        description: "n-sweep at d = 8; 100 seeds"
        seed: 1
        params:
          d: 8
        sweep:
          grid:
            n: [100, 300, 1000, 3000, 10000]
          seeds: 100
        smoke:
          sweep: {seeds: 10, grid: {n: [100, 1000, 10000]}}
        figures:
          - {id: __KEY___rate_n, recipe: rate}
        claims:
          - id: __KEY__.rate
            statement: "The estimation error falls as 1/n."
            prediction: "E‖w_n − μ‖² = d/n: exponent −1 in n"
            figure: __KEY___rate_n
            measure: {exponent: error, against: n}
            kind: exact
            predicted: -1
            band: [-1.15, -0.85]
            rationale: "d/n is exact at every n (no finite-size term): only the seeds' sampling error moves the exponent; ±0.15 is the tolerance set before any run"

        """#
}
