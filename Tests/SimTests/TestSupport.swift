import Foundation
import ProvableNumerics
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// The package root (this file is Tests/SimTests/TestSupport.swift). Its first use also registers
/// the shipped papers (the engine registers none by itself), so a test that reads a scenario file
/// finds its experiment; suites that use the registry without files register in `init()`.
let packageRoot: URL = {
    ProvablePapers.register()
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    ClaimRegistry.root = root  // scenario-file claims are found under <root>/scenarios/<paper>/
    return root
}()

/// Every paper directory under scenarios/ (lowrank, icl, …), sorted: tests that must cover every
/// paper iterate over this, so a new paper is picked up without editing them.
func paperDirectories() -> [String] {
    let root = packageRoot.appendingPathComponent("scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.filter { name in
        var isDir: ObjCBool = false
        return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
    }.sorted()
}

/// Scenario files of a paper relative to the package root (`scenarios/<paper>/x.yaml`), presets excluded.
func scenarioFiles(paper: String) -> [String] {
    let dir = packageRoot.appendingPathComponent("scenarios").appendingPathComponent(paper)
    guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
    var files: [String] = []
    while let rel = e.nextObject() as? String {
        guard rel.hasSuffix(".yaml") || rel.hasSuffix(".yml"), !rel.split(separator: "/").contains("presets") else { continue }
        files.append("scenarios/\(paper)/\(rel)")
    }
    return files.sorted()
}

/// The `sim` executable built alongside the tests (same build directory as the test bundle).
func simExecutable() -> URL? {
    var candidates: [URL] = []
    // Resources bundle (…/<config>/Provable_SimTests.resources) and the test bundle itself sit in the bin dir.
    candidates.append(Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("sim"))
    for b in Bundle.allBundles + [Bundle.main] {
        candidates.append(b.bundleURL.deletingLastPathComponent().appendingPathComponent("sim"))
    }
    if let env = ProcessInfo.processInfo.environment["PROVABLE_SIM"] { candidates.insert(URL(fileURLWithPath: env), at: 0) }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// The output of a finished subprocess.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Run `sim` with `arguments` in the package root; returns status and output. Records an issue
/// (and returns nil) when the executable cannot be found.
func runSim(
    _ arguments: [String], timeout: TimeInterval = 120, cwd: URL? = nil, environment: [String: String] = [:],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws -> ProcessOutput? {
    guard let sim = simExecutable() else {
        Issue.record(
            "the sim executable was not found next to the test bundle (\(Bundle.module.bundleURL.path)); build it first (swift build)",
            sourceLocation: sourceLocation)
        return nil
    }
    let p = SimProcess(sim, arguments)
    if let cwd { p.process.currentDirectoryURL = cwd }
    for (k, v) in environment { p.process.environment?[k] = v }
    try p.start()
    return p.wait(timeout: timeout)
}

/// A `sim` subprocess whose output is collected in temporary files (no pipe can fill up).
final class SimProcess: @unchecked Sendable {
    let process = Process()
    private let outURL: URL, errURL: URL

    init(_ executable: URL, _ arguments: [String]) {
        let dir = makeTempDirectory("proc")
        outURL = dir.appendingPathComponent("stdout"); errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = env
    }

    func start() throws {
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func wait(timeout: TimeInterval) -> ProcessOutput {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("sim \(process.arguments ?? []) did not finish within \(timeout) s; killed")
        }
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

/// Every regular file under `dir` (relative paths, sorted), skipping the given top-level names.
func filesRecursively(_ dir: URL) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
    var out: [String] = []
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(rel).path, isDirectory: &isDir), !isDir.boolValue {
            out.append(rel)
        }
    }
    return out.sorted()
}

/// Assert two directories hold the same files with the same bytes.
func expectSameFiles(_ a: URL, _ b: URL, _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let fa = filesRecursively(a), fb = filesRecursively(b)
    #expect(!fa.isEmpty, "\(what): \(a.path) is empty", sourceLocation: sourceLocation)
    #expect(fa == fb, "\(what): different files\n\(fa)\nvs\n\(fb)", sourceLocation: sourceLocation)
    for f in fa where fb.contains(f) {
        let da = FileManager.default.contents(atPath: a.appendingPathComponent(f).path)
        let db = FileManager.default.contents(atPath: b.appendingPathComponent(f).path)
        #expect(da == db, "\(what): \(f) differs", sourceLocation: sourceLocation)
    }
}

/// Names in a directory with a suffix.
func names(in dir: URL, suffix: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
}

/// One run of an experiment at its defaults with `overrides`, for the claims tests: invalid
/// parameters or a failed run are programming errors of the test, so they stop it loudly.
func runExperiment(_ experiment: any Experiment, _ overrides: [String: ParamValue], seed: UInt64) -> RunResult {
    // One BLAS thread, as every run under `Runner` has: the thread count is process-wide, and a
    // test comparing two runs bit for bit would otherwise see last-ulp differences whenever another
    // test's Runner switched it between them (seen once: test_hinge differed in the 16th digit).
    BLASInfo.useSingleThread()
    var p = experiment.defaults
    for (k, v) in overrides { p[k] = v }
    do { try experiment.validate(p) } catch { preconditionFailure("invalid test parameters: \(error)") }
    do { return try experiment.run(p, context: RunContext(seed: seed)) } catch { preconditionFailure("run failed: \(error)") }
}
