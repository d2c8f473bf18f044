import Testing
import Foundation
import ProvableNumerics
@testable import DataModels

/// T1/T2 of spec `graph-transformer.md` §5.8 and the real-graph loader.
@Suite("Graph data model")
struct GraphNodesTests {
    @Test("4-regular graph on 2000 nodes: simple, connected, shells ≈ 4 / 12 / ~35")
    func shells() throws {
        let data = try GraphNodes(config: .init(), seed: 1)
        #expect((0..<2000).allSatisfy { data.graph.degree($0) == 4 })
        #expect(abs(data.hoods.meanShellSize(1) - 4) < 1e-9)
        #expect(abs(data.hoods.meanShellSize(2) - 12) < 0.3)
        #expect(abs(data.hoods.meanShellSize(3) - 35) < 2)
    }

    @Test("Assumption 1: every eligible node's label is its core-ring majority (Δ_n(z_m) > 0)")
    func assumptionOne() throws {
        let data = try GraphNodes(config: .init(), seed: 2)
        for n in data.eligible {
            var vote = 0
            for k in data.hoods.offsets[n]..<data.hoods.offsets[n + 1] where data.hoods.distance[k] == 2 {
                let p = data.pattern[Int(data.hoods.members[k])]
                vote += p == 0 ? 1 : (p == 1 ? -1 : 0)
            }
            #expect(Double(vote.signum()) == data.labels[n])
        }
        let frac = Double(data.eligible.count) / 2000
        #expect(abs(frac - 0.83) < 0.05, "eligible fraction \(frac)")
        let disc = Double(data.pattern.filter { $0 < 2 }.count) / 2000
        #expect(abs(disc - 0.5) < 0.04)
    }

    @Test("Erdős–Rényi mean degree; BFS distances agree with a reference BFS")
    func erdosRenyi() throws {
        var c = GraphNodes.Config()
        c.family = .erdosRenyi; c.nodes = 3000
        let data = try GraphNodes(config: c, seed: 3)
        let mean = Double(data.graph.neighbors.count) / 3000
        #expect(abs(mean - 4) < 0.2, "mean degree \(mean)")
        // Reference BFS from node 0.
        var dist = [Int](repeating: -1, count: 3000); dist[0] = 0
        var queue = [0], head = 0
        while head < queue.count {
            let u = queue[head]; head += 1
            for i in data.graph.offsets[u]..<data.graph.offsets[u + 1] {
                let v = Int(data.graph.neighbors[i])
                if dist[v] < 0 { dist[v] = dist[u] + 1; queue.append(v) }
            }
        }
        let hood = (data.hoods.offsets[0]..<data.hoods.offsets[1]).map { (Int(data.hoods.members[$0]), Int(data.hoods.distance[$0])) }
        #expect(hood.count == dist.filter { $0 >= 0 && $0 <= 3 }.count)
        for (v, z) in hood { #expect(dist[v] == z) }
    }

    @Test("planted ego-trees: exact discriminative counts and core margin ρ")
    func planted() throws {
        var c = GraphNodes.Config()
        c.family = .planted; c.nodes = 50; c.gammaD = 0.5; c.margin = 0.6
        let data = try GraphNodes(config: c, seed: 4)
        #expect(data.eligible.count == 50)
        for root in data.eligible {
            let ring = (data.hoods.offsets[root]..<data.hoods.offsets[root + 1]).filter { data.hoods.distance[$0] == 2 }.map {
                data.pattern[Int(data.hoods.members[$0])]
            }
            #expect(ring.count == 12)
            let win = data.labels[root] > 0 ? 0 : 1
            #expect(ring.filter { $0 == win }.count == 5 && ring.filter { $0 == 1 - win }.count == 1)
        }
    }

    @Test("the shipped karate-club graph loads: 34 nodes, 78 edges, two factions")
    func karate() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/karate")
        let g = try GraphNodes.load(directory: dir, radius: 3, seed: 1)
        #expect(g.graph.nodeCount == 34 && g.graph.edgeCount == 78)
        #expect(g.labels.filter { $0 > 0 }.count == 17 && g.labels.filter { $0 < 0 }.count == 17)
    }

    @Test("malformed graph files give an error naming the file and line")
    func malformed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("provable-badgraph-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "0 1.0 2.0\n1 0.5 0.5\n".write(to: dir.appendingPathComponent("features.tsv"), atomically: true, encoding: .utf8)
        try "0 1\n# comment\n1 7\n".write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "0 1\n1 -1\n".write(to: dir.appendingPathComponent("labels.tsv"), atomically: true, encoding: .utf8)
        #expect { try GraphNodes.load(directory: dir, radius: 2, seed: 1) } throws: { e in
            "\(e)".contains("edges.tsv:3") && "\(e)".contains("node ≥ 2")
        }
        try "0 1\n1 0\n".write(to: dir.appendingPathComponent("edges.tsv"), atomically: true, encoding: .utf8)
        try "0 1\n1 maybe\n".write(to: dir.appendingPathComponent("labels.tsv"), atomically: true, encoding: .utf8)
        #expect { try GraphNodes.load(directory: dir, radius: 2, seed: 1) } throws: { e in "\(e)".contains("labels.tsv:2") }
    }
}
