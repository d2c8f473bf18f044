import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the runner reports progress on stderr.
public enum ProgressMode: Sendable {
    /// One updating line on a terminal; periodic plain lines otherwise (logs, CI).
    case auto
    /// Always periodic plain lines.
    case lines
    /// Nothing (tests, library use).
    case silent
}

/// Progress and failure reporting for a sweep. Thread-safe; workers call `pointFinished` /
/// `message`, the runner's waiting thread calls `tick` a few times a second.
///
/// On a TTY it redraws `[done/total] failed f · elapsed · ETA` in place. Elsewhere it prints that
/// line at each 10% of the work and at least every 30 s, so logs stay short but never go silent.
/// Failures are printed as they happen in both modes.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let label: String
    private let live: Bool
    private let silent: Bool
    private let start = Date()
    private var done = 0, failed = 0, diverged = 0
    private var lastPrint = Date.distantPast
    private var lastDecile = 0
    private var lineShown = false

    init(label: String, total: Int, mode: ProgressMode) {
        self.label = label
        self.total = total
        self.silent = mode == .silent
        self.live = mode == .auto && isatty(STDERR_FILENO) != 0
    }

    func pointFinished(failed f: Bool, diverged d: Bool) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        if f { failed += 1 }
        if d { diverged += 1 }
        if !live { printPeriodic(force: false) }
    }

    /// A line that must not be lost (a failure, a warning), printed above the live line.
    func message(_ text: String) {
        guard !silent else { return }
        lock.lock(); defer { lock.unlock() }
        if live && lineShown { write("\r\u{1B}[K") }
        write(text + "\n")
        if live { drawLive() }
    }

    func tick() {
        guard !silent else { return }
        lock.lock(); defer { lock.unlock() }
        if live { drawLive() } else { printPeriodic(force: false) }
    }

    func finish() {
        guard !silent else { return }
        lock.lock(); defer { lock.unlock() }
        if live { drawLive(); write("\n"); lineShown = false } else if lastDecile < 10 || done == 0 { printPeriodic(force: true) }
    }

    // MARK: private (lock held)

    private func statusLine() -> String {
        let elapsed = Date().timeIntervalSince(start)
        var s = "\(label) [\(done)/\(total)]"
        if failed > 0 { s += " failed \(failed)" }
        if diverged > 0 { s += " diverged \(diverged)" }
        s += " · \(Self.duration(elapsed))"
        if done > 0 && done < total {
            s += " · ETA \(Self.duration(elapsed / Double(done) * Double(total - done)))"
        }
        return s
    }

    private func drawLive() {
        guard !silent else { return }
        write("\r\u{1B}[K" + statusLine())
        lineShown = true
    }

    private func printPeriodic(force: Bool) {
        guard !silent, total > 0 else { return }
        let decile = done * 10 / total
        let now = Date()
        if force || decile > lastDecile || now.timeIntervalSince(lastPrint) >= 30 {
            lastDecile = max(lastDecile, decile)
            lastPrint = now
            write(statusLine() + "\n")
        }
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    /// 42s, 3m05s, 1h02m.
    static func duration(_ t: Double) -> String {
        guard t.isFinite else { return "?" }
        let s = Int(t.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
