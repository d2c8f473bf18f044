import Foundation

/// Finding and running gnuplot.
enum Gnuplot {

    /// The first executable `gnuplot` on `PATH`, then in the usual install locations (a process
    /// started from a GUI on macOS may lack Homebrew's directories on its PATH).
    static func executable(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "",
                           fallbacks: [String] = ["/usr/bin", "/usr/local/bin", "/opt/homebrew/bin", "/opt/local/bin"]) -> URL? {
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
            throw FigureError.gnuplotFailed(script: script, format: format, status: -1,
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
