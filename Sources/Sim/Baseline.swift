import Foundation

/// One claim of a committed `claims.tsv` (`sim verify --baseline`).
public struct BaselineClaim: Sendable, Equatable {
    public var claim: String
    public var paper: String
    public var verdict: String
    public var value: Double
    public var ciLow: Double
    public var ciHigh: Double

    public var isSupported: Bool { ClaimVerdict(rawValue: verdict)?.isSupported ?? false }
    /// Half the width of the 95% interval: the unit value shifts are measured in.
    public var halfWidth: Double { (ciHigh - ciLow) / 2 }
}

/// The claims of an earlier verification, read from its `claims.tsv` (a file, or a report directory
/// holding one). Only the columns a comparison needs are read, by name, so a baseline written by an
/// older version with other columns still loads.
public struct Baseline: Sendable {
    public var path: String
    /// `standard`, `smoke`, `full`, from the first comment line (nil: not stated).
    public var fidelity: String?
    public var claims: [BaselineClaim]

    public static func load(_ path: String) throws -> Baseline {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError("--baseline \(path): no such file or directory (give a claims.tsv or the report directory holding one)")
        }
        let file = isDirectory.boolValue ? URL(fileURLWithPath: path).appendingPathComponent("claims.tsv").path : path
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw StoreError("--baseline \(file): cannot read it as UTF-8 text (expected the claims.tsv `sim verify` writes)")
        }
        var fidelity: String?
        var header: [String]?
        var claims: [BaselineClaim] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            if line.hasPrefix("#") {
                if fidelity == nil, let r = line.range(of: "fidelity ") {
                    fidelity = String(line[r.upperBound...].prefix { $0.isLetter })
                }
                continue
            }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let h = header else {
                for needed in ["claim", "paper", "verdict", "value", "ci_lo", "ci_hi"] where !cols.contains(needed) {
                    throw StoreError("\(file):\(n + 1): the header has no `\(needed)` column (is this a claims.tsv from `sim verify`?)")
                }
                header = cols
                continue
            }
            guard cols.count == h.count else {
                throw StoreError("\(file):\(n + 1): \(cols.count) columns, the header has \(h.count)")
            }
            let row = Dictionary(uniqueKeysWithValues: zip(h, cols))
            func number(_ key: String) throws -> Double {
                let s = row[key]!
                switch s {
                case "nan", "": return .nan
                case "inf": return .infinity
                case "-inf": return -.infinity
                default:
                    guard let v = Double(s) else { throw StoreError("\(file):\(n + 1): column \(key): `\(s)` is not a number") }
                    return v
                }
            }
            let verdict = row["verdict"]!
            guard ClaimVerdict(rawValue: verdict) != nil else {
                throw StoreError(
                    "\(file):\(n + 1): column verdict: `\(verdict)` is not one of \(ClaimVerdict.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            claims.append(
                BaselineClaim(
                    claim: row["claim"]!, paper: row["paper"]!, verdict: verdict,
                    value: try number("value"), ciLow: try number("ci_lo"), ciHigh: try number("ci_hi")))
        }
        guard header != nil else { throw StoreError("--baseline \(file): no header line (expected the claims.tsv `sim verify` writes)") }
        return Baseline(path: file, fidelity: fidelity, claims: claims)
    }
}

/// How one claim moved between the baseline and this run.
public struct ClaimChange: Sendable {
    public var claim: String
    public var before: BaselineClaim?
    /// nil: the claim's paper was verified now but the claim is gone.
    public var after: ClaimOutcome?
    /// (value now − value then) / the baseline's interval half-width; nil when either value is not
    /// finite or the baseline interval has zero width.
    public var shift: Double?
    /// Why this change fails the comparison (nil: acceptable).
    public var problem: String?

    public var verdictText: String {
        let a = before?.verdict ?? "new", b = after?.verdict.rawValue ?? "gone"
        return a == b ? a : "\(a) → \(b)"
    }
}

/// `sim verify --baseline`: each claim of this run against the committed baseline. A comparison fails
/// when a claim the baseline supported (holds, holds within band) is no longer supported or was
/// removed, or when a value moved by more than `maxShift` baseline half-widths. Claims that improved,
/// new claims, and claims of papers not verified now are reported and do not fail it.
public struct BaselineComparison: Sendable {
    public var baseline: Baseline
    public var maxShift: Double
    public var changes: [ClaimChange]

