import Foundation

/// Finding sweep directories and rebuilding the plan one was made from (`sim run --resume <dir>`,
/// `sim status`, `sim aggregate`).
public enum SweepDirectory {

    /// A directory with a `plan.tsv` (what `sim run` writes under `runs/<scenario>/<sweep-id>/`).
    public static func isSweepDirectory(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("plan.tsv").path)
    }

    /// `url` itself if it is a sweep directory, else every sweep directory up to three levels
    /// below it (an `--out` root, its `runs/`, or `runs/<scenario>/`), sorted by path.
    public static func find(under url: URL) -> [URL] {
        if isSweepDirectory(url) { return [url] }
        var found: [URL] = []
        func walk(_ dir: URL, depth: Int) {
            guard depth > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let child = dir.appendingPathComponent(name)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: child.path, isDirectory: &isDir), isDir.boolValue else { continue }
                if isSweepDirectory(child) { found.append(child) } else { walk(child, depth: depth - 1) }
            }
        }
        walk(url, depth: 3)
        return found
    }

    /// Expand user arguments into sweep directories grouped by sweep id (the last path
    /// component): directories with the same id are shards of one sweep. Order: first appearance.
    public static func groupedBySweep(_ arguments: [String]) throws -> [(sweepID: String, directories: [URL])] {
        var groups: [(String, [URL])] = []
        for arg in arguments {
            let url = URL(fileURLWithPath: arg).standardizedFileURL
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
                throw StoreError("\(arg): no such directory (expected a sweep directory runs/<scenario>/<sweep-id>, or an --out root holding runs/)")
            }
            let dirs = find(under: url)
            guard !dirs.isEmpty else {
                throw StoreError("\(arg) holds no sweep directory (no plan.tsv in it or up to three levels below)")
            }
            for d in dirs {
                if let i = groups.firstIndex(where: { $0.0 == d.lastPathComponent }) {
                    if !groups[i].1.contains(d) { groups[i].1.append(d) }
                } else {
                    groups.append((d.lastPathComponent, [d]))
                }
            }
        }
        return groups
    }

    /// The manifests of a sweep directory, decoded (unreadable ones skipped), newest first.
    public static func manifests(_ dir: URL) -> [Manifest] {
        RunLayout(sweepDirectory: dir).manifests.compactMap { url in
            FileManager.default.contents(atPath: url.path).flatMap { try? Store.decoder().decode(Manifest.self, from: $0) }
        }.sorted { $0.date > $1.date }
    }

    /// Rebuild the plan a sweep directory was created from, for `sim run --resume <dir>`.
    ///
    /// The scenario is reloaded the way the recorded invocation loaded it (the manifest's scenario
    /// path, relative to its working directory, with its `--smoke`, `--set` and `--seed`), so the
    /// resumed sweep and its aggregate are those of the original command. If that no longer gives
    /// this directory's sweep id (the scenario file was edited or moved), the directory's own
    /// `scenario.resolved.yaml` is used instead, with a note. Returns the plan and notes for the user.
    public static func reload(_ dir: URL) throws -> (plan: Plan, notes: [String]) {
        let id = dir.standardizedFileURL.lastPathComponent
        var notes: [String] = []
        if let m = manifests(dir).first {
            let cwd = FileManager.default.currentDirectoryPath
            var path = m.scenario
            if !path.hasPrefix("/") && m.workingDirectory != cwd {
                path = URL(fileURLWithPath: m.workingDirectory).appendingPathComponent(path).standardizedFileURL.path
            }
            let options = ScenarioOptions(smoke: m.smoke, overrides: m.overrides, seed: m.seedOption)
            do {
                var scenario = try ScenarioLoader.load(path, options: options)
                // Keep the path as originally typed: it is part of the provenance in every aggregate file.
                scenario.path = m.scenario
                let plan = Plan(scenario: scenario)
                if plan.sweepID == id { return (plan, notes) }
                notes.append("\(path) now describes sweep \(plan.sweepID), not \(id) (edited since?); resuming from \(id)/scenario.resolved.yaml")
            } catch {
                notes.append("cannot reload \(path) as recorded in the manifest (\(error)); resuming from \(id)/scenario.resolved.yaml")
            }
        } else {
            notes.append("no readable manifest in \(dir.path); resuming from scenario.resolved.yaml")
        }
        let resolved = RunLayout(sweepDirectory: dir).resolvedScenario
        let plan = Plan(scenario: try ScenarioLoader.load(resolved.path))
        guard plan.sweepID == id else {
            throw StoreError("cannot resume \(dir.path): its scenario.resolved.yaml describes sweep \(plan.sweepID), not \(id) (was the directory renamed?)")
        }
        return (plan, notes)
    }
}
