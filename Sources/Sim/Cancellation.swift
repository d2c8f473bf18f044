import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread-safe "please stop" flag shared by the runner and the runs it starts.
///
/// The runner stops handing out points once it is set, and each running experiment sees it through
/// `RunContext.isCancelled` and throws `RunCancelled` at its next check; the runner then marks the
/// point `.interrupted` (nothing half-done is marked finished) and a re-run resumes where this one
/// stopped.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var why: String?

    public init() {}

    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }

    /// Why the flag was set (`SIGTERM`, …), recorded in `.interrupted` markers.
    public var reason: String? { lock.lock(); defer { lock.unlock() }; return why }

    public func cancel(reason: String? = nil) {
        lock.lock()
        if !cancelled { why = reason }
        cancelled = true
        lock.unlock()
    }
}

/// Signal handling for the CLI: the first SIGINT, SIGTERM or SIGHUP sets the flag (graceful stop:
/// running points are marked interrupted, finished ones are kept, re-run to resume); a second
/// signal exits immediately with status 128 + signal (stale `.running` markers are then counted as
/// interrupted by `sim status` and re-run by the next `sim run`).
///
/// SIGTERM is what Slurm sends at a job's time limit and on `scancel`, and what `kill` sends by default.
public enum InterruptHandler {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var count = 0
    nonisolated(unsafe) private static var first: Int32?
    private static let lock = NSLock()

    /// The first signal received (nil: none).
    public static var receivedSignal: Int32? { lock.lock(); defer { lock.unlock() }; return first }

    /// Route SIGINT, SIGTERM and SIGHUP to `flag`. Call once, before a run starts.
    public static func install(cancelling flag: CancellationFlag) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: DispatchQueue.global())
            s.setEventHandler { handle(sig, flag: flag) }
            s.resume()
            sources.append(s)
        }
    }

    private static func handle(_ sig: Int32, flag: CancellationFlag) {
        lock.lock()
        count += 1
        let n = count
        if first == nil { first = sig }
        lock.unlock()
        let name = signalName(sig)
        if n == 1 {
            flag.cancel(reason: name)
            FileHandle.standardError.write(
                Data(
                    "\n\(name): no new points will start; running ones stop at their next check and are marked interrupted (send it again to quit now)\n".utf8))
        } else {
            FileHandle.standardError.write(Data("\n\(name): quitting now\n".utf8))
            exit(128 + sig)
        }
    }

    public static func signalName(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(sig)"
        }
    }
}
