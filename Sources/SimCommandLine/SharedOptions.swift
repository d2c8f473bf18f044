import ArgumentParser
import Foundation
import Plots
import Sim

/// Options shared by the subcommands that load and run scenarios.
struct SharedOptions: ParsableArguments {
    @Option(name: .long, help: "Output root: runs go to <out>/runs/, figures to <out>/figures/.")
    var out: String = "."

    @Option(name: .long, help: "Runs in parallel (worker threads; BLAS is single-threaded inside a run). Default: processor count.")
    var jobs: Int?

    @Flag(name: .long, help: "Apply each scenario's smoke: overrides (a seconds-long version for CI).")
    var smoke = false

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a scenario key, value parsed as YAML (repeatable): params.tau=0.2, sweep.seeds=3, sweep.grid.n_rel=[2,4].", valueName: "key.path=value"))
    var overrides: [String] = []

    @Option(name: .long, help: "Replace the scenario seed (run seeds derive from it, the parameters and the replicate).")
    var seed: UInt64?

    @Flag(
        name: .long,
        help:
            "Reuse finished points produced by other code (another code fingerprint) instead of re-running them; the summary warns and the report marks the mix."
    )
    var reuseStale = false

    @Option(
        name: .long,
        help:
            "Package root (the directory holding scenarios/): data paths in scenarios are read relative to it. Default: $PROVABLE_ROOT, else the nearest directory at or above the working directory that holds scenarios/."
    )
    var root: String?

    /// Sets the package root that relative data paths resolve against. Without `--root` or
    /// `$PROVABLE_ROOT`, a scenario file outside any package still runs (the working directory is the root).
    func useRoot() throws {
        if root != nil || ProcessInfo.processInfo.environment[PackageRoot.environmentKey] != nil {
            PackageRoot.url = URL(fileURLWithPath: try CLI.rooted { try PackageRoot.discover(explicit: root) }).standardizedFileURL
        } else {
            PackageRoot.url = URL(fileURLWithPath: (try? PackageRoot.discover(explicit: nil)) ?? ".").standardizedFileURL
        }
    }

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    var scenarioOptions: ScenarioOptions { ScenarioOptions(smoke: smoke, overrides: overrides, seed: seed) }
    var outURL: URL { URL(fileURLWithPath: out) }
    var jobCount: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// Figure output options.
struct FigureOptions: ParsableArguments {
    @Flag(name: .long, help: "Also render PDF (PNG and SVG are always rendered).")
    var pdf = false

    @Flag(name: .customLong("no-render"), help: "Write figure .tsv and .gp files only; do not run gnuplot.")
    var noRender = false

    @Option(name: .long, help: "Also write LaTeX figures: `tex` renders <id>_tex.tex + <id>_tex.pdf with gnuplot's cairolatex terminal, every label in LaTeX.")
    var format: String?

    @Option(
        name: .long, help: "With --format tex, the venue: icml-column (3.25 in, 8 pt), icml-full (6.75 in, 9 pt), neurips (5.5 in, 9 pt), slides (6 in, 12 pt)."
    )
    var style: String = "icml-column"

    @Flag(
        name: .customLong("title"), inversion: .prefixedNo, help: "With --format tex, draw the title in the figure (default: no title; the caption carries it)."
    )
    var title = false

    func validate() throws {
        if let format, format != "tex" { throw ValidationError("--format takes tex (png and svg are always written, pdf with --pdf), got `\(format)`") }
        if FigureStyle.named(style) == nil {
            throw ValidationError("--style must be one of \(FigureStyle.presets.map(\.name).joined(separator: ", ")), got `\(style)`")
        }
    }

    var formats: FigureFormats { pdf ? [.png, .svg, .pdf] : .standard }
    var latex: LaTeXOptions? { format == "tex" ? LaTeXOptions(style: FigureStyle.named(style)!, title: title) : nil }
}

/// Helpers shared by the subcommands.
enum CLI {
    /// A package-root lookup whose failure is a CLI error (exit 1 with its message).
    static func rooted(_ find: () throws -> String) throws -> String {
        do { return try find() } catch let e as PackageRoot.NotFound { throw CLIError(e.description) }
    }

