import Foundation
import ProvableNumerics

/// Data model of the graph-transformer paper (spec `graph-transformer.md` §2): one graph whose nodes
/// carry noisy copies of discriminative (μ_+, μ_−) or non-discriminative patterns; a node's label is
/// the majority vote of the discriminative nodes at exactly the core distance z_m.
///
/// Symbols: N nodes · r degree · Z attention radius (PE length Z + 1) · z_m core distance · d feature
/// dim · M patterns (μ_+ = e_0, μ_− = e_1, v_j = e_{j+1}) · γ_d discriminative fraction · τ noise ·
/// ε_0 label-noise fraction · ρ core-vote margin (planted variant).
/// Neighbourhoods are stored sparsely (CSR: each node's nodes within distance Z and their distances),
/// so memory and time grow with the edges within distance Z, not with N².

/// An undirected graph in CSR form.
public struct Graph: Sendable {
    public let nodeCount: Int
    public let offsets: [Int]  // N + 1
    public let neighbors: [Int32]

    public init(nodeCount n: Int, edges: [(Int, Int)]) {
        var deg = [Int](repeating: 0, count: n)
        for (u, v) in edges where u != v { deg[u] += 1; deg[v] += 1 }
        var off = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { off[i + 1] = off[i] + deg[i] }
        var fill = off
        var nb = [Int32](repeating: 0, count: off[n])
        for (u, v) in edges where u != v {
            nb[fill[u]] = Int32(v); fill[u] += 1
            nb[fill[v]] = Int32(u); fill[v] += 1
        }
        nodeCount = n; offsets = off; neighbors = nb
    }

    public func degree(_ n: Int) -> Int { offsets[n + 1] - offsets[n] }
    public var edgeCount: Int { neighbors.count / 2 }

    /// Random r-regular simple graph: the configuration model with Steger–Wormald pairing (draw two
    /// free stubs; keep the pair only if it is neither a loop nor a repeated edge), restarted on a dead
    /// end or a disconnected result. Whole-draw rejection would fail ~98% of the time at r = 4.
    public static func randomRegular(nodes n: Int, degree r: Int, rng: inout RNG) throws -> Graph {
        guard n * r % 2 == 0, r < n else { throw GraphError("a \(r)-regular graph on \(n) nodes needs N·r even and r < N") }
        for _ in 0..<100 {
            var stubs = (0..<(n * r)).map { $0 / r }
            var seen = Set<Int>()
            var edges: [(Int, Int)] = []
            edges.reserveCapacity(n * r / 2)
            var stuck = false
            while !stubs.isEmpty && !stuck {
                stuck = true
                for _ in 0..<(50 + stubs.count) {
                    let i = rng.int(below: stubs.count), j = rng.int(below: stubs.count)
                    let u = stubs[i], v = stubs[j]
                    let key = min(u, v) * n + max(u, v)
                    if i == j || u == v || seen.contains(key) { continue }
                    seen.insert(key); edges.append((u, v))
                    // Remove both stubs (larger index first so the smaller stays valid).
                    for k in [max(i, j), min(i, j)] { stubs.swapAt(k, stubs.count - 1); stubs.removeLast() }
                    stuck = false
                    break
                }
            }
            if stuck { continue }
            let g = Graph(nodeCount: n, edges: edges)
            if g.isConnected { return g }
        }
        throw GraphError("no simple connected \(r)-regular graph on \(n) nodes after 100 attempts")
    }

    /// Erdős–Rényi G(n, p) with p = meanDegree / (n − 1) (geometric skipping: O(edges)).
    public static func erdosRenyi(nodes n: Int, meanDegree c: Double, rng: inout RNG) -> Graph {
        let p = min(1, c / Double(max(n - 1, 1)))
        var edges: [(Int, Int)] = []
        guard p > 0 else { return Graph(nodeCount: n, edges: []) }
        // Enumerate pairs (u < v) in order, skipping geometrically distributed gaps.
        var v = 1, w = -1
        let lp = log(1 - p)
        while v < n {
            let skip = p >= 1 ? 0 : Int(floor(log(rng.uniformPositive()) / lp))
            w += 1 + skip
            while w >= v && v < n { w -= v; v += 1 }
            if v < n { edges.append((w, v)) }
        }
        return Graph(nodeCount: n, edges: edges)
    }

    var isConnected: Bool {
        guard nodeCount > 0 else { return true }
        var seen = [Bool](repeating: false, count: nodeCount)
        var stack = [0]; seen[0] = true; var count = 1
        while let u = stack.popLast() {
            for i in offsets[u]..<offsets[u + 1] {
                let v = Int(neighbors[i])
                if !seen[v] { seen[v] = true; count += 1; stack.append(v) }
            }
        }
        return count == nodeCount
    }

