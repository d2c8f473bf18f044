import Foundation

/// One slice of a plan, for running a sweep on several machines (`sim run --shard i/n`).
///
/// Shard `i` of `n` (0-based, so `SLURM_ARRAY_TASK_ID` with `--array=0-(n-1)` can be passed
/// through) takes every n-th point of the plan **sorted by point id**, starting at the i-th.
/// Point ids are content hashes, so the slice is a pseudo-random, balanced (sizes differ by at
/// most one) and fully deterministic function of the plan: it does not depend on `--jobs`, on the
/// machine, or on the order the shards run in, and the n shards cover every point exactly once.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0-based shard index, `0 ..< count`.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ShardError("the shard count must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw ShardError("the shard index must be in 0…\(count - 1) (shards are numbered from 0, like SLURM_ARRAY_TASK_ID), got \(index)")
        }
        self.index = index; self.count = count
    }

    /// Parse `i/n`, e.g. `0/3`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
            let n = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            throw ShardError("expected a shard as `i/n` (0-based index / number of shards, e.g. 0/3), found `\(text)`")
        }
        try self.init(index: i, count: n)
    }

    /// `i/n`.
    public var description: String { "\(index)/\(count)" }

    /// The shard's points, in plan order.
    public func select(_ points: [PlanPoint]) -> [PlanPoint] {
        let ids = points.map(\.id).sorted()
        var mine = Set<String>()
        for (k, id) in ids.enumerated() where k % count == index { mine.insert(id) }
        return points.filter { mine.contains($0.id) }
    }
}

public struct ShardError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
