// swift-tools-version:6.0
// Provable — theory-verification simulation suite. Layout and module arrows: see README / DESIGN.
//   Numerics ← DataModels ← Training ← Sim → Plots,  SimCLI → Sim
import PackageDescription

let optimized: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

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
        .target(name: "Numerics", dependencies: ["CBLAS", "CGSL"], swiftSettings: optimized),
        .target(name: "DataModels", dependencies: ["Numerics"], swiftSettings: optimized),
        .target(name: "Training", dependencies: ["Numerics", "DataModels", "CBLAS"], swiftSettings: optimized),
        .target(name: "Plots", dependencies: [], swiftSettings: optimized),
        .target(name: "Sim", dependencies: ["Numerics", "DataModels", "Training", "Plots",
                                            .product(name: "Yams", package: "Yams")],
                swiftSettings: optimized),
        .executableTarget(name: "SimCLI", dependencies: ["Sim",
                                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: optimized),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "DataModelsTests", dependencies: ["DataModels", "Numerics"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "DataModels", "Numerics"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
        .testTarget(name: "SimTests", dependencies: ["Sim", "Training", "DataModels", "Numerics", "Plots",
                                                     .product(name: "PropertyBased", package: "swift-property-based")],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