    static func printError(_ error: Error) {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }

    /// `dir/R1.{tsv,csv,gp,png,svg}` (and `dir/R1_tex.tex`)
    static func describe(_ f: FigureFiles) -> String {
        let stem = f.tsv.deletingPathExtension().path
        return "\(stem).{" + f.all.filter { $0 != f.tex }.map(\.pathExtension).joined(separator: ",") + "}"
            + (f.tex.map { " + \($0.lastPathComponent) (+ .pdf)" } ?? "")
    }

    static func warn(_ text: String) {
        FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
    }

    static func exitStatus(for error: Error) -> Int32 {
        switch error {
        case is SweepFailure: return 2
        case is FigureBuildError, is FigureBuildErrors: return 2
        case let e as Interrupted: return 128 + e.signal
        default: return 1
        }
    }

    /// Absolute path of the running `sim` executable (for scripts that call it back).
    static func executablePath() throws -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        let arg0 = CommandLine.arguments[0]
        if arg0.contains("/") { return URL(fileURLWithPath: arg0).standardizedFileURL.path }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(arg0)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CLIError("cannot tell where the sim executable is; pass --sim <path>")
    }

    /// Load every scenario before anything runs, so a bad file or point fails first.
    static func loadAll(_ paths: [String], options: ScenarioOptions) throws -> [Plan] {
        try paths.map { Plan(scenario: try ScenarioLoader.load($0, options: options)) }
    }

