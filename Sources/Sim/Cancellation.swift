import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread-safe "please stop" flag shared by the runner and the runs it starts.
///
/// The runner stops handing out points once it is set, and each running experiment sees it through
/// `RunContext.isCancelled` and throws `RunCancelled` at its next check, so nothing half-done is
/// marked finished and a re-run resumes where this one stopped.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }

    public func cancel() { lock.lock(); cancelled = true; lock.unlock() }
}

/// Ctrl-C handling for the CLI: the first SIGINT sets the flag (graceful stop, resumable), a second
/// one exits immediately with status 130.
public enum InterruptHandler {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?
    nonisolated(unsafe) private static var count = 0

    /// Route SIGINT to `flag`. Call once, before a run starts.
    public static func install(cancelling flag: CancellationFlag) {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue.global())
        s.setEventHandler {
            count += 1
            if count == 1 {
                flag.cancel()
                FileHandle.standardError.write(Data(
                    "\ninterrupt: no new points will start; running ones stop at their next check (Ctrl-C again to quit now)\n".utf8))
            } else {
                FileHandle.standardError.write(Data("\ninterrupt: quitting\n".utf8))
                exit(130)
            }
        }
        s.resume()
        source = s
    }
}
