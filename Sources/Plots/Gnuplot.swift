import Foundation

/// Finding and running gnuplot.
public enum Gnuplot {

    /// The first executable `gnuplot` on `PATH`, then in the usual install locations (a process
    /// started from a GUI on macOS may lack Homebrew's directories on its PATH).
    static func executable(
        path: String = ProcessInfo.processInfo.environment["PATH"] ?? "",
        fallbacks: [String] = ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/opt/local/bin"]
    ) -> URL? {
        let directories = path.split(separator: ":").map(String.init) + fallbacks
        for directory in directories where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `script` in its own directory (it reads its `.tsv` by relative path) with
    /// `fmt="<format>"`, writing to a temporary sibling of `output` that is renamed into place on
    /// success. Returns the non-empty lines gnuplot printed (warnings).
    static func render(script: URL, format: String, to output: URL, gnuplot: URL) throws -> [String] {
        let directory = script.deletingLastPathComponent()
        let temp = AtomicFile.temporarySibling(of: output)
        // Names are `.<id>.<ext>.tmp-XXXXXXXX` with a validated id: no quotes to escape.
        let settings = "fmt=\"\(format)\"; out=\"\(temp.lastPathComponent)\""

        let process = Process()
        process.executableURL = gnuplot
        process.arguments = ["-e", settings, script.lastPathComponent]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        // One pipe for stdout and stderr, drained before waiting, so a chatty gnuplot cannot block.
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            throw FigureError.gnuplotFailed(
                script: script, format: format, status: -1,
                output: "could not start \(gnuplot.path): \(error)")
        }
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        let status = process.terminationStatus
        let exists = FileManager.default.fileExists(atPath: temp.path)
        guard process.terminationReason == .exit, status == 0, exists else {
            try? FileManager.default.removeItem(at: temp)
            let why = exists || status != 0 ? printed : printed + "\n(no output file was produced)"
            throw FigureError.gnuplotFailed(script: script, format: format, status: status, output: why)
        }
        try AtomicFile.moveIntoPlace(temp, output)
        return printed.split(separator: "\n").map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}

extension Gnuplot {
    /// Runs a `<id>_tex.gp` script, which writes `<id>_tex.tex` and `<id>_tex.pdf` (cairolatex names
    /// the drawing after the output, so it is written in place rather than through a temporary name).
    static func renderLaTeX(script: URL, id: String, gnuplot: URL) throws -> URL {
        let directory = script.deletingLastPathComponent()
        let process = Process()
        process.executableURL = gnuplot
        process.arguments = [script.lastPathComponent]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch {
            throw FigureError.gnuplotFailed(script: script, format: "tex", status: -1, output: "could not start \(gnuplot.path): \(error)")
        }
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let tex = directory.appendingPathComponent(id + "_tex.tex")
        guard process.terminationReason == .exit, process.terminationStatus == 0, FileManager.default.fileExists(atPath: tex.path) else {
            throw FigureError.gnuplotFailed(script: script, format: "tex", status: process.terminationStatus, output: printed)
        }
        return tex
    }
}

extension Gnuplot {
    /// `gnuplot --version` ("gnuplot 5.4 patchlevel 4"), or nil when gnuplot is not installed: the
    /// run manifest records the plotting tool next to the compiler and BLAS.
    public static let version: String? = {
        guard let gnuplot = executable() else { return nil }
        let p = Process()
        p.executableURL = gnuplot
        p.arguments = ["--version"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : line
    }()
}