    /// Every node's nodes within distance Z (itself first, at distance 0), by BFS.
    public func neighborhoods(radius Z: Int) -> Neighborhoods {
        var off = [0], members: [Int32] = [], dist: [UInt8] = []
        var mark = [Int](repeating: -1, count: nodeCount)
        var frontier: [Int] = [], next: [Int] = []
        for n in 0..<nodeCount {
            mark[n] = n
            members.append(Int32(n)); dist.append(0)
            frontier.removeAll(keepingCapacity: true); frontier.append(n)
            for z in 1...max(Z, 1) where z <= Z {
                next.removeAll(keepingCapacity: true)
                for u in frontier {
                    for i in offsets[u]..<offsets[u + 1] {
                        let v = Int(neighbors[i])
                        if mark[v] != n { mark[v] = n; next.append(v); members.append(Int32(v)); dist.append(UInt8(z)) }
                    }
                }
                swap(&frontier, &next)
            }
            off.append(members.count)
        }
        return Neighborhoods(radius: Z, offsets: off, members: members, distance: dist)
    }
}

/// Nodes within distance Z of every node, CSR: `members[offsets[n] ..< offsets[n+1]]` with `distance`.
public struct Neighborhoods: Sendable {
    public let radius: Int
    public let offsets: [Int]
    public let members: [Int32]
    public let distance: [UInt8]
    public func size(_ n: Int) -> Int { offsets[n + 1] - offsets[n] }
    public var maxSize: Int { (0..<(offsets.count - 1)).map(size).max() ?? 0 }
    /// Mean number of nodes at exactly distance z.
    public func meanShellSize(_ z: Int) -> Double {
        Double(distance.filter { Int($0) == z }.count) / Double(offsets.count - 1)
    }
}

public struct GraphError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// A node-classification instance: graph, neighbourhoods, features, labels, eligible nodes.
public struct GraphNodes: Sendable {
    public enum Family: String, Sendable, CaseIterable {
        /// Random r-regular graph (Variant A, default).
        case regular
        /// Erdős–Rényi with mean degree r.
        case erdosRenyi = "erdos_renyi"
        /// Variant B: disjoint planted ego-trees (one per labelled sample, root = the sample) with
        /// exactly round(γ_d·|shell|) discriminative nodes per shell and core margin ρ.
        case planted
    }

    public struct Config: Sendable, Equatable {
        public var family = Family.regular
        public var nodes = 2000  // N (planted: number of trees)
        public var degree = 4  // r
        public var radius = 3  // Z
        public var coreDistance = 2  // z_m
        public var d = 16
        public var M = 8
        public var gammaD = 0.5  // γ_d
        public var tau = 0.1  // τ
        public var labelNoise = 0.0  // ε_0
        public var margin = 0.6  // ρ (planted only)
        public init() {}

        public func problem() -> (key: String, message: String)? {
            if M < 3 { return ("M", "M must be ≥ 3 (μ_+, μ_− and at least one non-discriminative pattern)") }
            if d < M { return ("d", "d = \(d) must be ≥ M = \(M): patterns are e_0 … e_{M−1}") }
            if coreDistance < 0 || coreDistance > radius { return ("z_m", "z_m = \(coreDistance) must lie in 0 … Z = \(radius)") }
            if radius > 20 { return ("Z", "Z = \(radius) is too large (PE has one scalar per distance ≤ 20)") }
            if family == .regular && (nodes * degree % 2 != 0 || degree >= nodes) {
                return ("degree", "a \(degree)-regular graph on \(nodes) nodes needs N·r even and r < N")
            }
            if !(0...1).contains(gammaD) { return ("gamma_d", "γ_d must lie in [0, 1]") }
            if !(0..<0.5).contains(labelNoise) { return ("eps0", "ε_0 must lie in [0, 0.5)") }
            if family == .planted && !(margin > 0 && margin <= 1) { return ("rho", "ρ must lie in (0, 1]") }
            return nil
        }
    }

    public let config: Config
    public let graph: Graph
    public let hoods: Neighborhoods
    /// N×d node features.
    public let features: Matrix
    /// Pattern index of each node (0 = μ_+, 1 = μ_−, ≥ 2 non-discriminative).
    public let pattern: [Int]
    /// ±1 labels (after label noise) of eligible nodes; 0 for ineligible ones.
    public let labels: [Double]
    /// Clean core-vote labels (before ε_0 flips).
    public let cleanLabels: [Double]
    /// Nodes that may be labelled or tested (non-tied core vote; planted: the tree roots).
    public let eligible: [Int]

