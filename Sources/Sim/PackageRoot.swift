import Foundation

/// The package root: the directory whose `scenarios/<paper>/` hold the papers' scenario files. Claims
/// name their scenarios relative to it, and a scenario parameter that names a data file
/// (`graph_path: data/karate`) is read relative to it, so `sim` works from any directory.
public enum PackageRoot {
    public static let environmentKey = "PROVABLE_ROOT"

    /// The root every relative path is resolved against (`ClaimRegistry.root`).
    public static var url: URL {
        get { ClaimRegistry.root }
        set { ClaimRegistry.root = newValue }
    }

    /// `path` when absolute, else `path` under the package root.
    public static func resolve(_ path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : url.appendingPathComponent(path)
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }

    /// The root: `explicit` (`--root`), else `$PROVABLE_ROOT`, else the nearest directory at or above
    /// `cwd` that holds a `scenarios/` directory. A root at or above the working directory is returned
    /// relative to it ("." or "../..") so that scenario paths stay relative, as the plans' provenance
    /// records them; an explicit or environment root is returned as given. A root without
    /// `scenarios/`, or none found, is an error that says what to do.
    public static func discover(
        explicit: String?, cwd: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String {
        func hasScenarios(_ dir: String) -> Bool {
            var isDir: ObjCBool = false
            let base = dir.hasPrefix("/") ? dir : cwd + "/" + dir
            return FileManager.default.fileExists(atPath: base + "/scenarios", isDirectory: &isDir) && isDir.boolValue
        }
        if let explicit {
            guard hasScenarios(explicit) else { throw NotFound(description: "--root \(explicit): no scenarios/ directory there") }
            return explicit
        }
        if let env = environment[environmentKey], !env.isEmpty {
            guard hasScenarios(env) else { throw NotFound(description: "\(environmentKey)=\(env): no scenarios/ directory there") }
            return env
        }
        var dir = URL(fileURLWithPath: cwd).standardizedFileURL
        var up = 0
        while true {
            if hasScenarios(dir.path) { return up == 0 ? "." : Array(repeating: "..", count: up).joined(separator: "/") }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent; up += 1
        }
        throw NotFound(
            description:
                "no package root: no scenarios/ directory in \(cwd) or any directory above it. Run sim inside a Provable checkout or a paper package, pass --root <dir>, or set \(environmentKey)"
        )
    }
}
