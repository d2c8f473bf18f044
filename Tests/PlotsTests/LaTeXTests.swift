import Foundation
import Testing
@testable import Plots

/// The `tex` format: labels as LaTeX, venue sizes with text ≥ 8 pt, and a figure that compiles.
@Suite("LaTeX figures")
struct LaTeXTests {
    @Test(
        "Unicode figure text becomes LaTeX",
        arguments: [
            ("α_*", "$\\alpha_{*}$"),
            ("1/α_*", "$1/\\alpha_{*}$"),
            ("ΔW_Q", "$\\Delta W_{Q}$"),
            ("‖W_O[i,:]‖ (sorted)", "$\\|W_{O}[i,:]\\|$ (sorted)"),
            ("N^−½", "$N^{-\\tfrac{1}{2}}$"),
            ("σ₃/σ₁ = 0.02", "$\\sigma_{3}/\\sigma_{1}$ = 0.02"),
            ("E₂(ΔW_V)", "$E_{2}(\\Delta W_{V})$"),
            ("n_rel", "$n_{\\mathrm{rel}}$"),
            ("angle to μ̄", "angle to $\\bar{\\mu}$"),
            ("σ^(t)", "$\\sigma^{(t)}$"),
            ("test error 5% & more #1", "test error 5\\% \\& more \\#1"),
            ("plain words stay", "plain words stay"),
        ])
    func convert(_ c: (String, String)) {
        #expect(LaTeXText.convert(c.0) == c.1)
    }

    /// Every string of every committed figure converts to pure ASCII LaTeX: no symbol is left
    /// without a LaTeX form (an unknown one would print as "?").
    @Test("every committed figure's text has a LaTeX form")
    func committedFiguresConvert() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let figures = root.appendingPathComponent("figures")
        let scripts = (FileManager.default.enumerator(atPath: figures.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".gp") && !$0.hasSuffix("_tex.gp") }
        #expect(scripts.count >= 40)
        var unmapped: [String: Set<Character>] = [:]
        for s in scripts {
            let text = try String(contentsOf: figures.appendingPathComponent(s), encoding: .utf8)
            // Quoted strings of set title/label/tics and plot titles; comments skipped.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                for piece in line.split(separator: "\"").enumerated() where piece.offset % 2 == 1 {
                    let latex = LaTeXText.convert(String(piece.element))
                    if !latex.allSatisfy(\.isASCII) || latex.contains("?") && !piece.element.contains("?") {
                        unmapped[s, default: []].formUnion(piece.element.filter { !$0.isASCII && LaTeXText.convert(String($0)).contains("?") })
                    }
                }
            }
        }
        #expect(unmapped.isEmpty, "symbols without a LaTeX form: \(unmapped)")
    }

    @Test("venue presets print text at 8 pt or more, at their stated width")
    func presets() throws {
        let legible = FigureStyle.presets.allSatisfy { $0.fontPoints >= 8 }
        #expect(legible)
        #expect(FigureStyle.icmlColumn.widthInches == 3.25)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latex-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for style in FigureStyle.presets {
            let files = try FigureWriter.write(
                SampleFigures.dualAxis(), to: dir.appendingPathComponent(style.name), formats: [],
                latex: LaTeXOptions(style: style))
            let tex = try String(contentsOf: try #require(files.tex), encoding: .utf8)
            #expect(tex.contains("\\fontsize{\(Number.text(style.fontPoints))}"), "\(style.name)")
            let ascii = tex.allSatisfy { $0.isASCII }
            #expect(ascii, "\(style.name): non-ASCII in the .tex")
            #expect(FileManager.default.fileExists(atPath: files.tex!.deletingPathExtension().appendingPathExtension("pdf").path))
            // The drawing is the venue's size: cairolatex's picture is width × height in its unit.
            let gp = try String(contentsOf: dir.appendingPathComponent(style.name).appendingPathComponent("dual_axis_tex.gp"), encoding: .utf8)
            #expect(gp.contains("size \(Number.text(style.widthInches))in,\(Number.text(style.heightInches))in"))
            #expect(!gp.contains("set title"), "no title by default: the caption carries it")
        }
    }

    /// With pdflatex (CI installs texlive-latex-base; PROVABLE_REQUIRE_TEX=1 makes it required),
    /// a minimal document that \inputs the figure compiles.
    @Test("the tex figure compiles in a minimal LaTeX document")
    func compiles() throws {
        let pdflatex = ["/usr/bin/pdflatex", "/usr/local/bin/pdflatex"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let pdflatex else {
            if ProcessInfo.processInfo.environment["PROVABLE_REQUIRE_TEX"] == "1" {
                Issue.record("pdflatex is required (PROVABLE_REQUIRE_TEX=1) but not installed")
            }
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latex-compile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try FigureWriter.write(SampleFigures.dualAxis(), to: dir, formats: [], latex: LaTeXOptions(style: .icmlColumn))
        let doc = """
            \\documentclass[10pt]{article}
            \\usepackage{graphicx,color}
            \\begin{document}
            \\begin{figure}\\input{\(try #require(files.tex).lastPathComponent)}\\caption{A test.}\\end{figure}
            \\end{document}
            """
        try doc.write(to: dir.appendingPathComponent("paper.tex"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pdflatex)
        p.arguments = ["-interaction=nonstopmode", "-halt-on-error", "paper.tex"]
        p.currentDirectoryURL = dir
        let pipe = Pipe(); p.standardOutput = pipe; p.standardError = pipe
        try p.run()
        let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(log.suffix(1500))")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("paper.pdf").path))
    }
}
