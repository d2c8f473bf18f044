import Foundation
import Testing
@testable import Plots

private let hasGnuplot = FigureWriter.gnuplotExecutable != nil

/// A fresh temporary directory; for `demo` outputs `PLOTS_DEMO_DIR` instead when it is set (to
/// look at the sample figures). Tests that edit or race on files never use the shared one.
private func outputDirectory(_ name: String, demo: Bool = false) -> URL {
    if demo, let demo = ProcessInfo.processInfo.environment["PLOTS_DEMO_DIR"], !demo.isEmpty {
        return URL(fileURLWithPath: demo)
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent("plots-\(name)-\(UUID().uuidString)")
}

private func bytes(_ url: URL?) throws -> [UInt8] {
    let url = try #require(url)
    return [UInt8](try Data(contentsOf: url))
}

private let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

@Suite("rendering with gnuplot", .enabled(if: hasGnuplot, "gnuplot is not installed"))
struct RenderTests {

    @Test(
        "every layer kind renders to png and svg, silently, leaving no temp files",
        arguments: ["everyLayer", "dualAxis"])
    func everyLayer(_ which: String) throws {
        let figure = which == "everyLayer" ? SampleFigures.everyLayer() : SampleFigures.dualAxis()
        let dir = outputDirectory(which, demo: true)
        let files = try FigureWriter.write(figure, to: dir)
        #expect(Array(try bytes(files.png).prefix(8)) == pngMagic)
        let svg = String(decoding: try bytes(files.svg), as: UTF8.self)
        #expect(svg.contains("<svg"))
        #expect(svg.contains("W_"))  // literal underscore…
        if which == "everyLayer" { #expect(svg.contains("α = 0.3, σ² = 0.1")) }  // …and Unicode, as typed
        #expect(files.pdf == nil)
        #expect(files.warnings.isEmpty, "gnuplot printed: \(files.warnings)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix("." + figure.id + ".") && $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test(
        "heat maps render (image and boxes), and pdf on request",
        arguments: ["phase_gray", "phase_log"])
    func heatmap(_ id: String) throws {
        let figure = id == "phase_gray" ? SampleFigures.heatmap() : SampleFigures.heatmapLog()
        let files = try FigureWriter.write(figure, to: outputDirectory(id, demo: true), formats: [.png, .svg, .pdf])
        #expect(Array(try bytes(files.png).prefix(8)) == pngMagic)
        #expect(try bytes(files.svg).count > 1000)
        #expect(Array(try bytes(files.pdf).prefix(4)) == Array("%PDF".utf8))
        #expect(files.warnings.isEmpty, "gnuplot printed: \(files.warnings)")
    }

    @Test("a figure with nothing drawable still renders")
    func empty() throws {
        let files = try FigureWriter.write(SampleFigures.empty(), to: outputDirectory("empty", demo: true), formats: .png)
        #expect(Array(try bytes(files.png).prefix(8)) == pngMagic)
        #expect(files.svg == nil)
    }

    @Test(
        "awkward figures render without errors or warnings",
        arguments: SampleFigures.edgeCases().map(\.id))
    func edgeCase(_ id: String) throws {
        let figure = try #require(SampleFigures.edgeCases().first { $0.id == id })
        let files = try FigureWriter.write(figure, to: outputDirectory(id, demo: true), formats: [.png, .svg])
        #expect(Array(try bytes(files.png).prefix(8)) == pngMagic)
        #expect(files.warnings.isEmpty, "gnuplot printed: \(files.warnings)")
    }

    @Test("the script runs by hand from its directory: `gnuplot <id>.gp` makes <id>.png")
    func byHand() throws {
        let dir = outputDirectory("byhand")
        let files = try FigureWriter.write(SampleFigures.dualAxis(), to: dir, render: false)
        #expect(files.png == nil)
        let process = Process()
        process.executableURL = FigureWriter.gnuplotExecutable  // the suite runs only when it exists
        process.arguments = ["-e", "fmt=\"svg\"", "dual_axis.gp"]
        process.currentDirectoryURL = dir
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("dual_axis.svg").path))
    }

    @Test("a gnuplot failure reports its output and the script path")
    func failure() throws {
        let dir = outputDirectory("failure")
        let files = try FigureWriter.write(SampleFigures.dualAxis(), to: dir, render: false)
        try (String(contentsOf: files.gp, encoding: .utf8) + "plot no_such_function(x)\n")
            .write(to: files.gp, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("dual_axis.png")
        do {
            _ = try Gnuplot.render(
                script: files.gp, format: "png", to: out,
                gnuplot: try #require(FigureWriter.gnuplotExecutable))
            Issue.record("expected gnuplot to fail")
        } catch let error as FigureError {
            guard case let .gnuplotFailed(script, format, status, _) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(script == files.gp && format == "png" && status != 0)
            #expect(error.description.contains(files.gp.path))
            #expect(error.description.contains("no_such_function"))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }
}

@Suite("writing without gnuplot")
struct WriteOnlyTests {

    @Test("render: false writes the .tsv, .csv and .gp atomically and nothing else")
    func writeOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plots-norender-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try FigureWriter.write(SampleFigures.heatmap(), to: dir, render: false)
        #expect(files.all.map(\.lastPathComponent) == ["phase_gray.tsv", "phase_gray.csv", "phase_gray.gp"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["phase_gray.csv", "phase_gray.gp", "phase_gray.tsv"])
        // The tidy table: a header and one row per heat-map cell, each naming its layer.
        let csv = try String(contentsOf: files.csv, encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "series,layer,kind,axis,x,y,y_low,y_high,z")
        #expect(csv.dropFirst().allSatisfy { $0.contains(",heatmap,y1,") })
        // Writing again replaces the files in place.
        _ = try FigureWriter.write(SampleFigures.heatmap(), to: dir, render: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 3)
    }

    @Test("gnuplot is looked up on PATH, then in the usual places")
    func lookup() throws {
        #expect(Gnuplot.executable(path: "/nonexistent", fallbacks: []) == nil)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plots-path-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let fake = dir.appendingPathComponent("gnuplot")
        #expect(
            FileManager.default.createFile(
                atPath: fake.path, contents: Data("#!/bin/sh\n".utf8),
                attributes: [.posixPermissions: 0o755]))
        #expect(Gnuplot.executable(path: "/nonexistent:" + dir.path, fallbacks: [])?.path == fake.path)
    }

    @Test("a missing gnuplot is reported with the install command")
    func missingMessage() {
        let message = FigureError.gnuplotNotFound(script: URL(fileURLWithPath: "/tmp/x/f.gp")).description
        #expect(message.contains("apt-get install -y gnuplot-nox"))
        #expect(message.contains("/tmp/x/f.gp"))
    }
}
