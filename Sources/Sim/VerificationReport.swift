import Foundation
import Plots
import ProvableNumerics

/// Writes a `Verification` as `report/index.md` (figures linked) and a self-contained
/// `report/index.html` (figures embedded as SVG data URIs), plus `report/claims.tsv`.
///
/// One row per claim: the prediction in the paper's symbols, the measured value with its 95%
/// interval, seeds, the verdict, the figure and the scenario. A claim that does not hold is shown
/// with its number, never hidden; a documented non-reproduction carries its explanation.
public enum VerificationReport {
    /// A paper's title as its experiments declare it (`Experiment.paperTitle`), else its key.
    static func title(_ paper: String) -> String {
        ExperimentRegistry.all.first { $0.paper == paper }?.paperTitle ?? paper
    }

    /// Write the three files into `directory` (created if needed); returns their URLs.
    @discardableResult
    public static func write(_ v: Verification, to directory: URL) throws -> [URL] {
        try Store.createDirectory(directory)
        let md = directory.appendingPathComponent("index.md")
        let html = directory.appendingPathComponent("index.html")
        let tsv = directory.appendingPathComponent("claims.tsv")
        writeForestPlots(v, to: directory)
        RelaxationMatrix(v).write(to: directory)
        try Store.writeAtomically(markdown(v, relativeTo: directory), to: md)
        try Store.writeAtomically(self.html(v, relativeTo: directory), to: html)
        try Store.writeAtomically(claimsTSV(v), to: tsv)
        return [md, html, tsv]
    }

    // MARK: Forest plots

    /// One row per claim of a paper: interval, band, prediction, verdict (see `ForestPlot`).
    static func forestRows(_ v: Verification, paper: String) -> [ForestRow] {
        v.outcomes.filter { $0.claim.paper == paper }.map { o in
            let r = o.claim.rule, m = o.measurement
            return ForestRow(
                id: o.claim.id, value: m?.value ?? .nan, lo: m?.ciLow ?? .nan, hi: m?.ciHigh ?? .nan,
                bandLo: r.bandLow, bandHi: r.bandHigh, prediction: r.kind == .exact ? r.prediction : nil,
                verdict: o.verdict.rawValue)
        }
    }

    static func forestTitle(_ v: Verification, paper: String) -> String {
        let os = v.outcomes.filter { $0.claim.paper == paper }
        return "\(paper): \(os.count) claims, \(os.filter { $0.verdict.isSupported }.count) supported (fidelity \(v.fidelity.rawValue))"
    }

    static func forestDirectory(_ directory: URL, paper: String) -> URL {
        directory.appendingPathComponent("figures").appendingPathComponent(paper)
    }

    /// The gnuplot forest plot of each paper (`figures/<paper>/forest_<paper>.{tsv,csv,gp,png,svg}`); a
    /// machine without gnuplot gets the .tsv and .gp only (the HTML report draws its own SVG anyway).
    static func writeForestPlots(_ v: Verification, to directory: URL) {
        for p in papersInOrder(v) {
            let rows = forestRows(v, paper: p), dir = forestDirectory(directory, paper: p)
            let id = "forest_" + p
            if (try? ForestPlot.write(rows: rows, title: forestTitle(v, paper: p), id: id, to: dir)) == nil {
                _ = try? ForestPlot.write(rows: rows, title: forestTitle(v, paper: p), id: id, to: dir, render: false)
            }
        }
    }

    static func papersInOrder(_ v: Verification) -> [String] {
        var seen: [String] = []
        for o in v.outcomes where !seen.contains(o.claim.paper) { seen.append(o.claim.paper) }
        return seen
    }

    /// A paper's claims, then how many hold / hold within band / do not hold / were not run (the
    /// summary table's columns, in both formats).
    static func summaryCounts(_ v: Verification, paper: String) -> [Int] {
        let os = v.outcomes.filter { $0.claim.paper == paper }
        return [os.count] + ClaimVerdict.allCases.map { x in os.filter { $0.verdict == x }.count }
    }

    static func measuredText(_ o: ClaimOutcome) -> String {
        guard let m = o.measurement else { return "—" }
        return m.text
    }

    static func duration(_ s: Double) -> String {
        s < 90 ? String(format: "%.0f s", s) : String(format: "%.1f min", s / 60)
    }

