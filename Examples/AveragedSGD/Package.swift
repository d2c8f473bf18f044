// swift-tools-version:6.2
// A fifth paper outside the engine: averaged SGD for least squares (Polyak–Ruppert / tail averaging).
// It depends on Provable by path and changes no file of it; see README.md and ../../docs/adding-a-paper.md.
import PackageDescription

let package = Package(
    name: "AveragedSGD",
    platforms: [.macOS(.v13)],
    products: [
        // Its own `sim`, with this paper plus the four Provable ships.
        .executable(name: "example-sim", targets: ["ExampleSim"]),
    ],
    dependencies: [
        .package(name: "Provable", path: "../.."),
    ],
    targets: [
        .target(name: "AveragedSGD", dependencies: [
            .product(name: "Sim", package: "Provable"),
            .product(name: "Training", package: "Provable"),
            .product(name: "ProvableNumerics", package: "Provable"),
            .product(name: "Plots", package: "Provable"),
        ]),
        .executableTarget(name: "ExampleSim", dependencies: [
            "AveragedSGD",
            .product(name: "SimCommandLine", package: "Provable"),
            .product(name: "ProvablePapers", package: "Provable"),
        ]),
        .testTarget(name: "AveragedSGDTests", dependencies: [
            "AveragedSGD",
            .product(name: "Sim", package: "Provable"),
            .product(name: "ProvableNumerics", package: "Provable"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
