import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic file replacement: readers (a README viewer, a concurrent `sim figures`) see either the
/// old file or the complete new one, never a half-written file.
enum AtomicFile {

    static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Writes to a temporary sibling, then `rename(2)`s it over `url` (same directory, hence the
    /// same file system, so the rename is atomic).
    static func write(_ data: Data, to url: URL) throws {
        let temp = temporarySibling(of: url)
        do {
            try data.write(to: temp)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw FigureError.io("cannot write \(temp.path): \(error)")
        }
        try moveIntoPlace(temp, url)
    }

    /// A hidden, unique name next to `url`, e.g. `.fig.png.tmp-1A2B3C4D`.
    static func temporarySibling(of url: URL) -> URL {
        let tag = UUID().uuidString.prefix(8)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(tag)")
    }

    /// Renames `temp` over `destination`, replacing it; removes `temp` on failure.
    static func moveIntoPlace(_ temp: URL, _ destination: URL) throws {
        if rename(temp.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw FigureError.io("cannot rename \(temp.path) to \(destination.path): \(reason)")
        }
    }
}
