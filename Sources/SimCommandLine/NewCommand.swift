import ArgumentParser
import Foundation
import Sim

/// `sim new paper <name>`: the skeleton of a new paper as its own Swift package next to (or anywhere
/// outside) Provable, depending on it by path. It builds and its tests pass at once; its one claim
/// (the sample-mean error falls as 1/n) holds. Replace the toy model with yours
/// (docs/adding-a-paper.md walks through a complete example).
struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write the skeleton of a new paper (a Swift package that builds and passes at once).",
        subcommands: [NewPaperCommand.self])
}

struct NewPaperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paper",
        abstract: "Write a new paper's package: data model, learner, experiment, scenario with smoke:, one claim, tests.",
        discussion: """
            The package goes to <out>/<name> (default: ./<name>) and depends on Provable by path (--provable, \
            default: the Provable checkout found by walking up from the working directory). Then:
              cd <name> && swift build -c release && swift test -c release
              .build/release/<name>-sim verify <name> --strict
            """)

    @Argument(help: "Paper key: lowercase letters and digits, starting with a letter (e.g. demo). It names the package, the module and the scenarios.")
    var name: String

    @Option(help: "Directory to create the package in.")
    var out: String = "."

    @Option(help: "Path of the Provable package the new one depends on (default: found by walking up from the working directory).")
    var provable: String?

    func run() throws {
        let skeleton = try PaperSkeleton(key: name)
        let root: URL
        if let provable {
            root = URL(fileURLWithPath: provable).standardizedFileURL
        } else {
            guard let found = PaperSkeleton.provableRoot(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) else {
                throw CLIError("no Provable checkout found above \(FileManager.default.currentDirectoryPath); pass --provable <path>")
            }
            root = found
        }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) else {
            throw CLIError("--provable \(root.path): no Package.swift there")
        }
        let directory = URL(fileURLWithPath: out).appendingPathComponent(skeleton.key).standardizedFileURL
        let files = try skeleton.write(to: directory, provable: root)
        print("\(skeleton.key): wrote \(files.count) files to \(directory.path)")
        for f in files { print("  \(f)") }
        print(
            "next: cd \(directory.path) && swift build -c release && swift test -c release && .build/release/\(skeleton.key)-sim verify \(skeleton.key) --strict"
        )
    }
}
