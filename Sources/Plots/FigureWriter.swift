import Foundation

/// The files one `FigureWriter.write` call produced. Rendered paths are nil when that format was
/// not requested or `render` was false.
public struct FigureFiles: Sendable, Equatable {
    public var tsv: URL
    /// The same data as a tidy table (`TidyCSV`).
    public var csv: URL
    public var gp: URL
    public var png: URL?
    public var svg: URL?
    public var pdf: URL?
    /// The `tex` format: `<id>_tex.tex` (its drawing is `<id>_tex.pdf` beside it).
    public var tex: URL?
    /// What gnuplot printed while rendering successfully (usually warnings such as
    /// "Skipping data file with no valid points"); empty when it was silent.
    public var warnings: [String]

    /// Every written file, data first.
    public var all: [URL] { [tsv, csv, gp] + [png, svg, pdf, tex].compactMap { $0 } }
}

/// Why a figure could not be written or rendered.
public enum FigureError: Error, LocalizedError, CustomStringConvertible, Equatable {
    /// The figure itself is inconsistent (length mismatch, bad id, non-positive log range…).
    case invalidFigure(id: String, reason: String)
    /// gnuplot is not installed; the `.tsv` and `.gp` were still written.
    case gnuplotNotFound(script: URL)
    /// gnuplot ran and failed; `output` is what it printed (stderr and stdout).
    case gnuplotFailed(script: URL, format: String, status: Int32, output: String)
    /// A file-system operation failed.
    case io(String)

    public var description: String {
        switch self {
        case let .invalidFigure(id, reason):
            return "figure '\(id)': \(reason)"
        case let .gnuplotNotFound(script):
            return "gnuplot not found on PATH, so \(script.path) was written but not rendered. "
                + "Install it (Debian/Ubuntu: apt-get install -y gnuplot-nox; macOS: brew install gnuplot) "
                + "or render by hand: cd \(script.deletingLastPathComponent().path) && gnuplot \(script.lastPathComponent)"
        case let .gnuplotFailed(script, format, status, output):
            return "gnuplot exited with status \(status) rendering \(format) from \(script.path):\n"
                + output.trimmingCharacters(in: .whitespacesAndNewlines)
        case let .io(message):
            return message
        }
    }

    public var errorDescription: String? { description }
}

/// Turns a `Figure` into files: `<id>.tsv` (every number, with a header comment), `<id>.csv` (the
/// same numbers as one tidy table, `TidyCSV`), `<id>.gp` (a
/// self-contained, hand-editable gnuplot script reading the `.tsv` by relative path) and rendered
/// `<id>.png` / `.svg` / `.pdf`.
///
/// Conventions the output follows (see `TSVFormat` and `GnuplotScript` for details):
/// - one `.tsv` data block per layer, in layer order, so `index N` in the script is layer N;
/// - missing values are written as `NaN` (gnuplot reads them as undefined: lines break there);
/// - text is printed literally (`noenhanced`): `W_Q` shows an underscore, symbols are Unicode;
/// - every file is written atomically (temp file in the same directory, then rename).
public enum FigureWriter {

    /// Writes `<id>.tsv` and `<id>.gp` into `directory` (created if needed) and, if `render`,
    /// runs gnuplot once per requested format.
    ///
    /// - Throws: `FigureError.invalidFigure` before writing anything if the figure is inconsistent;
    ///   `FigureError.gnuplotNotFound` (after writing `.tsv` and `.gp`) when gnuplot is missing;
    ///   `FigureError.gnuplotFailed` with gnuplot's output and the script path when it fails.
    @discardableResult
    public static func write(
        _ figure: Figure, to directory: URL, formats: FigureFormats = .standard,
        render: Bool = true, latex: LaTeXOptions? = nil
    ) throws -> FigureFiles {
        try figure.validate()
        let tsvText = TSVFormat.text(for: figure)
        let script = GnuplotScript.text(for: figure)

        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FigureError.io("cannot create figure directory \(directory.path): \(error)")
        }
        var files = FigureFiles(
            tsv: directory.appendingPathComponent(figure.id + ".tsv"),
            csv: directory.appendingPathComponent(figure.id + ".csv"),
            gp: directory.appendingPathComponent(figure.id + ".gp"),
            warnings: [])
        try AtomicFile.write(tsvText, to: files.tsv)
        try AtomicFile.write(TidyCSV.text(for: figure), to: files.csv)
        try AtomicFile.write(script, to: files.gp)
        var texScript: URL?
        if let latex {
            let url = directory.appendingPathComponent(figure.id + "_tex.gp")
            try AtomicFile.write(GnuplotScript.latexText(for: figure.forLaTeX(latex), style: latex.style), to: url)
            texScript = url
        }
        guard render, !formats.isEmpty || texScript != nil else { return files }

        guard let gnuplot = Gnuplot.executable() else { throw FigureError.gnuplotNotFound(script: files.gp) }
        if let texScript {
            files.tex = try Gnuplot.renderLaTeX(script: texScript, id: figure.id, gnuplot: gnuplot)
        }
        for format in formats.ordered {
            let output = directory.appendingPathComponent(figure.id + "." + format.fileExtension)
            let printed = try Gnuplot.render(script: files.gp, format: format.fileExtension, to: output, gnuplot: gnuplot)
            files.warnings += printed
            switch format {
            case .png: files.png = output
            case .svg: files.svg = output
            default: files.pdf = output
            }
        }
        return files
    }

    /// The `.tsv` text `write` would produce (validated).
    public static func tsvText(for figure: Figure) throws -> String {
        try figure.validate()
        return TSVFormat.text(for: figure)
    }

    /// The `.gp` script `write` would produce (validated).
    public static func gnuplotScript(for figure: Figure) throws -> String {
        try figure.validate()
        return GnuplotScript.text(for: figure)
    }

    /// Path of the gnuplot executable that rendering would use, nil if none is installed.
    public static var gnuplotExecutable: URL? { Gnuplot.executable() }
}

extension FigureFormats {
    /// Single formats in a fixed order (png, svg, pdf).
    var ordered: [FigureFormats] { [.png, .svg, .pdf].filter { contains($0) } }

    /// File extension of a single format; also the value of the script's `fmt` variable.
    var fileExtension: String {
        switch self {
        case .png: return "png"
        case .svg: return "svg"
        default: return "pdf"
        }
    }
}
