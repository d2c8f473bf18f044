import BuildInfo
import Foundation

/// Where one point of a sweep stands, from the files in its sweep directory (or directories, for
/// shards): `sim status`.
public enum PointState: String, Sendable, CaseIterable, Comparable {
    /// Finished with a result (`.done`, status ok).
    case done
    /// Finished, but the run diverged (NaN/∞ or exploding loss): recorded with its step.
    case diverged
    /// A live process is running it (`.running` with a live pid, or one on another host).
    case running
    /// The run threw (`.failed`); retried by the next `sim run`.
    case failed
    /// Stopped by SIGINT/SIGTERM (`.interrupted`) or its process died (stale `.running`); re-run on resume.
    case interrupted
    /// Not started.
    case pending

    public static func < (a: PointState, b: PointState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The state of every point of a sweep, for `sim status`.
public struct SweepStatus: Sendable {
    public struct Point: Sendable {
        public var id: String
        public var group: Int
        public var replicate: Int
        /// `n_rel=4, m=200` (from `plan.tsv`).
        public var coordinates: String
        public var state: PointState
        /// First error line (failed), step and note (diverged), pid/host (running), reason (interrupted).
        public var detail: String?
        /// Code fingerprint of a finished point's record (`PointRecord.unknownCode` if it has none).
        public var code: String? = nil
    }

    public var directories: [URL]
    /// Provenance lines of the plan (`plan.tsv` comments).
    public var provenance: [String]
    public var points: [Point]

    public func count(_ s: PointState) -> Int { points.lazy.filter { $0.state == s }.count }
    /// The fingerprint finished points are compared with (the running binary's).
    public var currentCode: String = BuildInfo.codeFingerprint
    /// Finished points whose record came from other code: `sim run` re-runs them (unless `--reuse-stale`).
    public var stale: Int { points.lazy.filter { $0.code != nil && $0.code != currentCode }.count }
    /// Fingerprint → finished points with it.
    public var codes: [String: Int] {
        var c: [String: Int] = [:]
        for p in points { if let code = p.code { c[code, default: 0] += 1 } }
        return c
    }
    public var isComplete: Bool { points.allSatisfy { $0.state == .done || $0.state == .diverged } }

    /// `done 10 · running 2 · failed 1 · diverged 0 · interrupted 0 · pending 5`, then one line per
    /// point that is not done or pending (failed ones with their first error line).
    public var summary: String {
        let counts = PointState.allCases.map { "\($0.rawValue) \(count($0))" }.joined(separator: " · ")
        var lines = ["\(directories.map(\.path).joined(separator: " + ")): \(points.count) runs — \(counts) · stale \(stale)"]
        let codes = self.codes
        if !codes.isEmpty {
            let list = codes.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value)\($0.key == currentCode ? ", this binary" : ""))" }
            lines.append("  code fingerprints of finished points: " + list.joined(separator: ", "))
        }
        if stale > 0 {
            lines.append(
                "  stale: \(stale) finished point\(stale == 1 ? " was" : "s were") produced by other code than this binary (\(currentCode)); `sim run` re-runs them, `--reuse-stale` keeps them"
            )
        }
        for state in [PointState.failed, .diverged, .interrupted, .running] {
            for p in points where p.state == state {
                let coords = p.coordinates.isEmpty ? "" : p.coordinates + ", "
                lines.append(
                    "  \(state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(p.id) (\(coords)replicate \(p.replicate))"
                        + (p.detail.map { ": \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Read the status of a sweep from one directory or several shard directories of the same
    /// sweep (the first one's `plan.tsv` lists the points; a point counts as finished if any
    /// directory has it finished).
    public static func scan(_ dirs: [URL]) throws -> SweepStatus {
        guard let first = dirs.first else { throw StoreError("no run directory given") }
        let plan = try PlanFile.read(RunLayout(sweepDirectory: first).planFile)
        let layouts = dirs.map { RunLayout(sweepDirectory: $0) }
        var points: [Point] = []
        points.reserveCapacity(plan.rows.count)
        for row in plan.rows {
            let coords = zip(plan.axes, row.coordinates).filter { !$0.1.isEmpty }.map { "\($0)=\($1)" }.joined(separator: ", ")
            var best: (PointState, String?) = (.pending, nil)
            var where_: RunLayout? = nil
            for l in layouts {
                let s = state(of: row.id, in: l)
                if s.0 < best.0 { best = s; where_ = l }
            }
            var code: String? = nil
            if best.0 == .done || best.0 == .diverged, let l = where_ {
                code =
                    FileManager.default.contents(atPath: l.record(row.id).path)
                    .flatMap { try? Store.decoder().decode(CodeHead.self, from: $0) }.map { $0.code ?? PointRecord.unknownCode }
                    ?? PointRecord.unknownCode
            }
            points.append(
                Point(
                    id: row.id, group: row.group, replicate: row.replicate, coordinates: coords,
                    state: best.0, detail: best.1, code: code))
        }
        return SweepStatus(directories: dirs, provenance: plan.comments, points: points)
    }

    /// One point's state in one directory, with its detail line.
    public static func state(of id: String, in layout: RunLayout) -> (PointState, String?) {
        let fm = FileManager.default
        if let data = fm.contents(atPath: layout.done(id).path) {
            let marker = try? Store.decoder().decode(CompletionMarker.self, from: data)
            if marker?.status == .diverged {
                let result = fm.contents(atPath: layout.record(id).path).flatMap { try? Store.decoder().decode(ResultHead.self, from: $0) }
                return (.diverged, Runner.divergenceText(step: result?.result.divergedAtStep, note: result?.result.note))
            }
            return (.done, nil)
        }
        if let data = fm.contents(atPath: layout.running(id).path) {
            if let m = try? Store.decoder().decode(RunningMarker.self, from: data) {
                switch m.isAlive {
                case true?: return (.running, "pid \(m.pid) on \(m.host) since \(m.started)")
                case nil: return (.running, "on host \(m.host) (pid \(m.pid), since \(m.started))")
                case false?: return (.interrupted, "process \(m.pid) on \(m.host) ended without finishing it (killed?)")
                }
            }
            return (.interrupted, "unreadable .running marker")
        }
        if let text = try? String(contentsOf: layout.failed(id), encoding: .utf8) {
            return (.failed, firstErrorLine(text))
        }
        if let data = fm.contents(atPath: layout.interrupted(id).path) {
            let m = try? Store.decoder().decode(InterruptedMarker.self, from: data)
            return (.interrupted, m.map { "\($0.reason) (\($0.date))" })
        }
        return (.pending, nil)
    }

    /// The first line of the error in a `.failed` file (the text after `error: `).
    static func firstErrorLine(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let i = lines.firstIndex(where: { $0.hasPrefix("error: ") }) {
            return String(lines[i].dropFirst("error: ".count))
        }
        return lines.first { !$0.isEmpty }.map(String.init) ?? "(empty .failed file)"
    }

    private struct CodeHead: Decodable {
        var code: String?
        enum CodingKeys: String, CodingKey { case code = "code_fingerprint" }
    }

    private struct ResultHead: Decodable {
        struct R: Decodable { var divergedAtStep: Int?; var note: String? }
        var result: R
    }
}
