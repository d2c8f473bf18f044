import Foundation
import PropertyBased
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Every malformed scenario gets a one-paragraph `ScenarioError` naming the file, the line and the
/// key — never a crash or a trap: a hand-written corpus (Fixtures/bad/, one file per case, each
/// saying what is wrong and what error to expect) and property-based mutations of every real scenario.
@Suite("Bad input: errors, never traps")
struct BadInputTests {

    /// `# expect: kind=<Kind> key=<path>|- line=<n> [file=<suffix>]` from a fixture's header.
    struct Expectation {
        var kind: ScenarioError.Kind
        var key: String?
        var line: Int
        var file: String?
    }

    static func expectation(in text: String) -> Expectation? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# expect:") }) else { return nil }
        var fields: [String: String] = [:]
        for part in line.dropFirst("# expect:".count).split(separator: " ") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let k = fields["kind"], let kind = ScenarioError.Kind(rawValue: k), let l = fields["line"].flatMap({ Int($0) }) else { return nil }
        let key = fields["key"].flatMap { $0 == "-" ? nil : $0 }
        return Expectation(kind: kind, key: key, line: l, file: fields["file"])
    }

    @Test("Fixtures/bad: each file's error names its file, line and key, as its header says")
    func corpus() throws {
        let dir = URL(fileURLWithPath: fixture("bad"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 40)
        for name in files {
            let path = dir.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let want = Self.expectation(in: text) else {
                Issue.record("\(name): no `# expect: kind=… key=… line=…` header"); continue
            }
            #expect(text.hasPrefix("# "), "\(name) should open with a comment saying what is wrong")
            do {
                _ = try ScenarioLoader.load(path)
                Issue.record("\(name): loaded without error")
            } catch let e as ScenarioError {
                let file = want.file ?? name
                #expect(e.kind == want.kind, "\(name): kind \(e.kind), expected \(want.kind): \(e)")
                #expect(e.keyPath == want.key, "\(name): key \(e.keyPath ?? "nil"), expected \(want.key ?? "nil"): \(e)")
                #expect(e.location?.line == want.line, "\(name): line \(e.location?.line.map(String.init) ?? "nil"), expected \(want.line): \(e)")
                let text = e.description
                #expect(text.contains("\(file):\(want.line)"), "\(name): the message does not name \(file):\(want.line): \(text)")
                if let key = want.key { #expect(text.contains("`\(key)`"), "\(name): the message does not name `\(key)`: \(text)") }
                #expect(!text.contains("\n"), "\(name): not one paragraph")
            } catch {
                Issue.record("\(name): \(type(of: error)) instead of a ScenarioError: \(error)")
            }
        }
    }

    // MARK: - Property-based mutations

    /// Scenario files to mutate: every paper's scenarios and presets, and the toy fixtures. Copied
    /// once into a scratch directory so relative `base:` paths resolve next to the mutant.
    static let corpus: (root: URL, files: [String]) = {
        ToyExperiment.register()
        let root = makeTempDirectory("mutants")
        var files: [String] = []
        for paper in paperDirectories() {
            let src = packageRoot.appendingPathComponent("scenarios").appendingPathComponent(paper)
            try? FileManager.default.copyItem(at: src, to: root.appendingPathComponent(paper))
            for f in filesRecursively(root.appendingPathComponent(paper)) where f.hasSuffix(".yaml") { files.append("\(paper)/\(f)") }
        }
        let fixtures = URL(fileURLWithPath: fixture(""))
        try? FileManager.default.copyItem(at: fixtures, to: root.appendingPathComponent("fixtures"))
        for f in filesRecursively(root.appendingPathComponent("fixtures")) where f.hasSuffix(".yaml") && !f.hasPrefix("bad/") {
            files.append("fixtures/\(f)")
        }
        return (root, files.sorted())
    }()

    /// Values that change a scalar's type or push it out of range.
    static let replacementValues = [
        "abc", "[1, 2]", "{x: 1}", "", "null", "~", "true", "no", "-1", "0", "-0.0", "1e400", "-1e300", "1e-320",
        "99999999999999999999", "9223372036854775807", "-9223372036854775808", "4294967296", ".nan", ".inf", "-.inf",
        "'quoted'", "\"1\"", "[]", "{}", "0x10", "1_000", "2.5", "1e18", "*anchor", "&a 1", "!!binary aGk=", "!!str 3",
        "\"\\u0000\"", "[[[[[]]]]]", "[1, [2, [3]]]", "é", "- x", "|", ">", "@", "`x`", "%", "'", "\"", "{", "[", "]", "}",
        "[0.1, .nan]", "[1, 1e400]", "[-1]", "[.inf]", "100000", "99999", "[" + String(repeating: "1, ", count: 50) + "1]",
    ]

    /// Lines that are not scenario text.
    static let garbageLines = [
        "{{", "]", ": :", "- -", "\t\tx: 1", "key without colon", "? complex", "%YAML 1.1", "---", "...", "@", "`", "|", ">",
        "  - item", "params: {d: 5}", "params: {M: 1000}", "sweep: {seeds: 1000000}", "sweep: {zip: {tau: [0.1], m: [2, 4]}}",
        "base: nonexistent.yaml", "base: [nonexistent.yaml]", "experiment: nope", "experiment: test.quadratic", "x: [1, 2",
        "\u{0}", "\u{FEFF}x: 1", "é: 1", "params: null", "sweep: {grid: {tau: []}}", "sweep: {grid: {n_rel: [0, -1]}}",
        "figures: [{id: x, recipe: nope}]", "figures: {id: x}", "seed: -1", "seed: 1e30", "smoke: {params: {nope: 1}}",
        "smoke: [1]", "name: ../../x", "  : v", "*alias", "&anchor x: 1", "!!python/object:os.system ls", "<<: *x",
        "params: {tau: 1e308, learning_rate: 1e-308}", "sweep: {grid: {d: [20, 5]}}", "params: {n_conf: 100}",
    ]

    /// Deterministic mutation of `text` by operator `op` with randomness from `seed`.
    static func mutate(_ text: String, op: Int, seed: UInt64) -> String {
        var rng = SplitMix(seed)
        var lines = text.components(separatedBy: "\n")
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        func anyLine() -> Int { Int(rng.next() % UInt64(max(lines.count, 1))) }
        let keyLines = lines.indices.filter { lines[$0].contains(":") && !lines[$0].trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        switch op {
        case 0 where !lines.isEmpty:  // delete a line
            lines.remove(at: anyLine())
        case 1 where !keyLines.isEmpty:  // rename a key (typo, garbage, case)
            let i = pick(keyLines), line = lines[i]
            let colon = line.firstIndex(of: ":")!
            var key = String(line[..<colon])
            switch rng.next() % 4 {
            case 0 where key.count > 1: key.remove(at: key.index(key.startIndex, offsetBy: Int(rng.next() % UInt64(key.count))))
            case 1: key += pick(["x", "_", "s", "2", " ", "é"])
            case 2: key = key.uppercased()
            default: key = String(key.reversed())
            }
            lines[i] = key + line[colon...]
        case 2 where !keyLines.isEmpty:  // change a value's type
            let i = pick(keyLines), line = lines[i]
            let colon = line.firstIndex(of: ":")!
            lines[i] = line[...colon] + " " + pick(replacementValues)
        case 3:  // insert a garbage line
            lines.insert(pick(garbageLines), at: lines.isEmpty ? 0 : anyLine())
        case 4 where lines.count > 1:  // swap two lines
            lines.swapAt(anyLine(), anyLine())
        case 5 where keyLines.count > 1:  // swap two values
            let i = pick(keyLines), j = pick(keyLines)
            let ci = lines[i].firstIndex(of: ":")!, cj = lines[j].firstIndex(of: ":")!
            let vi = lines[i][lines[i].index(after: ci)...], vj = lines[j][lines[j].index(after: cj)...]
            let (li, lj) = (lines[i][...ci] + vj, lines[j][...cj] + vi)
            lines[i] = String(li); lines[j] = String(lj)
        case 6:  // truncate (bytes: may cut a character)
            let bytes = Array(text.utf8)
            let cut = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
            return String(decoding: bytes.prefix(cut), as: UTF8.self)
        case 7 where !lines.isEmpty:  // duplicate a line
            let i = anyLine(); lines.insert(lines[i], at: i)
        case 8 where !lines.isEmpty:  // break the indentation
            let i = anyLine()
            lines[i] = pick(["  ", "\t", " ", "    "]) + lines[i]
            if rng.next() % 2 == 0 { lines[i] = lines[i].trimmingCharacters(in: .whitespaces) }
        case 9:  // out-of-range numbers
            let numeric = lines.indices.filter { i in
                lines[i].split(separator: ":").last.map { Double($0.trimmingCharacters(in: .whitespaces)) != nil } ?? false
            }
            guard !numeric.isEmpty else { fallthrough }
            let i = pick(numeric), colon = lines[i].lastIndex(of: ":")!
            lines[i] = lines[i][...colon] + " " + pick(["0", "-1", "-0.0", "1e18", "1e-320", "4294967296", "-999999", "2147483648", "1e15", "0.0000001"])
        case 10:  // enormous or degenerate sweeps
            lines.append(
                pick([
                    "sweep: {grid: {tau: [0.1, 0.2]}, seeds: 99999999}", "sweep: {seeds: 100000, grid: {tau: [1, 2]}}",
                    "sweep: {zip: {tau: [], m: []}}", "sweep: {grid: {}, zip: {}}", "sweep:", "sweep: {seeds: 0.5}",
                ]))
        default:  // break `base:`
            lines.insert(
                pick([
                    "base: \(pick(["self.yaml", "nope.yaml", "", "[]", "[1]", "/", "..", "presets/", "presets/config_a.yaml"]))",
                    "base: [presets/config_a.yaml, presets/config_a.yaml]",
                ]), at: 0)
        }
        return lines.joined(separator: "\n")
    }

    /// Load the mutant; it must load (and plan) or throw a `ScenarioError` that names a file, a
    /// line and — except for YAML syntax and a non-mapping document — a key.
    static func checkMutant(_ text: String, origin: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let dir = corpus.root.appendingPathComponent(origin).deletingLastPathComponent()
        let url = dir.appendingPathComponent("mutant-\(UUID().uuidString.prefix(8)).yaml")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        for smoke in [false, true] {
            do {
                let s = try ScenarioLoader.load(url.path, options: ScenarioOptions(smoke: smoke))
                stats.add("accepted")
                let plan = Plan(scenario: s)
                #expect(plan.points.count == s.sweep.parameterPointCount * s.sweep.seeds, sourceLocation: sourceLocation)
                _ = plan.tsv()
                // The resolved scenario reloads to the same sweep.
                let again = try ScenarioLoader.load(yaml: s.resolvedYAML(), path: dir.appendingPathComponent("resolved.yaml").path)
                #expect(
                    Plan(scenario: again).sweepID == plan.sweepID, "resolved scenario of a mutant of \(origin) differs:\n\(text)",
                    sourceLocation: sourceLocation)
                if !s.hasSmokeBlock { return }
            } catch let e as ScenarioError {
                stats.add(e.kind.rawValue)
                let d = e.description
                let where_ = "mutant of \(origin):\n---\n\(text)\n---\n\(d)"
                #expect(!d.contains("\n"), "not one paragraph: \(where_)", sourceLocation: sourceLocation)
                guard let loc = e.location else { Issue.record("no location: \(where_)", sourceLocation: sourceLocation); return }
                #expect(!loc.source.isEmpty && d.contains(loc.source), "no file: \(where_)", sourceLocation: sourceLocation)
                #expect(loc.line != nil && d.contains("\(loc.source):\(loc.line ?? -1)"), "no line: \(where_)", sourceLocation: sourceLocation)
                let keyless = e.kind == .syntax || (e.kind == .wrongType && e.message.contains("at the top level"))
                if !keyless {
                    #expect(e.keyPath.map { !$0.isEmpty && d.contains("`\($0)`") } == true, "no key: \(where_)", sourceLocation: sourceLocation)
                }
                return
            } catch {
                Issue.record("\(type(of: error)) instead of a ScenarioError for a mutant of \(origin): \(error)\n\(text)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    /// Outcomes of the mutants loaded (accepted / error kind), printed after each property run.
    static let stats = Tally()

    /// Iterations per property run (PROVABLE_PROPERTY_COUNT raises it for a soak run).
    static let count = ProcessInfo.processInfo.environment["PROVABLE_PROPERTY_COUNT"].flatMap { Int($0) } ?? 300

    @Test("mutated scenarios (delete/rename keys, change types, garbage, swaps, truncation, out-of-range numbers) load or fail with file+line+key")
    func mutations() async {
        let files = Self.corpus.files
        #expect(files.count > 10)
        await propertyCheck(
            count: Self.count, input: Gen.int(in: 0...(files.count - 1)), Gen.int(in: 0...11),
            Gen.uint64(in: 0...UInt64.max), Gen.int(in: 1...2)
        ) { f, op, seed, rounds in
            let origin = files[f]
            guard var text = try? String(contentsOf: Self.corpus.root.appendingPathComponent(origin), encoding: .utf8) else { return }
            for r in 0..<rounds { text = Self.mutate(text, op: r == 0 ? op : Int(seed >> (8 * UInt64(r))) % 12, seed: seed &+ UInt64(r)) }
            Self.checkMutant(text, origin: origin)
        }
        print("mutations: \(Self.stats.summary)")
    }

    @Test("random bytes and random YAML-ish text never trap the loader")
    func noise() async {
        let alphabet = Array("experiment: lowrank.train\nparams{}[],-#&*!|>'\"%@ \t0123456789.e+-_sweepgridzipseedsbasesmokefigures\u{0}é")
        await propertyCheck(count: Self.count, input: Gen.int(in: 0...400), Gen.uint64(in: 0...UInt64.max)) { length, seed in
            var rng = SplitMix(seed)
            let text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            Self.checkMutant("experiment: lowrank.train\n" + text, origin: "lowrank/noise.yaml")
            Self.checkMutant(text, origin: "lowrank/noise.yaml")
        }
        print("noise + mutations: \(Self.stats.summary)")
    }

    @Test("`--set` with any key path and value never traps")
    func overrides() async {
        let keys = [
            "params.tau", "params.d", "params.M", "params.pruning_rates", "sweep.seeds", "sweep.grid.n_rel", "sweep.zip.tau",
            "seed", "experiment", "base", "figures", "params", "sweep", "smoke.params.T", "name", "params.tau.x", "x.y.z", ".", "a..b", "",
        ]
        let path = packageRoot.appendingPathComponent("scenarios/lowrank/r8_iteration_scaling_eta.yaml").path
        await propertyCheck(count: Self.count, input: Gen.int(in: 0...(keys.count - 1)), Gen.int(in: 0...(Self.replacementValues.count - 1))) { k, v in
            let arg = "\(keys[k])=\(Self.replacementValues[v])"
            do {
                _ = Plan(scenario: try ScenarioLoader.load(path, options: ScenarioOptions(smoke: true, overrides: [arg])))
            } catch let e as ScenarioError {
                #expect(e.location?.source.hasPrefix("--set") == true || e.location?.line != nil, "\(arg): \(e)")
                #expect(!e.description.contains("\n"))
            } catch {
                Issue.record("--set \(arg): \(type(of: error)): \(error)")
            }
        }
    }
}

/// Thread-safe counts by label.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func add(_ label: String) { lock.lock(); counts[label, default: 0] += 1; lock.unlock() }
    var summary: String {
        lock.lock(); defer { lock.unlock() }
        let total = counts.values.reduce(0, +)
        return "\(total) loads — " + counts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}

/// A tiny deterministic generator for the mutation operators (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