    /// A synthetic instance: graph from the `graph` stream, patterns and noise from `data`.
    public init(config c: Config, seed: UInt64) throws {
        precondition(c.problem() == nil, c.problem().map { "\($0.key): \($0.message)" } ?? "")
        config = c
        var grng = RNG(seed: seed, stream: .graph)
        var rng = RNG(seed: seed, stream: .data)
        var pat: [Int]
        var roots: [Int]? = nil
        switch c.family {
        case .regular, .erdosRenyi:
            graph =
                c.family == .regular
                ? try Graph.randomRegular(nodes: c.nodes, degree: c.degree, rng: &grng)
                : Graph.erdosRenyi(nodes: c.nodes, meanDegree: Double(c.degree), rng: &grng)
            hoods = graph.neighborhoods(radius: c.radius)
            pat = (0..<c.nodes).map { _ in
                if rng.uniform() < c.gammaD { return rng.next() & 1 == 0 ? 0 : 1 }
                return 2 + rng.int(below: c.M - 2)
            }
        case .planted:
            let (g, p, r) = Self.plantedForest(c, rng: &rng)
            graph = g; pat = p; roots = r
            hoods = graph.neighborhoods(radius: c.radius)
        }
        pattern = pat
        let n = graph.nodeCount
        var x = Matrix(rows: n, cols: c.d)
        let sd = c.tau / Double(c.d).squareRoot()
        for i in 0..<n {
            x[i, pat[i]] = 1
            for j in 0..<c.d { x[i, j] += sd * rng.gaussian() }
        }
        features = x
        // Core vote at exactly z_m; ties (including no discriminative core node) are ineligible.
        var clean = [Double](repeating: 0, count: n)
        for i in (roots ?? Array(0..<n)) {
            var vote = 0
            for k in hoods.offsets[i]..<hoods.offsets[i + 1] where Int(hoods.distance[k]) == c.coreDistance {
                let p = pat[Int(hoods.members[k])]
                if p == 0 { vote += 1 } else if p == 1 { vote -= 1 }
            }
            clean[i] = vote > 0 ? 1 : (vote < 0 ? -1 : 0)
        }
        cleanLabels = clean
        var elig = (roots ?? Array(0..<n)).filter { clean[$0] != 0 }
        var noisy = clean
        if c.labelNoise > 0 {
            var flip = elig
            rng.shuffle(&flip)
            for i in flip.prefix(Int((c.labelNoise * Double(elig.count)).rounded())) { noisy[i] = -noisy[i] }
        }
        labels = noisy
        rng.shuffle(&elig)  // split order: the first |L| are labelled
        eligible = elig
    }

    /// A real graph with given features and ±1 labels (0 = unlabelled); every labelled node is eligible.
    public init(graph: Graph, features: Matrix, labels: [Double], radius: Int, seed: UInt64) {
        var c = Config()
        c.nodes = graph.nodeCount; c.d = features.cols; c.radius = radius; c.coreDistance = min(1, radius)
        c.M = max(3, features.cols)
        config = c
        self.graph = graph
        hoods = graph.neighborhoods(radius: radius)
        self.features = features
        pattern = [Int](repeating: -1, count: graph.nodeCount)
        self.labels = labels; cleanLabels = labels
        var rng = RNG(seed: seed, stream: .data)
        var elig = (0..<graph.nodeCount).filter { labels[$0] != 0 }
        rng.shuffle(&elig)
        eligible = elig
    }

    /// Variant B: a forest of depth-Z ego-trees (root degree r, then r − 1 children per node).
    static func plantedForest(_ c: Config, rng: inout RNG) -> (Graph, [Int], [Int]) {
        var edges: [(Int, Int)] = [], pat: [Int] = [], roots: [Int] = []
        for _ in 0..<c.nodes {
            let root = pat.count
            roots.append(root); pat.append(0)
            var shells: [[Int]] = [[root]]
            for z in 1...max(c.radius, 1) where z <= c.radius {
                var shell: [Int] = []
                for u in shells[z - 1] {
                    for _ in 0..<(z == 1 ? c.degree : c.degree - 1) {
                        let v = pat.count
                        pat.append(0); edges.append((u, v)); shell.append(v)
                    }
                }
                shells.append(shell)
            }
            let y = rng.sign()
            for (z, shell) in shells.enumerated() {
                let nd = Int((c.gammaD * Double(shell.count)).rounded())
                var order = shell
                rng.shuffle(&order)
                var assigned: [Int]
                if z == c.coreDistance {
                    // w winners (pattern of y), l = ⌊n_d(1−ρ)/2⌋ losers: margin ρ of the core vote.
                    let losers = Int(floor(Double(nd) * (1 - c.margin) / 2))
                    assigned = Array(repeating: y > 0 ? 0 : 1, count: nd - losers) + Array(repeating: y > 0 ? 1 : 0, count: losers)
                } else {
                    // Balanced signs elsewhere: the other shells carry no label information.
                    assigned = (0..<nd).map { $0 % 2 }
                }
                for (k, node) in order.enumerated() {
                    pat[node] = k < assigned.count ? assigned[k] : 2 + rng.int(below: c.M - 2)
                }
            }
        }
        return (Graph(nodeCount: pat.count, edges: edges), pat, roots)
    }

