import Foundation
import ProvableNumerics

extension Summary {
    /// Mean, sd and 95% t interval of the finite `values` (NaN entries are kept in `values` but not
    /// counted in `n`; sd and the interval are NaN when fewer than two finite values).
    public init(values: [Double], level: Double = 0.95) {
        let s = Statistics.describe(values, level: level)
        self.init(n: s.n, mean: s.mean, sd: s.sd, ciLow: s.ciLow, ciHigh: s.ciHigh, values: values)
    }
}

extension SeriesSummary {
    /// Element-wise summary of replicate curves, aligned by index. Curves may differ in length
    /// (a run that stopped early): each index is summarised over the replicates that reach it,
    /// and `x` is the longest curve's grid. NaN entries are skipped at their index.
    public init(replicates: [Series], level: Double = 0.95) {
        let longest = replicates.max { $0.x.count < $1.x.count }
        let len = longest?.x.count ?? 0
        var mean = [Double](repeating: .nan, count: len), sd = mean, lo = mean, hi = mean
        var column: [Double] = []
        column.reserveCapacity(replicates.count)
        for i in 0..<len {
            column.removeAll(keepingCapacity: true)
            for r in replicates where i < r.y.count { column.append(r.y[i]) }
            let s = Statistics.describe(column, level: level)
            mean[i] = s.mean; sd[i] = s.sd; lo[i] = s.ciLow; hi[i] = s.ciHigh
        }
        self.init(
            x: longest?.x ?? [], mean: mean, sd: sd, ciLow: lo, ciHigh: hi, n: replicates.count,
            replicateY: replicates.map(\.y))
    }
}

extension AggregateResults {
    /// Metric names present in any group, sorted.
    public var metricNames: [String] { Array(Set(groups.flatMap { $0.metrics.keys })).sorted() }
    /// Series names present in any group, sorted.
    public var seriesNames: [String] { Array(Set(groups.flatMap { $0.series.keys })).sorted() }
}

/// Reads a sweep's point records and summarises them per parameter point.
///
/// Groups are the plan's parameter points (replicates pooled), in plan order; a group appears
/// once at least one of its replicates has a record. Diverged runs count in `replicates` and
/// `diverged` but are left out of every statistic; failed or unfinished runs have no record and
/// are simply absent. Several directories can be passed for a sweep split across machines
/// (shards): records are looked up by point id in each.
///
/// **Missing, not zero.** Every group carries every metric and series that any group has: where
/// all replicates diverged (or a run did not produce the value) the summary is NaN with n = 0, so
/// figure recipes receive NaN — drawn as a gap — and `metrics.tsv` shows `nan` and status `diverged`.
///
/// **Same bytes however it was run.** The TSV header is the plan's `provenance` (also the comment
/// block of `plan.tsv`), coordinates are the plan's text, and groups follow plan order, so
/// aggregating one directory, a resumed run, or shards from several directories gives identical files.
public enum Aggregator {

    /// Aggregate `plan`'s points found in `directories` (default: the plan's own sweep directory under `out`).
    public static func aggregate(_ plan: Plan, directories: [URL]) throws -> AggregateResults {
        let layouts = directories.map { RunLayout(sweepDirectory: $0) }
        var groups: [AggregateGroup] = []
        var warnings: [String] = []
        var found = 0
        var codes: [String: Int] = [:]
        for g in plan.groups {
            let records = plan.points.filter { $0.group == g.index }.compactMap { p -> PointRecord? in
                for l in layouts {
                    if let r = readRecord(p, l) { return r }
                }
                return nil
            }
            found += records.count
            for r in records { codes[r.code ?? PointRecord.unknownCode, default: 0] += 1 }
            guard !records.isEmpty else { continue }
            let (group, w) = summarise(
                records, parameters: g.parameters, coordinates: g.coordinates,
                label: plan.coordinateText(g.coordinates))
            groups.append(group)
            warnings += w
        }
        fillMissing(&groups)
        var provenance = plan.provenance
        provenance.append(recordsLine(found: found, total: plan.points.count))
        provenance += warnings.map { "warning: \($0)" }
        var results = AggregateResults(scenarioName: plan.scenario.name, groups: groups, axes: plan.axes, provenance: provenance)
        results.codeFingerprints = codes
        if let n = codeNotice(codes) { results.notices.append(n) }
        return results
    }

