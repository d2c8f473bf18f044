import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PropertyBased
import Testing
@testable import Plots
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Scenario files are untrusted input (issue 14): they are shared between colleagues and cloned from
/// other people's repositories. Every string a scenario can put into a gnuplot script or an sbatch
/// script must come out as text, never as a command. These tests feed hostile strings — built from
/// fragments that each try one way out (backquotes, quotes, `system(...)`, `$(...)`, `;`, line
/// breaks, a trailing backslash, combining marks glued to quotes) — through every figure recipe of
/// every scenario and through `sim slurm`'s scripts, and check that no command ran (a canary file
/// that every command would create stays absent) and that the output still renders.
enum Hostile {
    /// Fragments; `CANARY` is replaced by a command that creates a file in the canary directory.
    static let fragments: [String] = [
        "`CANARY`", "\"`CANARY`\"", "'`CANARY`'", "x\u{301}`CANARY`", "`\u{301};CANARY;`\u{301}",
        "system(\"CANARY\")", "\"; system(\"CANARY\"); \"", "\"\u{301}; system(\"CANARY\") #",
        "$(CANARY)", "'$(CANARY)'", "'\u{301}; CANARY; echo '", "; CANARY;", "&& CANARY", "| CANARY",
        "\nsystem(\"CANARY\")\n", "\r\nsystem(\"CANARY\")", "\rsystem(\"CANARY\")", "\u{2028}! CANARY",
        "\u{0B}\u{0C}\u{85}", "\\", "\\\"", "trailing \\", "%s %d %n %%", "]]>", "<b>&amp;</b>",
        "@macro", "$data", "{/Symbol a}_x^2", "\t", "\u{0}", "α_* ≈ 0.5 — ‖W‖²", "\u{FFFF}", "#",
    ]

    /// A command that creates `<dir>/pwned-<n>`: evidence that something ran it.
    static func command(_ n: Int, in dir: URL) -> String { "touch \(dir.path)/pwned-\(n)" }

    /// `count` fragments chosen by `seed`, joined; every command gets its own number.
    static func string(seed: UInt64, count: Int, canary: URL) -> String {
        var rng = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var parts: [String] = []
        for i in 0..<count {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            let f = fragments[Int(rng % UInt64(fragments.count))]
            parts.append(f.replacingOccurrences(of: "CANARY", with: command(i, in: canary)))
        }
        return parts.joined(separator: " ")
    }

    /// Every fragment once, in order: the deterministic worst case.
    static func all(canary: URL) -> String {
        fragments.enumerated().map { $0.element.replacingOccurrences(of: "CANARY", with: command(100 + $0.offset, in: canary)) }
            .joined(separator: " ")
    }

    static func evidence(_ canary: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: canary.path)) ?? []).sorted()
    }

    /// Every text field of a figure replaced by a hostile string.
    static func figure(_ f: Figure, _ next: () -> String) -> Figure {
        var f = f
        f.title = next()
        f.notes = f.notes.map { _ in next() }
        f.x.label = next(); f.y.label = next()
        f.x.tics = f.x.tics?.map { ($0.0, next()) }
        f.y.tics = f.y.tics?.map { ($0.0, next()) }
        if var y2 = f.y2 { y2.label = next(); y2.tics = y2.tics?.map { ($0.0, next()) }; f.y2 = y2 }
        f.layers = f.layers.map { layer in
            switch layer {
            case .line(var l): l.title = next(); return .line(l)
            case .points(var p): p.title = next(); return .points(p)
            case .bars(var b): b.title = next(); return .bars(b)
            case .hline(var h): h.title = next(); return .hline(h)
            case .heatmap(var h): h.title = next(); h.zLabel = next(); return .heatmap(h)
            }
        }
        return f
    }

    /// The rendered files exist, and the SVG is well-formed XML (a browser would show it).
    static func checkRendered(_ files: FigureFiles, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let png = files.png, let svg = files.svg else {
            Issue.record("\(what): no png or svg was rendered", sourceLocation: sourceLocation); return
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: png.path))?[.size] as? Int) ?? 0
        #expect(size > 1000, "\(what): png of \(size) bytes", sourceLocation: sourceLocation)
        let parser = XMLParser(contentsOf: svg)
        #expect(
            parser?.parse() == true, "\(what): the svg is not well-formed XML: \(String(describing: parser?.parserError))",
            sourceLocation: sourceLocation)
    }
}