    // MARK: real graphs on disk

    /// Load a labelled graph from a directory with `edges.tsv` (u v per line, 0-based), `features.tsv`
    /// (node then d values per line) and `labels.tsv` (node and ±1 per line). Lines starting with `#`
    /// are comments. Errors name the file and line.
    public static func load(directory: URL, radius: Int, seed: UInt64) throws -> GraphNodes {
        func lines(_ name: String) throws -> [(Int, [String])] {
            let url = directory.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw GraphError("\(url.path): cannot read the file") }
            return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, raw in
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { return nil }
                return (i + 1, line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init))
            }
        }
        func int(_ s: String, _ file: String, _ line: Int) throws -> Int {
            guard let v = Int(s), v >= 0 else {
                throw GraphError("\(directory.appendingPathComponent(file).path):\(line): expected a node index ≥ 0, found `\(s)`")
            }
            return v
        }
        let featureLines = try lines("features.tsv")
        guard let first = featureLines.first else { throw GraphError("\(directory.appendingPathComponent("features.tsv").path): no feature rows") }
        let d = first.1.count - 1
        guard d >= 1 else {
            throw GraphError("\(directory.appendingPathComponent("features.tsv").path):\(first.0): expected a node index and at least one feature value")
        }
        let n = featureLines.count
        var x = Matrix(rows: n, cols: d)
        var seenNodes = Set<Int>()
        for (line, fields) in featureLines {
            guard fields.count == d + 1 else {
                throw GraphError(
                    "\(directory.appendingPathComponent("features.tsv").path):\(line): expected \(d + 1) fields (node + \(d) features), found \(fields.count)")
            }
            let node = try int(fields[0], "features.tsv", line)
            guard node < n else {
                throw GraphError(
                    "\(directory.appendingPathComponent("features.tsv").path):\(line): node \(node) ≥ number of feature rows \(n) (nodes must be 0 … N−1)")
            }
            guard seenNodes.insert(node).inserted else {
                throw GraphError("\(directory.appendingPathComponent("features.tsv").path):\(line): node \(node) listed twice")
            }
            for j in 0..<d {
                guard let v = Double(fields[j + 1]), v.isFinite else {
                    throw GraphError(
                        "\(directory.appendingPathComponent("features.tsv").path):\(line): feature \(j + 1) is not a finite number: `\(fields[j + 1])`")
                }
                x[node, j] = v
            }
        }
        var edges: [(Int, Int)] = []
        for (line, fields) in try lines("edges.tsv") {
            guard fields.count == 2 else {
                throw GraphError("\(directory.appendingPathComponent("edges.tsv").path):\(line): expected two node indices, found \(fields.count) fields")
            }
            let u = try int(fields[0], "edges.tsv", line), v = try int(fields[1], "edges.tsv", line)
            guard u < n && v < n else {
                throw GraphError("\(directory.appendingPathComponent("edges.tsv").path):\(line): edge (\(u), \(v)) names a node ≥ \(n)")
            }
            edges.append((u, v))
        }
        var labels = [Double](repeating: 0, count: n)
        for (line, fields) in try lines("labels.tsv") {
            guard fields.count == 2 else {
                throw GraphError("\(directory.appendingPathComponent("labels.tsv").path):\(line): expected `node label`, found \(fields.count) fields")
            }
            let node = try int(fields[0], "labels.tsv", line)
            guard node < n else { throw GraphError("\(directory.appendingPathComponent("labels.tsv").path):\(line): node \(node) ≥ \(n)") }
            guard let y = Double(fields[1]), y == 1 || y == -1 else {
                throw GraphError("\(directory.appendingPathComponent("labels.tsv").path):\(line): label must be +1 or -1, found `\(fields[1])`")
            }
            labels[node] = y
        }
        return GraphNodes(graph: Graph(nodeCount: n, edges: edges), features: x, labels: labels, radius: radius, seed: seed)
    }
}
