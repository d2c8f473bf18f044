import Foundation
import PackagePlugin

/// Generates `CodeFingerprint.swift` for the target it is applied to (`BuildInfo`): a SHA-256 over the
/// code that produces numbers — every file under `Sources/` and `Plugins/`, `Package.swift`, and
/// `Package.resolved` (the resolved dependency versions) — so each point record can name the code
/// behind it (`PointRecord.code`). Tests are not part of it: they check numbers, they do not make them.
///
/// A build command with every such file as input, not a prebuild command: llbuild re-runs it exactly
/// when one of them changes (a prebuild command was observed not to re-run on an edit). The hash is of
/// paths relative to the package root and of file contents, so a git checkout, a release tarball and
/// a copy elsewhere of the same files give the same fingerprint; `fingerprint.sh` documents the recipe.
@main
struct CodeFingerprint: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "CodeFingerprint.swift")
        let script = root.appending(path: "Plugins/CodeFingerprint/fingerprint.sh")
        var inputs: [URL] = []
        for directory in ["Sources", "Plugins"] {
            let base = root.appending(path: directory)
            guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                inputs.append(url)
            }
        }
        for file in ["Package.swift", "Package.resolved"] where FileManager.default.fileExists(atPath: root.appending(path: file).path) {
            inputs.append(root.appending(path: file))
        }
        return [
            .buildCommand(
                displayName: "Computing the code fingerprint",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, root.path, output.path],
                inputFiles: inputs, outputFiles: [output])
        ]
    }
}