    /// Scenario files of `paper` under `scenariosRoot`, sorted, excluding `presets/`.
    static func scenarioFiles(paper: String, root: String) throws -> [String] {
        let dir = URL(fileURLWithPath: root).appendingPathComponent(paper)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            let papers = (try? FileManager.default.contentsOfDirectory(atPath: root))?.sorted() ?? []
            throw CLIError(
                "no scenario directory \(dir.path) for paper `\(paper)`" + (papers.isEmpty ? "" : "; papers with scenarios: \(papers.joined(separator: ", "))"))
        }
        // Built as a string, not from the URL: a relative root must give relative scenario paths, which
        // the plans' provenance (and so every figure's data header) records.
        let relative = root.hasSuffix("/") ? root + paper : root + "/" + paper
        return allScenarioFiles(under: relative).filter { !$0.split(separator: "/").contains("presets") }
    }

    /// Paper directories under `root` (every subdirectory holding a scenario file outside `presets/`), sorted by name.
    static func paperDirectories(root: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("no scenario directory \(root)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        return names.filter { name in
            var sub: ObjCBool = false
            let path = URL(fileURLWithPath: root).appendingPathComponent(name).path
            guard !name.hasPrefix("."), FileManager.default.fileExists(atPath: path, isDirectory: &sub), sub.boolValue else { return false }
            return allScenarioFiles(under: path).contains { !$0.split(separator: "/").contains("presets") }
        }
    }

    /// Every `.yaml`/`.yml` under `root`, sorted by path (relative paths stay relative).
    static func allScenarioFiles(under root: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let rel = e.nextObject() as? String {
            if rel.hasSuffix(".yaml") || rel.hasSuffix(".yml") {
                files.append(root.hasSuffix("/") ? root + rel : root + "/" + rel)
            }
        }
        return files.sorted()
    }

    /// Run one plan end to end: points, aggregate TSVs, figures. Returns the report.
    /// Throws `Interrupted` when cancelled; figure errors are thrown after the data is written.
    /// With a shard, only its points run and nothing is aggregated (the other shards' points are
    /// missing until `sim aggregate` / `sim plot` merges them).
    static func runPlan(
        _ plan: Plan, shared: SharedOptions, figures: FigureOptions, cancellation: CancellationFlag,
        out: URL? = nil, shard: Shard? = nil
    ) throws -> (SweepReport, [FigureFiles]) {
        let outURL = out ?? shared.outURL
        announce(plan, out: outURL, shard: shard)
        let report = try Runner.run(
            plan, options: RunOptions(out: outURL, jobs: shared.jobCount, cancellation: cancellation, shard: shard, reuseStale: shared.reuseStale))
        return try finishPlan(plan, report: report, figures: figures, out: outURL, shard: shard)
    }

    /// "r6_pruning: 5 runs (1 points × 5 seeds) → runs/r6_pruning/<sweep-id>" on stderr.
    static func announce(_ plan: Plan, out: URL, shard: Shard? = nil) {
        let layout = RunLayout(out: out, plan: plan)
        let count = shard.map { "\($0.select(plan.points).count) of \(plan.points.count) runs (shard \($0))" } ?? "\(plan.points.count) runs"
        FileHandle.standardError.write(
            Data("\(plan.scenario.name): \(count) (\(plan.groups.count) points × \(plan.scenario.sweep.seeds) seeds) → \(layout.sweepDirectory.path)\n".utf8))
    }

    /// After a plan's points ran: print the report, then aggregate and build the figures (not for a
    /// shard). Throws `Interrupted` when the run was cancelled; figure errors after the data is written.
    static func finishPlan(
        _ plan: Plan, report: SweepReport, figures: FigureOptions, out outURL: URL,
        shard: Shard? = nil
    ) throws -> (SweepReport, [FigureFiles]) {
        let layout = RunLayout(out: outURL, plan: plan)
        print(report.summary)
        if report.cancelled { throw Interrupted(report: report, signal: InterruptHandler.receivedSignal ?? SIGINT) }
        if let failure = report.storageFailure {
            throw CLIError(
                "the sweep stopped because the output location failed: \(failure). The \(report.skipped + report.executed) finished points are kept; free space or fix permissions and re-run the same command to resume"
            )
        }
        if let shard {
            print(
                "shard \(shard) done; once every shard has run: sim aggregate <each shard's \(layout.sweepDirectory.lastPathComponent) directory> (or sim plot with one shared --out)"
            )
            return (report, [])
        }
        let results = try Aggregator.aggregate(plan, out: outURL)
        let tsvs = try Aggregator.write(results, to: layout.aggregateDirectory)
        print("aggregate: \(layout.aggregateDirectory.path)/ (metrics.tsv\(tsvs.count > 1 ? " + \(tsvs.count - 1) series" : ""))")
        for n in results.notices { warn(n) }
        var files: [FigureFiles] = []
        if !plan.scenario.figures.isEmpty {
            if results.groups.isEmpty {
                warn("\(plan.scenario.name): no finished runs, so no figures")
            } else {
                files = try FigureBuilder.build(
                    plan, results: results, out: outURL,
                    formats: figures.formats, render: !figures.noRender, latex: figures.latex)
                for f in files {
                    print("figure: " + describe(f))
                    for w in f.warnings { warn("gnuplot (\(f.gp.lastPathComponent)): \(w)") }
                }
            }
        }
        return (report, files)
    }
}

/// A plain one-paragraph CLI error (exit status 1).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Some points of a sweep failed (exit status 2); the rest of the work was done.
struct SweepFailure: Error, CustomStringConvertible {
    let failed: Int
    var description: String { "\(failed) run\(failed == 1 ? "" : "s") failed (see the summary above and points/*.failed); re-run to retry them" }
}

/// The sweep was interrupted by a signal (exit status 128 + signal: 130 for SIGINT, 143 for SIGTERM).
struct Interrupted: Error, CustomStringConvertible {
    let report: SweepReport
    var signal: Int32 = SIGINT
    var description: String {
        "interrupted (\(InterruptHandler.signalName(signal))) with \(report.remaining) of \(report.total) runs unfinished; "
            + "finished points are kept — re-run the same command, or `sim run --resume \(report.layout.sweepDirectory.path)`, to resume"
    }
}
