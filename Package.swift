// swift-tools-version:6.2
// Provable — theory-verification simulation suite. Module arrows (see README, docs/adding-a-paper.md):
//   ProvableNumerics ← DataModels ← Training ← Sim (engine) → Plots
//   Papers/<paper> → Sim, Training;  ProvablePapers → Papers/*;  SimCommandLine → Sim;  sim → both
// Tools version 6.2: SwiftPM accepts the unsafe (optimization) flags below in a versioned dependency.
import PackageDescription
import Foundation

/// Vector code for the building machine: AVX-512 (`-target-cpu skylake-avx512`: Intel since 2017, AMD
/// Zen 4) or else AVX2 + FMA (`haswell`: Intel since 2013, every AMD Zen). The exp, ReLU-readout and
/// Gaussian loops run 8 or 4 lanes wide instead of SSE2's 2: AVX2 gave ≈ 11% more low-rank SGD steps/s
/// than SSE2, AVX-512 another ≈ 7.5% (`sim bench lowrank`), with byte-identical results (every figure's
/// data re-run). Binaries are meant to run where they are built; set PROVABLE_PORTABLE=1 to build for
/// any x86-64 (e.g. for a cluster with older nodes).
let vectorISA: [String] = {
    #if os(Linux) && arch(x86_64)
    if ProcessInfo.processInfo.environment["PROVABLE_PORTABLE"] == "1" { return [] }
    guard let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let set = Set(flags.split(separator: " ").map(String.init))
    if set.isSuperset(of: ["avx512f", "avx512cd", "avx512dq", "avx512bw", "avx512vl", "avx2", "fma", "bmi2"]) {
        return ["-target-cpu", "skylake-avx512"]
    }
    return set.isSuperset(of: ["avx2", "fma", "bmi2"]) ? ["-target-cpu", "haswell"] : []
    #else
    return []
    #endif
}()

/// `-cross-module-optimization` lets Sim specialize Training's layers, which are generic over their
/// working precision (`BLASScalar`: Double or Float); without it every step ran through unspecialized
/// generic code, 2–8× slower (`sim bench lowrank|icl`).
/// `-O`, not `-Ounchecked`: bounds, overflow and precondition checks stay on, so a programming error
/// traps instead of giving a wrong number. Measured with `sim bench <paper>` (last line, steps/s), the
/// same commit built both ways, interleaved, best of 3 on a quiet 2-core machine (2026-12-07),
/// -Ounchecked → -O: low-rank 3270 → 3241 (−0.9%), ICL 10278 → 9992 (−2.8%), MoE 7674 → 7351 (−4.2%),
/// graph 65520 → 59552 (−9.1%). The graph step's neighbourhood gather first paid 5× for per-scalar
/// checks and now runs on buffer pointers (`GraphTransformer.gather`); graph's remaining cost is
/// overflow checks on index arithmetic spread over its many small loops (a 17 µs step), no single
/// loop above a few percent in `perf`. Committed figure data re-run with -O is byte-identical (R1,
/// F-PRUNE, S5, S6, S7).
let optimized: [SwiftSetting] = [.unsafeFlags(["-O", "-wmo", "-cross-module-optimization"] + vectorISA, .when(configuration: .release))]

/// What every paper target builds on: the engine and the shared layers.
let paperDependencies: [Target.Dependency] = ["Sim", "Training", "DataModels", "ProvableNumerics", "Plots"]

let package = Package(
    name: "Provable",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sim", targets: ["SimExecutable"]),
        // Libraries for a package that adds its own papers (Examples/ is one).
        .library(name: "ProvableNumerics", targets: ["ProvableNumerics"]),
        .library(name: "DataModels", targets: ["DataModels"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Plots", targets: ["Plots"]),
        .library(name: "Sim", targets: ["Sim"]),
        .library(name: "ProvableExport", targets: ["ProvableExport"]),
        .library(name: "SimCommandLine", targets: ["SimCommandLine"]),
        .library(name: "ProvablePapers", targets: ["ProvablePapers", "LowRankPaper", "ICLPaper", "GraphPaper", "MoEPaper"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // API documentation (`swift package generate-documentation`, scripts/docs.sh).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `sim export --format sqlite`: the run index.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Tests only (SimTests): property-based mutation of scenario files.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // OpenBLAS cblas + LAPACKE. Never import together with CGSL's cblas (enum clash).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // GSL pieces that do not include gsl_cblas.h: rng, cdf, fit, statistics.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        // The code fingerprint every point record carries (Plugins/CodeFingerprint, run at build time).
        .plugin(name: "CodeFingerprint", capability: .buildTool()),
        .target(name: "BuildInfo", plugins: ["CodeFingerprint"]),
        // Not `Numerics`: apple/swift-numerics has a module of that name.
        .target(name: "ProvableNumerics", dependencies: ["CBLAS", "CGSL"], swiftSettings: optimized),
        .target(name: "DataModels", dependencies: ["ProvableNumerics"], swiftSettings: optimized),
        .target(name: "Training", dependencies: ["ProvableNumerics", "DataModels", "CBLAS"], swiftSettings: optimized),
        .target(name: "Plots", dependencies: [], swiftSettings: optimized),
        // The paper-agnostic engine: scenarios, plans, runner, store, aggregation, claims, verifier, report, Slurm.
        .target(
            name: "Sim",
            dependencies: [
                "BuildInfo", "ProvableNumerics", "DataModels", "Training", "Plots",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: optimized),
        // One target per paper: its experiment, figures, claims and benchmark.
        .target(name: "LowRankPaper", dependencies: paperDependencies, path: "Sources/Papers/LowRank", swiftSettings: optimized),
        .target(name: "ICLPaper", dependencies: paperDependencies, path: "Sources/Papers/ICL", swiftSettings: optimized),
        .target(name: "GraphPaper", dependencies: paperDependencies, path: "Sources/Papers/Graph", swiftSettings: optimized),
        .target(name: "MoEPaper", dependencies: paperDependencies, path: "Sources/Papers/MoE", swiftSettings: optimized),
        // The one list of shipped papers.
        .target(
            name: "ProvablePapers", dependencies: ["Sim", "LowRankPaper", "ICLPaper", "GraphPaper", "MoEPaper"],
            path: "Sources/Papers/All", swiftSettings: optimized),
        // Tidy exports of the run store: CSV, JSON lines, an SQLite index (GRDB).
        .target(name: "ProvableExport", dependencies: ["Sim", "Plots", .product(name: "GRDB", package: "GRDB.swift")], path: "Sources/Export"),
        .target(
            name: "SimCommandLine", dependencies: ["Sim", "ProvableExport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        .executableTarget(name: "SimExecutable", dependencies: ["SimCommandLine", "ProvablePapers"], swiftSettings: optimized),
        .testTarget(name: "NumericsTests", dependencies: ["ProvableNumerics"]),
        .testTarget(name: "DataModelsTests", dependencies: ["DataModels", "ProvableNumerics"]),
        .testTarget(
            name: "TrainingTests", dependencies: ["Training", "DataModels", "ProvableNumerics"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
        .testTarget(
            name: "SimTests",
            dependencies: [
                "BuildInfo", "Sim", "Training", "DataModels", "ProvableNumerics", "Plots",
                "ProvablePapers", "LowRankPaper", "ICLPaper", "GraphPaper", "MoEPaper", "SimCommandLine", "ProvableExport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