    /// A remark when the records do not all come from this binary's code (see `PointRecord.code`).
    static func codeNotice(_ codes: [String: Int]) -> String? {
        let foreign = codes.filter { $0.key != SimVersion.code }
        guard !foreign.isEmpty else { return nil }
        let list = codes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        return codes.count > 1
            ? "these results mix \(codes.count) code versions (records per code fingerprint: \(list); this binary is \(SimVersion.code))"
            : "these results come from other code than this binary (records per code fingerprint: \(list); this binary is \(SimVersion.code))"
    }

    static func recordsLine(found: Int, total: Int) -> String {
        "records: \(found) of \(total) runs (diverged runs excluded from statistics)"
    }

    /// Give every group every metric and series some group has; absent ones become NaN with
    /// n = 0 (a series takes the x grid of the first group that has it). See the type's notes.
    static func fillMissing(_ groups: inout [AggregateGroup]) {
        let metricNames = Set(groups.flatMap { $0.metrics.keys })
        var templates: [String: [Double]] = [:]
        for g in groups { for (k, v) in g.series where templates[k] == nil { templates[k] = v.x } }
        for i in groups.indices {
            for m in metricNames where groups[i].metrics[m] == nil {
                groups[i].metrics[m] = Summary(n: 0, mean: .nan, sd: .nan, ciLow: .nan, ciHigh: .nan, values: [])
            }
            for (k, x) in templates where groups[i].series[k] == nil {
                let nan = [Double](repeating: .nan, count: x.count)
                groups[i].series[k] = SeriesSummary(x: x, mean: nan, sd: nan, ciLow: nan, ciHigh: nan, n: 0)
            }
        }
    }

    /// Aggregate the plan's own sweep directory under `out`.
    public static func aggregate(_ plan: Plan, out: URL) throws -> AggregateResults {
        try aggregate(plan, directories: [RunLayout(out: out, plan: plan).sweepDirectory])
    }

    /// A record that is current for `p` (done marker present, parameters and seed match), else nil.
    static func readRecord(_ p: PlanPoint, _ layout: RunLayout) -> PointRecord? {
        guard FileManager.default.fileExists(atPath: layout.done(p.id).path),
            let data = FileManager.default.contents(atPath: layout.record(p.id).path),
            let r = try? Store.decoder().decode(PointRecord.self, from: data),
            r.canonical == p.canonical, r.seed == p.seed, r.replicate == p.replicate
        else { return nil }
        return r
    }