@Suite("Hostile strings in scenario files run nothing", .serialized)
struct HostileInputTests {

    /// Smoke results of every scenario with figures, once for all tests of this suite.
    struct SmokeRun {
        var plan: Plan
        var results: AggregateResults
    }

    static func smokeRuns() throws -> [SmokeRun] {
        let out = makeTempDirectory()
        var runs: [SmokeRun] = []
        for paper in paperDirectories() {
            for path in scenarioFiles(paper: paper) {
                let scenario = try ScenarioLoader.load(
                    packageRoot.appendingPathComponent(path).path,
                    options: ScenarioOptions(smoke: true))
                guard !scenario.figures.isEmpty else { continue }
                let plan = Plan(scenario: scenario)
                _ = try Runner.run(plan, options: RunOptions(out: out, jobs: 2, progress: .silent))
                runs.append(SmokeRun(plan: plan, results: try Aggregator.aggregate(plan, out: out)))
            }
        }
        return runs
    }

    @Test("every figure recipe of every scenario: hostile titles, options, labels and keys render, gnuplot runs nothing")
    func everyRecipe() throws {
        let canary = makeTempDirectory()
        let figures = makeTempDirectory()
        let runs = try Self.smokeRuns()
        #expect(runs.count >= 30, "only \(runs.count) scenarios with figures were found")
        var recipesSeen = Set<String>(), rendered = 0, seed: UInt64 = 1
        for run in runs {
            let experiment = run.plan.experiment
            for request in run.plan.scenario.figures {
                recipesSeen.insert("\(experiment.name)/\(request.recipe)")
                // 1. The scenario's own keys: a hostile `title:` must render. The recipe reads the
                //    request's string options as series names or axis keys; hostile values there
                //    may make it fail, but only with an error, never by running anything.
                for example in 0..<2 {
                    var r = request
                    r.id = "\(request.id)_title\(example)"
                    r.title = example == 0 ? Hostile.all(canary: canary) : Hostile.string(seed: seed, count: 6, canary: canary)
                    seed += 1
                    let files = try FigureBuilder.build(
                        r, experiment: experiment, results: run.results, scenario: run.plan.scenario.path,
                        to: figures, formats: .standard, render: true)
                    Hostile.checkRendered(files, "\(run.plan.scenario.name)/\(r.id)")
                    rendered += 1

                    var o = r
                    o.id = "\(request.id)_options\(example)"
                    for (k, v) in o.options { if case .string = v { o.options[k] = .string(Hostile.string(seed: seed, count: 4, canary: canary)) } }
                    seed += 1
                    do {
                        _ = try FigureBuilder.build(
                            o, experiment: experiment, results: run.results, scenario: run.plan.scenario.path,
                            to: figures, formats: .standard, render: true)
                    } catch let e as FigureBuildError {
                        #expect(!e.description.isEmpty)
                    }
                }
                // 2. Every text field of the recipe's figure (labels, tic labels, key entries,
                //    colour-box label, notes) hostile: the paths that parameters and data reach.
                guard let recipe = experiment.figureRecipes[request.recipe] else {
                    Issue.record("no recipe \(request.recipe)"); continue
                }
                var n = 0
                var f = Hostile.figure(try recipe(request, run.results)) {
                    n += 1
                    return n == 1 ? Hostile.all(canary: canary) : Hostile.string(seed: seed &+ UInt64(n), count: 3, canary: canary)
                }
                seed += 1
                f.id = "\(request.id)_fields"
                let files = try FigureWriter.write(f, to: figures, formats: .standard, render: true)
                Hostile.checkRendered(files, "\(run.plan.scenario.name)/\(f.id) with \(n) hostile fields")
                rendered += 1
            }
        }
        let allRecipes = Set(ExperimentRegistry.all.flatMap { e in e.figureRecipes.keys.map { "\(e.name)/\($0)" } })
        let unused = allRecipes.subtracting(recipesSeen).filter { !$0.hasPrefix("test.") }
        #expect(unused.isEmpty, "recipes that no scenario uses were not exercised: \(unused.sorted())")
        #expect(Hostile.evidence(canary).isEmpty, "commands ran: \(Hostile.evidence(canary))")
        #expect(rendered >= 100)
    }

