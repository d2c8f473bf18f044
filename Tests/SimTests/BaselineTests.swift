import Foundation
import Testing
@testable import Sim
@testable import LowRankPaper
@testable import ICLPaper
@testable import GraphPaper
@testable import MoEPaper
import ProvablePapers

/// Issue 14, part 3: `sim verify --baseline` compares every claim with a committed claims.tsv.
@Suite("Claims compared with a baseline")
struct BaselineTests {
    /// Three real claims with fabricated measurements (the comparison reads only ids, papers,
    /// verdicts and values).
    private static let claims: [Claim] = {
        _ = packageRoot; return Array(ClaimRegistry.claims(paper: "moe").prefix(3))
    }()

    private func outcome(_ i: Int, _ value: Double, _ lo: Double, _ hi: Double, _ verdict: ClaimVerdict) -> ClaimOutcome {
        ClaimOutcome(
            claim: Self.claims[i], measurement: ClaimMeasurement(value: value, ciLow: lo, ciHigh: hi, method: .t, seeds: 5),
            verdict: verdict, reason: nil)
    }

    /// A claims.tsv holding the given rows, in the column layout `sim verify` writes.
    private func baselineFile(_ rows: [(Int, String, Double, Double, Double)], fidelity: String = "standard") throws -> String {
        var lines = [
            "# Provable verification, fidelity \(fidelity), 2026-12-03T00:00:00Z, commit abc",
            "# comment", VerificationReport.tsvColumns.joined(separator: "\t"),
        ]
        for (i, verdict, v, lo, hi) in rows {
            var cols = VerificationReport.tsvColumns.map { _ in "" }
            cols[0] = Self.claims[i].id; cols[1] = "moe"; cols[2] = verdict
            cols[3] = VerificationReport.exact(v); cols[4] = VerificationReport.exact(lo); cols[5] = VerificationReport.exact(hi)
            lines.append(cols.joined(separator: "\t"))
        }
        let url = makeTempDirectory("baseline").appendingPathComponent("claims.tsv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("identical numbers pass with shift 0; a supported claim that stops being supported fails; an improvement does not")
    func verdictFlips() throws {
        let base = try Baseline.load(
            try baselineFile([(0, "holds", 1.0, 0.9, 1.1), (1, "holds within band", 2.0, 1.8, 2.2), (2, "inconclusive", 3.0, 2.0, 4.0)]))
        #expect(base.fidelity == "standard" && base.claims.count == 3)
        let same = BaselineComparison(
            baseline: base,
            outcomes: [
                outcome(0, 1.0, 0.9, 1.1, .holds), outcome(1, 2.0, 1.8, 2.2, .holdsWithinBand),
                outcome(2, 3.0, 2.0, 4.0, .inconclusive),
            ])
        #expect(same.passed && same.changes.allSatisfy { $0.shift == 0 }, "\(same.table)")
        // The flip: claim 0 held, now it does not hold (the value barely moved).
        let flipped = BaselineComparison(
            baseline: base,
            outcomes: [
                outcome(0, 1.05, 0.95, 1.15, .doesNotHold), outcome(1, 2.0, 1.8, 2.2, .holdsWithinBand),
                outcome(2, 3.0, 2.5, 3.5, .holds),
            ])
        #expect(!flipped.passed)
        #expect(flipped.failures.map(\.claim) == [Self.claims[0].id], "\(flipped.table)")
        #expect(flipped.failures[0].problem == "was holds, now does not hold")
        #expect(abs(flipped.changes[0].shift! - 0.5) < 1e-12)
        #expect(flipped.table.contains("holds → does not hold") && flipped.table.contains("inconclusive → holds"))
        #expect(flipped.table.contains("1 regression: \(Self.claims[0].id)"))
        // holds → inconclusive is a regression too: the claim is no longer supported.
        let widened = BaselineComparison(
            baseline: base,
            outcomes: [
                outcome(0, 1.0, 0.5, 1.5, .inconclusive), outcome(1, 2.0, 1.8, 2.2, .holdsWithinBand),
                outcome(2, 3.0, 2.0, 4.0, .inconclusive),
            ])
        #expect(widened.failures.map(\.claim) == [Self.claims[0].id])
    }

    @Test("a value that moves by more than --max-shift baseline half-widths fails even when the verdict holds")
    func valueShift() throws {
        let base = try Baseline.load(try baselineFile([(0, "holds", 1.0, 0.9, 1.1)]))
        let small = BaselineComparison(baseline: base, outcomes: [outcome(0, 1.29, 1.2, 1.4, .holds)])
        #expect(small.passed && abs(small.changes[0].shift! - 2.9) < 1e-9)
        let large = BaselineComparison(baseline: base, outcomes: [outcome(0, 1.31, 1.2, 1.4, .holds)])
        #expect(!large.passed && large.failures[0].problem!.contains("+3.10 baseline half-widths"))
        #expect(BaselineComparison(baseline: base, outcomes: [outcome(0, 1.31, 1.2, 1.4, .holds)], maxShift: 4).passed)
        // Pandas-ready TSV of the comparison.
        let tsv = large.tsv.split(separator: "\n")
        #expect(tsv[1] == "claim\tverdict_before\tverdict_after\tvalue_before\tvalue_after\tshift\tproblem")
        #expect(tsv[2].hasPrefix("\(Self.claims[0].id)\tholds\tholds\t1\t1.3100000000000001\t3.09999"))
    }

    @Test("a removed claim that was supported fails; new claims and other papers' claims do not")
    func removedAndNew() throws {
        let base = try Baseline.load(try baselineFile([(0, "holds", 1.0, 0.9, 1.1), (1, "holds", 2.0, 1.9, 2.1)]))
        let c = BaselineComparison(baseline: base, outcomes: [outcome(0, 1.0, 0.9, 1.1, .holds), outcome(2, 5, 4, 6, .holds)])
        #expect(c.failures.map(\.claim) == [Self.claims[1].id] && c.failures[0].problem!.contains("no longer declared"))
        #expect(c.changes.contains { $0.claim == Self.claims[2].id && $0.before == nil && $0.problem == nil })
    }

    @Test("a malformed baseline is an error naming the file and line")
    func malformed() throws {
        let dir = makeTempDirectory("bad-baseline")
        let bad = dir.appendingPathComponent("claims.tsv")
        try "claim\tverdict\nx\tholds\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: StoreError.self) { try Baseline.load(bad.path) }
        do { _ = try Baseline.load(bad.path) } catch { #expect("\(error)".contains("claims.tsv:1: the header has no `paper` column"), "\(error)") }
        let good = try baselineFile([(0, "holds", 1, 0.9, 1.1)])
        var text = try String(contentsOfFile: good, encoding: .utf8)
        text = text.replacingOccurrences(of: "\tholds\t1\t", with: "\tmaybe\t1\t")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        do { _ = try Baseline.load(dir.path); Issue.record("no error") } catch {
            #expect("\(error)".contains("claims.tsv:4: column verdict: `maybe`"), "\(error)")
        }
        do { _ = try Baseline.load(dir.appendingPathComponent("nope").path); Issue.record("no error") } catch { #expect("\(error)".contains("no such file")) }
    }
}