    /// Summaries of one parameter point's replicate records.
    static func summarise(
        _ records: [PointRecord], parameters: Parameters, coordinates: [String: ParamValue],
        label: String
    ) -> (AggregateGroup, [String]) {
        let ok = records.filter { $0.result.status == .ok }.sorted { $0.replicate < $1.replicate }
        var metrics: [String: Summary] = [:]
        for name in Set(ok.flatMap { $0.result.metrics.keys }) {
            metrics[name] = Summary(values: ok.map { $0.result.metrics[name] ?? .nan })
        }
        var series: [String: SeriesSummary] = [:]
        var warnings: [String] = []
        for name in Set(ok.flatMap { $0.result.series.keys }).sorted() {  // sorted: warnings in a stable order
            let curves = ok.compactMap { $0.result.series[name] }
            if let ref = curves.max(by: { $0.x.count < $1.x.count }),
                curves.contains(where: { c in !zip(c.x, ref.x).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } })
            {
                warnings.append("series `\(name)` at \(label.isEmpty ? "the single point" : label) has different x grids across replicates; aligned by index")
            }
            var summary = SeriesSummary(replicates: curves)
            // Per-seed curves aligned with the metric values (one slot per finished replicate).
            summary.replicateY = ok.map { $0.result.series[name]?.y ?? [] }
            series[name] = summary
        }
        let group = AggregateGroup(
            parameters: parameters, coordinates: coordinates, replicates: records.count,
            diverged: records.count - ok.count, metrics: metrics, series: series)
        return (group, warnings)
    }

    static func provenanceLines(_ plan: Plan) -> [String] { plan.provenance }

    // MARK: - TSV output

    /// Write `metrics.tsv` and `series_<name>.tsv` into `directory`; returns the files written.
    @discardableResult
    public static func write(_ results: AggregateResults, to directory: URL) throws -> [URL] {
        try Store.createDirectory(directory)
        let header = results.provenance.map { "# \($0)" }
        let axes = results.axes
        func coords(_ g: AggregateGroup) -> [String] { axes.map { g.coordinates[$0].map { "\($0)" } ?? "" } }
        var written: [URL] = []

        let metricNames = results.metricNames
        var lines = header
        lines.append("# n = replicates used (diverged excluded); per metric: mean, sd, 95% t-CI of the mean (nan when n < 2)")
        lines.append("# status: ok | partial (some replicates diverged) | diverged (all did: every metric is nan = missing, not 0)")
        lines.append(
            (axes + ["n", "diverged", "status"] + metricNames.flatMap { ["\($0)_mean", "\($0)_sd", "\($0)_ci_lo", "\($0)_ci_hi"] })
                .joined(separator: "\t"))
        for g in results.groups {
            let status = g.diverged == 0 ? "ok" : (g.diverged == g.replicates ? "diverged" : "partial")
            var row = coords(g) + [String(g.replicates - g.diverged), String(g.diverged), status]
            for m in metricNames {
                if let s = g.metrics[m] { row += [s.mean, s.sd, s.ciLow, s.ciHigh].map(Store.number) } else { row += Array(repeating: "nan", count: 4) }
            }
            lines.append(row.joined(separator: "\t"))
        }
        let metricsURL = directory.appendingPathComponent("metrics.tsv")
        try Store.writeAtomically(lines.joined(separator: "\n") + "\n", to: metricsURL)
        written.append(metricsURL)

        for name in results.seriesNames {
            var lines = header
            lines.append("# series `\(name)`: element-wise over replicates; n = replicates with this series")
            lines.append((axes + ["x", "mean", "sd", "ci_lo", "ci_hi", "n"]).joined(separator: "\t"))
            for g in results.groups {
                guard let s = g.series[name] else { continue }
                let c = coords(g)
                for i in s.x.indices {
                    lines.append(
                        (c + [s.x[i], s.mean[i], s.sd[i], s.ciLow[i], s.ciHigh[i]].map(Store.number) + [String(s.n)])
                            .joined(separator: "\t"))
                }
            }
            let url = directory.appendingPathComponent("series_\(fileSafe(name)).tsv")
            try Store.writeAtomically(lines.joined(separator: "\n") + "\n", to: url)
            written.append(url)
        }
        return written
    }

    static func fileSafe(_ s: String) -> String {
        String(s.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0) ? Character($0) : "_" })
    }
}

// MARK: - Aggregating existing directories