    public var failures: [ClaimChange] { changes.filter { $0.problem != nil } }
    public var passed: Bool { failures.isEmpty }

    /// The default `--max-shift`: three half-widths. Re-running unchanged code gives 0 exactly (same
    /// seeds); a change that only reshuffles the random streams moves a value by about √2 standard
    /// errors ≈ 0.7 half-widths, so 3 is ≈ 4 standard deviations of that noise — a real change.
    public static let defaultMaxShift = 3.0

    public init(baseline: Baseline, outcomes: [ClaimOutcome], maxShift: Double = BaselineComparison.defaultMaxShift) {
        self.baseline = baseline
        self.maxShift = maxShift
        var byID: [String: BaselineClaim] = [:]
        for c in baseline.claims { byID[c.claim] = c }
        var changes: [ClaimChange] = []
        for o in outcomes {
            let before = byID[o.claim.id]
            var change = ClaimChange(claim: o.claim.id, before: before, after: o, shift: nil, problem: nil)
            if let before {
                if let m = o.measurement, m.value.isFinite, before.value.isFinite, before.halfWidth.isFinite {
                    let delta = m.value - before.value
                    if delta == 0 { change.shift = 0 } else if before.halfWidth > 0 { change.shift = delta / before.halfWidth }
                }
                if before.isSupported && !o.verdict.isSupported {
                    change.problem = "was \(before.verdict), now \(o.verdict.rawValue)"
                } else if let s = change.shift, abs(s) > maxShift {
                    change.problem = String(format: "moved by %+.2f baseline half-widths (more than %.2f)", s, maxShift)
                }
            }
            changes.append(change)
        }
        let verified = Set(outcomes.map(\.claim.paper)), present = Set(outcomes.map(\.claim.id))
        for c in baseline.claims where verified.contains(c.paper) && !present.contains(c.claim) {
            changes.append(
                ClaimChange(
                    claim: c.claim, before: c, after: nil, shift: nil,
                    problem: c.isSupported ? "in the baseline (\(c.verdict)) but no longer declared" : nil))
        }
        self.changes = changes
    }

    /// One line per claim: id, verdict change, value then → now, shift; then the outcome.
    public var table: String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        func num(_ v: Double?) -> String { v.map { $0.isFinite ? String(format: "%.4g", $0) : "\($0)" } ?? "—" }
        var lines = ["baseline \(baseline.path)" + (baseline.fidelity.map { " (fidelity \($0))" } ?? "")]
        for c in changes {
            let shift = c.shift.map { String(format: "%+.2f", $0) } ?? "n/a"
            lines.append(
                pad(c.claim, 18) + pad(c.verdictText, 38) + pad("\(num(c.before?.value)) → \(num(c.after?.measurement?.value))", 30)
                    + "shift " + pad(shift, 8) + (c.problem.map { "FAIL: \($0)" } ?? ""))
        }
        let moved = changes.filter { ($0.shift ?? 0) != 0 }.count
        let flipped = changes.filter { $0.before != nil && $0.after != nil && $0.before!.verdict != $0.after!.verdict.rawValue }.count
        lines.append(
            "baseline: \(changes.count) claims compared, \(flipped) verdict change\(flipped == 1 ? "" : "s"), \(moved) value\(moved == 1 ? "" : "s") moved, "
                + (passed
                    ? "no regression (max shift \(String(format: "%.2f", maxShift)) half-widths)"
                    : "\(failures.count) regression\(failures.count == 1 ? "" : "s"): " + failures.map(\.claim).joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }

    /// `baseline.tsv` beside the report: one row per claim, for pandas.
    public var tsv: String {
        var lines = [
            "# sim verify --baseline \(baseline.path); shift = (value − baseline value) / baseline half-width; max shift \(maxShift)",
            ["claim", "verdict_before", "verdict_after", "value_before", "value_after", "shift", "problem"].joined(separator: "\t"),
        ]
        for c in changes {
            lines.append(
                [
                    c.claim, c.before?.verdict ?? "", c.after?.verdict.rawValue ?? "",
                    c.before.map { VerificationReport.exact($0.value) } ?? "", c.after?.measurement.map { VerificationReport.exact($0.value) } ?? "",
                    c.shift.map { VerificationReport.exact($0) } ?? "", c.problem ?? "",
                ].joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