    public static func summaryLine(_ v: Verification) -> String {
        "\(v.outcomes.count) claims: \(v.count(.holds)) hold, \(v.count(.holdsWithinBand)) hold within band, "
            + "\(v.count(.inconclusive)) inconclusive, \(v.count(.doesNotHold)) do not hold, \(v.count(.notRun)) not run"
    }

    /// The verdicts, explained once for both formats.
    static let verdictLegend: [(ClaimVerdict, String)] = [
        (
            .holds,
            "the whole 95% interval lies inside the accepted band and contains the exact prediction (for a bound or mechanism: the whole interval clears it)"
        ),
        (.holdsWithinBand, "the whole interval lies inside the band but excludes the exact prediction"),
        (.inconclusive, "the interval straddles a band edge or the bound: more seeds or grid points are needed (the seeds column estimates how many)"),
        (.doesNotHold, "the whole interval lies outside the band, or on the wrong side of the bound"),
        (.notRun, "no results"),
    ]

    /// "5", or "5 (≈ 12 needed)" for an inconclusive claim.
    static func seedsText(_ o: ClaimOutcome) -> String {
        guard let m = o.measurement else { return "—" }
        let extended = o.extendedTo != nil ? " (extended by --until-conclusive)" : ""
        if o.verdict == .inconclusive, let n = o.claim.rule.seedsNeeded(m) { return "\(m.seeds) (≈ \(n) needed)\(extended)" }
        return String(m.seeds) + extended
    }

    /// The rule with its kind and finite-size argument, for the prediction column.
    static func ruleText(_ c: Claim) -> String { "\(c.rule.kind.rawValue): \(c.rule.text)" }

    /// "double", or which papers' learners ran in the requested precision (those whose experiment has
    /// a `precision` parameter; the report writer knows no paper by name).
    static func precisionLine(_ v: Verification) -> String {
        guard v.precision != .double else { return "double" }
        let reached = Set(
            v.scenarios.compactMap(\.plan).filter { $0.experiment.parameters.contains { $0.name == "precision" } }
                .map(\.experiment.paper)
        ).sorted()
        return "\(v.precision.rawValue) for the learners that offer it (\(reached.isEmpty ? "none here" : reached.joined(separator: ", "))); the others double"
    }