extension Aggregator {
    /// Aggregate sweep directories from their own files — `plan.tsv` for the points, their order,
    /// coordinates and provenance, `points/*.json` for the results — without needing the scenario
    /// file or the current code's defaults (so an old sweep can be re-aggregated after the
    /// experiment gained a parameter).
    ///
    /// Several directories of one sweep (shards, possibly from different machines or `--out`
    /// roots) are merged: the first directory's `plan.tsv` defines the points, records are looked
    /// up by point id in every directory. The result is byte-for-byte what aggregating a single
    /// directory holding all the records gives, and what `sim run` writes (`notices` lists any
    /// doubt, e.g. shards whose plans differ, without touching the files' content).
    public static func aggregate(sweepDirectories dirs: [URL]) throws -> AggregateResults {
        guard let first = dirs.first else { throw StoreError("no run directory given") }
        let layouts = dirs.map { RunLayout(sweepDirectory: $0) }
        let plan = try PlanFile.read(layouts[0].planFile)
        var notices: [String] = []
        for l in layouts.dropFirst() {
            guard let other = try? PlanFile.read(l.planFile) else {
                notices.append("\(l.sweepDirectory.path) has no readable plan.tsv; its records are used anyway")
                continue
            }
            if other.rows.map(\.id) != plan.rows.map(\.id) {
                throw StoreError(
                    "\(l.sweepDirectory.path) and \(first.path) hold different plans (their plan.tsv list different points): they are not shards of one sweep invocation; aggregate them separately"
                )
            }
            if other.comments != plan.comments {
                notices.append(
                    "the plan.tsv header of \(l.sweepDirectory.path) differs from \(first.path)'s (scenario path, smoke or --set written differently?); using the first"
                )
            }
        }
        let axes = plan.axes
        var order: [Int] = [], byGroup: [Int: [PointRecord]] = [:], coordText: [Int: [String]] = [:]
        var found = 0
        var codes: [String: Int] = [:]
        for row in plan.rows {
            if byGroup[row.group] == nil { order.append(row.group); byGroup[row.group] = []; coordText[row.group] = row.coordinates }
            for l in layouts {
                guard FileManager.default.fileExists(atPath: l.done(row.id).path),
                    let data = FileManager.default.contents(atPath: l.record(row.id).path),
                    let r = try? Store.decoder().decode(PointRecord.self, from: data), r.pointID == row.id
                else { continue }
                byGroup[row.group]!.append(r); found += 1
                codes[r.code ?? PointRecord.unknownCode, default: 0] += 1
                break
            }
        }
        var groups: [AggregateGroup] = [], warnings: [String] = []
        for g in order {
            guard let records = byGroup[g], let p = records.first?.parameters else { continue }
            var coords: [String: ParamValue] = [:]
            for (a, text) in zip(axes, coordText[g] ?? []) where !text.isEmpty {
                // The record's value has the declared kind; the plan's text is what the TSV must show.
                if let v = p[a], v.description == text { coords[a] = v } else { coords[a] = PlanFile.value(text) }
            }
            let label = axes.compactMap { a in coords[a].map { "\(a)=\($0)" } }.joined(separator: ", ")
            let (group, w) = summarise(records, parameters: p, coordinates: coords, label: label)
            groups.append(group); warnings += w
        }
        fillMissing(&groups)
        var provenance = plan.comments
        provenance.append(recordsLine(found: found, total: plan.rows.count))
        provenance += warnings.map { "warning: \($0)" }
        let scenarioName = first.standardizedFileURL.deletingLastPathComponent().lastPathComponent
        var results = AggregateResults(scenarioName: scenarioName, groups: groups, axes: axes, provenance: provenance)
        results.notices = notices
        results.codeFingerprints = codes
        if let n = codeNotice(codes) { results.notices.append(n) }
        return results
    }
}

/// `plan.tsv` read back: provenance comments, axes and one row per run.
public struct PlanFile: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var group: Int
        public var replicate: Int
        public var seed: UInt64
        /// Swept values as written (ParamValue descriptions), one per axis.
        public var coordinates: [String]
    }
    /// Comment lines without the leading `# ` (the plan's provenance).
    public var comments: [String]
    public var axes: [String]
    public var rows: [Row]

    public static func read(_ url: URL) throws -> PlanFile {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StoreError(
                "\(url.deletingLastPathComponent().path) is not a sweep directory: cannot read \(url.lastPathComponent) (expected runs/<scenario>/<sweep-id>/)")
        }
        var comments: [String] = [], header: [String]? = nil, rows: [Row] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") {
                var c = line.dropFirst()
                if c.hasPrefix(" ") { c = c.dropFirst() }
                comments.append(String(c)); continue
            }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if header == nil { header = cols; continue }
            guard let h = header, cols.count == h.count, let g = Int(cols[1]), let r = Int(cols[2]), let seed = UInt64(cols[3]) else {
                throw StoreError("\(url.path): malformed line `\(line)`")
            }
            rows.append(Row(id: cols[0], group: g, replicate: r, seed: seed, coordinates: Array(cols.dropFirst(4))))
        }
        guard let header, header.count >= 4, header[0] == "point_id" else {
            throw StoreError("\(url.path): missing the column header line")
        }
        return PlanFile(comments: comments, axes: Array(header.dropFirst(4)), rows: rows)
    }

    /// A plan coordinate's text back as a value whose `description` is the same text.
    static func value(_ text: String) -> ParamValue {
        if let i = Int(text) { return .int(i) }
        if let d = Double(text), ParamValue.format(d) == text { return .double(d) }
        if text == "true" || text == "false" { return .bool(text == "true") }
        return .string(text)
    }
}