    @Test("gnuplot reads every quoted string back as the same text (property)")
    func quotedRoundTrip() async throws {
        guard let gnuplot = Gnuplot.executable() else { Issue.record("gnuplot not found"); return }
        let canary = makeTempDirectory()
        let dir = makeTempDirectory()
        await propertyCheck(count: 40, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 1...8)) { seed, count in
            let text = Hostile.string(seed: seed, count: count, canary: canary)
            // `print` writes the string as gnuplot parsed it; a tic label is a format, printed via
            // sprintf with a number, as gnuplot does for the axis.
            let script = "print " + GnuplotScript.quoted(text) + "\nprint sprintf(" + GnuplotScript.quoted(text, role: .ticLabel) + ", 1.0)\n"
            let file = dir.appendingPathComponent("q-\(seed).gp")
            try? script.write(to: file, atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = gnuplot
            p.arguments = [file.path]
            let pipe = Pipe()
            p.standardError = pipe
            p.standardOutput = FileHandle.nullDevice
            try? p.run()
            let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "gnuplot failed on \(script.debugDescription): \(printed)")
            let expected = Self.printable(text)
            #expect(printed == expected + "\n" + expected + "\n", "\(text.debugDescription)")
        }
        #expect(Hostile.evidence(canary).isEmpty, "commands ran: \(Hostile.evidence(canary))")
    }

    /// What `quoted` promises to print: line breaks as `\n`, other controls as spaces, `]]>` with a
    /// word joiner, noncharacters as U+FFFD.
    static func printable(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        let s = Array(text.unicodeScalars)
        for (i, u) in s.enumerated() {
            if u == "\r", i + 1 < s.count, s[i + 1] == "\n" { continue }
            if GnuplotScript.isLineBreak(u) {
                out.append("\n")
            } else if u == "\t" {
                out.append(u)
            } else if u.properties.generalCategory == .control {
                out.append(" ")
            } else if u.properties.isNoncharacterCodePoint {
                out.append("\u{FFFD}")
            } else {
                out.append(u)
            }
        }
        return String(out).replacingOccurrences(of: "]]>", with: "]]\u{2060}>")
    }

    @Test("sim slurm: hostile paths and overrides stay words; control characters are refused; nothing runs")
    func slurm() async throws {
        let canary = makeTempDirectory()
        let root = makeTempDirectory()
        // A stub `sim` that records its arguments, one per NUL-terminated record.
        await propertyCheck(count: 24, input: Gen.uint64(in: 0...UInt64.max), Gen.int(in: 1...5)) { seed, count in
            // NUL cannot be in a path or an argument; `/` makes subdirectories, which is fine.
            let h = String(String.UnicodeScalarView(Hostile.string(seed: seed, count: count, canary: canary).unicodeScalars.map { $0 == "\0" ? "_" : $0 }))
            let base = root.appendingPathComponent("case-\(seed)")
            let dir = base.appendingPathComponent(h)
            let sim = dir.appendingPathComponent("sim")
            let argsFile = base.appendingPathComponent("args")
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try "#!/bin/bash\nprintf '%s\\0' \"$@\" >> \(shellWords([argsFile.path]))\n".write(to: sim, atomically: true, encoding: .utf8)
                chmod(sim.path, 0o755)
            } catch {
                Issue.record("could not set up \(dir.path): \(error)"); return
            }
            var job = SlurmJob(
                scenarioPath: "scenarios/\(h).yaml", scenarioName: "s", sweepID: "s-0123abcd", shards: 2,
                simPath: sim.path, out: dir.appendingPathComponent("out").path, workingDirectory: dir.path)
            job.overrides = ["params.tag=\(h)", h]
            job.partition = h.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "short" : h
            let hasControl = h.unicodeScalars.contains { $0.properties.generalCategory == .control }
            let files: (array: URL, aggregate: URL, submit: URL)
            do {
                files = try job.write()
                #expect(!hasControl, "a control character reached an sbatch script: \(h.debugDescription)")
            } catch let e as SlurmScriptError {
                #expect(hasControl, "refused without a control character: \(e)")
                return
            } catch {
                Issue.record("unexpected error \(error)"); return
            }
            // #SBATCH values read back (as sbatch's parser reads them) are the values given.
            let array = (try? String(contentsOf: files.array, encoding: .utf8)) ?? ""
            let directives = Self.sbatchDirectives(array)
            #expect(directives["--chdir"] == dir.path, "chdir read back as \(String(describing: directives["--chdir"]))")
            #expect(directives["--partition"] == job.partition)
            #expect(directives["--job-name"] == "sim-s")
            // Run both job scripts with bash: the stub receives exactly the intended words.
            for (script, expected) in [
                (files.array, ["run"] + Self.scenarioArguments(job) + ["--no-render", "--shard", "1/2", "--jobs", "1"]),
                (files.aggregate, ["status", job.sweepDirectory.path, "plot"] + Self.scenarioArguments(job)),
            ] {
                try? FileManager.default.removeItem(at: argsFile)
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/bash")
                p.arguments = [script.path]
                p.environment = ["PATH": "/usr/bin:/bin", "SLURM_ARRAY_TASK_ID": "1", "SLURM_CPUS_PER_TASK": "1"]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                try? p.run()
                p.waitUntilExit()
                let data = (try? Data(contentsOf: argsFile)) ?? Data()
                let got = data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
                #expect(got == expected, "\(script.lastPathComponent) for \(h.debugDescription)")
            }
        }
        #expect(Hostile.evidence(canary).isEmpty, "commands ran: \(Hostile.evidence(canary))")
    }

    static func scenarioArguments(_ job: SlurmJob) -> [String] {
        var a = [job.scenarioPath, "--out", job.out]
        for o in job.overrides { a += ["--set", o] }
        return a
    }

    /// `#SBATCH --key=value` lines as sbatch reads them (src/sbatch/opt.c `_get_argument`: quotes
    /// group, a backslash escapes the next character, an unquoted `#` ends the line).
    static func sbatchDirectives(_ script: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("#SBATCH ") {
            var word = String.UnicodeScalarView(), quote: Unicode.Scalar? = nil, escaped = false
            for u in line.dropFirst("#SBATCH ".count).unicodeScalars {
                if escaped { word.append(u); escaped = false; continue }
                if u == "\\" { escaped = true; continue }
                if let q = quote { if u == q { quote = nil } else { word.append(u) }; continue }
                if u == "\"" || u == "'" { quote = u; continue }
                if u == "#" || u == " " { break }
                word.append(u)
            }
            let w = String(word)
            if let eq = w.firstIndex(of: "=") { out[String(w[..<eq])] = String(w[w.index(after: eq)...]) }
        }
        return out
    }

    @Test("a scenario whose file name is not a plain name is refused before it names a directory or a job")
    func fileNameAsName() throws {
        let dir = makeTempDirectory()
        let file = dir.appendingPathComponent("$(touch pwned);x.yaml")
        try "experiment: lowrank.train\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(file.path)
            Issue.record("loaded a scenario named by `$(touch pwned);x`")
        } catch let e as ScenarioError {
            #expect(e.description.contains("file name") && e.description.contains(file.path), "\(e)")
        }
    }

    @Test("a scenario inside a repository whose .git/config names an fsmonitor command: the manifest's git status runs nothing")
    func hostileGitConfig() throws {
        let canary = makeTempDirectory()
        let repo = makeTempDirectory()
        func git(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", repo.path, "-c", "user.email=a@b", "-c", "user.name=a"] + args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
        }
        try "x\n".write(to: repo.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        try git(["init", "-q"]); try git(["add", "s.yaml"]); try git(["commit", "-qm", "x"])
        try git(["config", "core.fsmonitor", Hostile.command(0, in: canary) + " #"])
        #expect(Runner.git(["rev-parse", "HEAD"], in: repo.path) != nil, "the test repository was not created")
        _ = Runner.git(["status", "--porcelain", "--untracked-files=no"], in: repo.path)
        #expect(Hostile.evidence(canary).isEmpty, "git ran the repository's fsmonitor command")
    }
}
