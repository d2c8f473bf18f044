import Foundation
import Testing

/// The release build keeps bounds, overflow and precondition checks (issue 14): no target may be
/// compiled with `-Ounchecked`, so a programming error traps instead of giving a wrong number.
/// Only the manifest's code counts; its comments quote the measured cost of the checks.
@Suite("Build flags")
struct BuildFlagsTests {
    @Test("Package.swift builds with -O, never -Ounchecked")
    func checkedArithmetic() throws {
        let manifest = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let code = manifest.split(separator: "\n").map { line -> Substring in
            guard let comment = line.range(of: "//") else { return line }
            return line[..<comment.lowerBound]
        }
        #expect(!code.contains { $0.contains("Ounchecked") }, "a target is built with -Ounchecked")
        #expect(code.contains { $0.contains("unsafeFlags([\"-O\"") }, "the release flags no longer start with -O")
    }
}
