// swift-tools-version:6.0
// Provable — theory-verification simulation suite. Layout and module arrows: see README / DESIGN.
//   Numerics ← DataModels ← Training ← Sim → Plots,  SimCLI → Sim
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
          let flags = cpu.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
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

let package = Package(
    name: "Provable",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sim", targets: ["SimCLI"]),
        .library(name: "Sim", targets: ["Sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
        .target(name: "Numerics", dependencies: ["CBLAS", "CGSL"], swiftSettings: optimized),
        .target(name: "DataModels", dependencies: ["Numerics"], swiftSettings: optimized),
        .target(name: "Training", dependencies: ["Numerics", "DataModels", "CBLAS"], swiftSettings: optimized),
        .target(name: "Plots", dependencies: [], swiftSettings: optimized),
        .target(name: "Sim", dependencies: ["BuildInfo", "Numerics", "DataModels", "Training", "Plots",
                                            .product(name: "Yams", package: "Yams")],
                swiftSettings: optimized),
        .executableTarget(name: "SimCLI", dependencies: ["Sim",
                                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimized),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "DataModelsTests", dependencies: ["DataModels", "Numerics"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "DataModels", "Numerics"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
        .testTarget(name: "SimTests", dependencies: ["BuildInfo", "Sim", "Training", "DataModels", "Numerics", "Plots",
                                                     .product(name: "PropertyBased", package: "swift-property-based")],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