    /// "3f2a… (1200 runs)" per fingerprint behind the numbers, and whether it is this binary's.
    static func codeLine(_ v: Verification) -> String {
        let codes = v.codeFingerprints
        let list = codes.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) runs\($0.key == v.manifest.codeFingerprint ? ", this binary" : ""))" }
        return "numbers from " + (list.isEmpty ? "no runs" : list.joined(separator: ", ")) + "; this binary \(v.manifest.codeFingerprint ?? "unknown")"
    }

    /// Set when the numbers do not all come from the binary that wrote the report (`--reuse-stale`,
    /// or records from before fingerprints): one line for the top of the report.
    static func codeWarning(_ v: Verification) -> String? {
        let codes = v.codeFingerprints
        if codes.count > 1 {
            return
                "MIXED CODE: the numbers in this report come from \(codes.count) code versions (\(codeLine(v))). Re-run without --reuse-stale for numbers from one version."
        }
        if let only = codes.keys.first, only != v.manifest.codeFingerprint {
            return
                "STALE CODE: the numbers in this report come from code \(only), not this binary's \(v.manifest.codeFingerprint ?? "unknown"). Re-run without --reuse-stale to refresh them."
        }
        return nil
    }

    static func manifestLines(_ v: Verification) -> [(String, String)] {
        let m = v.manifest
        let commit = (m.gitCommit.map { String($0.prefix(12)) } ?? "unknown") + (m.gitDirty == true ? " (uncommitted changes)" : "")
        return [
            ("fidelity", v.fidelity.rawValue + (v.fidelity == .smoke ? " (seconds-long smoke runs: plumbing only, verdicts are not evidence)" : "")),
            ("precision", precisionLine(v)),
            ("date", m.date), ("sim version", m.version), ("git commit", commit),
            ("code fingerprint", codeLine(v) + (codeWarning(v) != nil ? " — MIXED/STALE, see the top" : "")),
            ("BLAS", "\(m.blas) (core \(m.blasCore)), \(m.blasThreads) thread per run"),
            ("parallel runs", "\(m.jobs) on \(m.processors) processors"),
            ("host", "\(m.host), \(m.os)"),
            ("wall time", duration(v.seconds)),
            ("command", m.argv.joined(separator: " ")),
        ]
    }

    // MARK: Markdown

    public static func markdown(_ v: Verification, relativeTo directory: URL) -> String {
        var out: [String] = []
        out.append("# Provable verification report")
        out.append("")
        out.append(
            "Every claim of every paper: what the theorem predicts, what the simulation measured (mean and 95% "
                + "interval over seeds), and whether it holds. **\(summaryLine(v)).**")
        out.append("")
        if let w = codeWarning(v) { out.append("> **\(w)**"); out.append("") }
        out.append(
            "Verdicts are equivalence tests on the 95% interval: " + verdictLegend.map { "*\($0.0.rawValue)* — \($0.1)" }.joined(separator: "; ") + ". "
                + "Each claim's kind (exact rate, bound, mechanism) and band come from the theory and a stated finite-size argument, never from the run it judges."
        )
        out.append("")
        out.append("| paper | claims | holds | within band | inconclusive | does not hold | not run |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for p in papersInOrder(v) {
            out.append("| [\(p)](#\(p)) | " + summaryCounts(v, paper: p).map(String.init).joined(separator: " | ") + " |")
        }
        out.append("")
        for p in papersInOrder(v) {
            out.append("<a id=\"\(p)\"></a>")
            out.append("## \(p): \(title(p))")
            out.append("")
            let forest = forestDirectory(directory, paper: p).appendingPathComponent("forest_\(p).svg")
            if FileManager.default.fileExists(atPath: forest.path) {
                out.append("![forest plot of \(p)'s claims](\(relativePath(forest, from: directory)))")
                out.append("")
            }
            out.append("| claim | statement | prediction | measured [95% CI] | seeds | verdict | figure | scenario |")
            out.append("|---|---|---|---|---:|---|---|---|")
            var notes: [String] = []
            for o in v.outcomes where o.claim.paper == p {
                let c = o.claim
                let fig = figureLink(v, c, relativeTo: directory).map { "[\(c.figure!)](\($0))" } ?? "—"
                let seeds = seedsText(o)
                out.append(
                    "| **\(c.id)** | \(cell(c.statement)) | \(cell(c.prediction)); rule: \(cell(ruleText(c))) | \(measuredText(o)) | \(seeds) | \(verdictMark(o.verdict)) \(o.verdict.rawValue) | \(fig) | [`\(c.scenario)`](\(scenarioLink(v, c, relativeTo: directory))) |"
                )
                var note: [String] = []
                if let m = o.measurement, !m.detail.isEmpty { note.append(m.detail) }
                note.append("statistic: \(c.statistic)")
                note.append("band: \(c.rule.rationale)")
                if let m = o.measurement { note.append("interval: \(intervalText(m))") }
                if let k = c.knownIssue { note.append("known non-reproduction: \(k)") }
                if let r = o.reason { note.append("not run: \(r)") }
                notes.append("- **\(c.id)** — " + note.joined(separator: "; "))
            }
            out.append("")
            out.append("Details:")
            out.append("")
            out += notes
            out.append("")
        }
        out += relaxationSection(v, relativeTo: directory)
        out.append("## Figures")
        out.append("")
        for p in papersInOrder(v) {
            for (id, path) in figureList(v, paper: p, relativeTo: directory) {
                out.append("### \(p) / \(id)")
                out.append("")
                out.append("![\(id)](\(path))")
                out.append("")
            }
        }
        out.append("## Scenarios")
        out.append("")
        out.append("| scenario | runs | executed now | time | problems |")
        out.append("|---|---:|---:|---:|---|")
        for s in v.scenarios {
            out.append("| `\(s.path)` | \(s.runs) | \(s.executed) | \(duration(s.seconds)) | \(cell(s.error ?? "")) |")
        }
        out.append("")
        out.append("## Manifest")
        out.append("")
        for (k, val) in manifestLines(v) { out.append("- \(k): \(cell(val))") }
        out.append("")
        return out.joined(separator: "\n")
    }

    static func verdictMark(_ v: ClaimVerdict) -> String {
        switch v {
        case .holds: return "✅"
        case .holdsWithinBand: return "☑️"
        case .inconclusive: return "❔"
        case .doesNotHold: return "❌"
        case .notRun: return "⏸"
        }
    }

    /// Escape a Markdown table cell.
    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// `url` relative to `directory` (with `../` steps), so links survive moving the whole tree.
    static func relativePath(_ url: URL, from directory: URL) -> String {
        let a = url.standardizedFileURL.pathComponents, d = directory.standardizedFileURL.pathComponents
        var i = 0
        while i < a.count, i < d.count, a[i] == d[i] { i += 1 }
        if i <= 1 { return url.standardizedFileURL.path }  // nothing in common but "/"
        return (Array(repeating: "..", count: d.count - i) + a[i...]).joined(separator: "/")
    }

    static func scenarioLink(_ v: Verification, _ c: Claim, relativeTo directory: URL) -> String {
        relativePath(v.root.appendingPathComponent(c.scenario), from: directory)
    }

    static func figureLink(_ v: Verification, _ c: Claim, relativeTo directory: URL) -> String? {
        guard let id = c.figure, let f = v.scenario(c.scenario)?.figures[id], let svg = f.svg ?? f.png else { return nil }
        return relativePath(svg, from: directory)
    }

    /// The figures of a paper's claim scenarios, each once, in claim order.
    static func figureList(_ v: Verification, paper: String, relativeTo directory: URL) -> [(String, String)] {
        var seen = Set<String>(), out: [(String, String)] = []
        for o in v.outcomes where o.claim.paper == paper {
            guard let id = o.claim.figure, !seen.contains(id), let link = figureLink(v, o.claim, relativeTo: directory) else { continue }
            seen.insert(id); out.append((id, link))
        }
        return out
    }

    // MARK: TSV

    /// How the interval was formed, in words.
    static func intervalText(_ m: ClaimMeasurement) -> String {
        switch m.method {
        case .t: return "Student t over \(m.seeds) seeds"
        case .bootstrap: return "bootstrap over seeds (\(Bootstrap.defaultResamples) resamples, ≥ \(m.seeds) seeds per point; percentile ∪ t-scaled SE)"
        case .none: return "none (no sampling error)"
        case .wilson: return "Wilson score interval of a fraction of \(m.seeds) seeds"
        }
    }

    /// Every number at full precision ("%.17g"), so a verdict recomputed from the file is exact.
    public static func exact(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return String(format: "%.17g", v)
    }

    /// The columns of `claims.tsv`. `verdict` follows from `kind`, `prediction`, `band_lo`, `band_hi`,
    /// `value`, `ci_lo` and `ci_hi` alone (see `VerdictRule.verdict`); `tests` recomputes it.
    public static let tsvColumns = [
        "claim", "paper", "verdict", "value", "ci_lo", "ci_hi", "seeds", "kind", "prediction", "band_lo", "band_hi",
        "ci_method", "seeds_needed", "rule", "rationale", "scenario", "figure", "known_issue",
    ]

    public static func claimsTSV(_ v: Verification) -> String {
        var lines = [
            "# Provable verification, fidelity \(v.fidelity.rawValue), \(v.manifest.date), commit \(v.manifest.gitCommit ?? "unknown"), code \(codeLine(v))"
                + (codeWarning(v) != nil ? " (MIXED/STALE)" : ""),
            "# verdict from the row alone: not run without a value; does not hold when [ci_lo, ci_hi] misses [band_lo, band_hi]; "
                + "holds when it lies inside (and, for kind = exact with a two-sided band, contains prediction, else holds within band); otherwise inconclusive",
            tsvColumns.joined(separator: "\t"),
        ]
        for o in v.outcomes {
            let m = o.measurement, r = o.claim.rule
            let needed = m.flatMap { o.verdict == .inconclusive ? r.seedsNeeded($0) : nil }
            lines.append(
                [
                    o.claim.id, o.claim.paper, o.verdict.rawValue,
                    m.map { exact($0.value) } ?? "nan", m.map { exact($0.ciLow) } ?? "nan", m.map { exact($0.ciHigh) } ?? "nan",
                    m.map { String($0.seeds) } ?? "0", r.kind.rawValue, exact(r.prediction), exact(r.bandLow), exact(r.bandHigh),
                    m?.method.rawValue ?? "", needed.map(String.init) ?? "",
                    r.text, r.rationale.replacingOccurrences(of: "\t", with: " "), o.claim.scenario, o.claim.figure ?? "",
                    o.claim.knownIssue == nil ? "" : "yes",
                ]
                .joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: HTML

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func verdictClass(_ v: ClaimVerdict) -> String {
        switch v {
        case .holds: return "holds"
        case .holdsWithinBand: return "band"
        case .inconclusive: return "inconclusive"
        case .doesNotHold: return "fails"
        case .notRun: return "notrun"
        }
    }

    /// An SVG file as a data URI (base64), so the page has no external references.
    static func dataURI(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let mime = url.pathExtension == "svg" ? "image/svg+xml" : "image/png"
        return "data:\(mime);base64,\(data.base64EncodedString())"
    }

    public static func html(_ v: Verification, relativeTo directory: URL) -> String {
        var h: [String] = []
        h.append(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Provable verification report</title>
            <style>
            body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1400px; padding: 0 16px; color: #222; }
            h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
            table { border-collapse: collapse; width: 100%; margin: 10px 0; } th, td { border: 1px solid #ddd; padding: 5px 7px; vertical-align: top; text-align: left; }
            th { background: #f4f4f4; } td.num { text-align: right; white-space: nowrap; } td.id { font-weight: 600; white-space: nowrap; }
            .verdict { display: inline-block; padding: 1px 7px; border-radius: 9px; font-weight: 600; white-space: nowrap; font-size: 12px; }
            .holds { background: #d8f3dc; color: #1b4332; } .band { background: #e9f5db; color: #3a5a40; border: 1px dashed #74a57f; }
            .inconclusive { background: #fff3cd; color: #7a5a00; border: 1px dashed #c9a227; }
            .fails { background: #ffd6d6; color: #7a0010; } .notrun { background: #eee; color: #555; }
            .pred { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; } .detail { color: #555; font-size: 12.5px; }
            .known { color: #7a4b00; font-size: 12.5px; } .summary td, .summary th { text-align: center; }
            figure { display: inline-block; width: 48%; min-width: 420px; margin: 8px 0.5%; vertical-align: top; border: 1px solid #eee; }
            figure img { width: 100%; height: auto; } figcaption { font-size: 12px; color: #555; padding: 4px 8px; }
            .forest svg { max-width: 100%; height: auto; } code { font-size: 12px; } .manifest td:first-child { white-space: nowrap; font-weight: 600; }
            </style></head>
            <body data-claims="\(v.outcomes.count)">
            <h1>Provable verification report</h1>
            <p>Every claim of every paper: what the theorem predicts, what the simulation measured (mean and 95% interval over seeds), whether it holds, and the figure that shows it.
            <b>\(esc(summaryLine(v))).</b> Fidelity <b>\(v.fidelity.rawValue)</b>, \(esc(v.manifest.date)), \(esc(duration(v.seconds))).</p>
            \(codeWarning(v).map { "<p class=\"fails\" data-code-warning=\"1\"><b>\(esc($0))</b></p>" } ?? "")
            <p class="detail">Verdicts are equivalence tests on the 95% interval. \(verdictLegend.map { "<span class=\"verdict \(verdictClass($0.0))\">\(esc($0.0.rawValue))</span> \(esc($0.1))" }.joined(separator: " · ")).
            Each claim's kind (exact rate, bound, mechanism) and band come from the theory and a stated finite-size argument, never from the run it judges.</p>
            """)
        h.append(
            "<table class=\"summary\"><tr><th>paper</th><th>claims</th><th>holds</th><th>within band</th><th>inconclusive</th><th>does not hold</th><th>not run</th></tr>"
        )
        for p in papersInOrder(v) {
            h.append("<tr><td><a href=\"#\(p)\">\(p)</a></td>" + summaryCounts(v, paper: p).map { "<td>\($0)</td>" }.joined() + "</tr>")
        }
        h.append("</table>")
        for p in papersInOrder(v) {
            h.append("<h2 id=\"\(p)\">\(esc(p)): \(esc(title(p)))</h2>")
            h.append(
                "<div class=\"forest\" data-paper=\"\(esc(p))\">" + ForestPlot.svg(rows: forestRows(v, paper: p), title: forestTitle(v, paper: p)) + "</div>")
            h.append(
                "<table><tr><th>claim</th><th>statement</th><th>prediction</th><th>measured [95% CI]</th><th>seeds</th><th>verdict</th><th>figure · scenario</th></tr>"
            )
            for o in v.outcomes where o.claim.paper == p {
                let c = o.claim
                var details: [String] = []
                if let m = o.measurement, !m.detail.isEmpty { details.append(esc(m.detail)) }
                details.append("statistic: " + esc(c.statistic))
                details.append("band: " + esc(c.rule.rationale))
                if let m = o.measurement { details.append("interval: " + esc(intervalText(m))) }
                if let r = o.reason { details.append("not run: " + esc(r)) }
                let known = c.knownIssue.map { "<div class=\"known\">known non-reproduction: \(esc($0))</div>" } ?? ""
                let figID = c.figure.flatMap { id in v.scenario(c.scenario)?.figures[id] != nil ? id : nil }
                let figLink = figID.map { "<a href=\"#fig-\(p)-\($0)\">\(esc($0))</a>" } ?? "—"
                h.append(
                    """
                    <tr class="claim" data-claim-id="\(esc(c.id))" data-verdict="\(esc(o.verdict.rawValue))">\
                    <td class="id">\(esc(c.id))</td><td>\(esc(c.statement))<div class="detail">\(details.joined(separator: "<br>"))</div>\(known)</td>\
                    <td class="pred">\(esc(c.prediction))<br><span class="detail">rule (\(esc(c.rule.kind.rawValue))): \(esc(c.rule.text))</span></td><td class="num">\(esc(measuredText(o)))</td>\
                    <td class="num">\(esc(seedsText(o)))</td>\
                    <td><span class="verdict \(verdictClass(o.verdict))">\(esc(o.verdict.rawValue))</span></td>\
                    <td>\(figLink)<br><a href="\(esc(scenarioLink(v, c, relativeTo: directory)))"><code>\(esc(c.scenario))</code></a></td></tr>
                    """)
            }
            h.append("</table>")
        }
        h += relaxationSectionHTML(v, relativeTo: directory)
        h.append("<h2 id=\"figures\">Figures</h2>")
        for p in papersInOrder(v) {
            var seen = Set<String>()
            for o in v.outcomes where o.claim.paper == p {
                guard let id = o.claim.figure, !seen.contains(id), let f = v.scenario(o.claim.scenario)?.figures[id],
                    let file = f.svg ?? f.png, let uri = dataURI(file)
                else { continue }
                seen.insert(id)
                let claimsHere = v.outcomes.filter { $0.claim.paper == p && $0.claim.figure == id }.map(\.claim.id).joined(separator: ", ")
                h.append(
                    "<figure id=\"fig-\(p)-\(esc(id))\"><img class=\"fig\" alt=\"\(esc(p))/\(esc(id))\" src=\"\(uri)\">"
                        + "<figcaption><b>\(esc(p)) / \(esc(id))</b> — \(esc(claimsHere)) · <code>\(esc(o.claim.scenario))</code></figcaption></figure>")
            }
        }
        h.append("<h2 id=\"scenarios\">Scenarios</h2><table><tr><th>scenario</th><th>runs</th><th>executed now</th><th>time</th><th>problems</th></tr>")
        for s in v.scenarios {
            h.append(
                "<tr><td><code>\(esc(s.path))</code></td><td class=\"num\">\(s.runs)</td><td class=\"num\">\(s.executed)</td><td class=\"num\">\(esc(duration(s.seconds)))</td><td>\(esc(s.error ?? ""))</td></tr>"
            )
        }
        h.append("</table><h2 id=\"manifest\">Manifest</h2><table class=\"manifest\">")
        for (k, val) in manifestLines(v) { h.append("<tr><td>\(esc(k))</td><td>\(esc(val))</td></tr>") }
        h.append("</table>")
        // Records on <body> how many figures decoded, for the headless-browser test (and a reader's devtools).
        h.append(
            """
            <script>
            window.addEventListener('load', function () {
              var imgs = Array.prototype.slice.call(document.querySelectorAll('img.fig'));
              var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
              document.body.setAttribute('data-figures', String(imgs.length));
              document.body.setAttribute('data-figures-loaded', String(ok));
              document.body.setAttribute('data-claim-rows', String(document.querySelectorAll('tr.claim').length));
            });
            </script>
            </body></html>
            """)
        return h.joined(separator: "\n") + "\n"
    }
}
