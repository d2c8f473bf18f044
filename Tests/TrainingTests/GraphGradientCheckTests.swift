import Testing
import ProvableNumerics
import DataModels
@testable import Training

/// T0 of spec `graph-transformer.md` §5.8: W_Q, W_K, W_V, W_O and the PE vector b against central
/// differences on a tiny graph, in Double, away from kinks.
@Suite("Graph transformer gradient checks")
struct GraphGradientCheckTests {
    static func instance(variant: GraphTransformer.Variant) throws -> (GraphTransformer, GraphNodes, ArraySlice<Int>) {
        var dc = GraphNodes.Config()
        dc.nodes = 30; dc.degree = 3; dc.radius = 2; dc.coreDistance = 1; dc.d = 4; dc.M = 4; dc.gammaD = 0.7; dc.tau = 0.3
        let data = try GraphNodes(config: dc, seed: 3)
        var mc = GraphTransformer.Config()
        mc.d = 4; mc.m = 6; mc.radius = 2; mc.maxNeighborhood = data.hoods.maxSize + 2; mc.batchCapacity = 4
        mc.variant = variant; mc.qkInitSD = 0.7; mc.outputInitSD = 0.6; mc.valueInitError = 0.8
        let model = GraphTransformer(config: mc, seed: 5)
        if variant == .gtPE { model.pe = [0.3, -0.2, 0.5] }
        return (model, data, data.eligible.prefix(4))
    }

    static func loss(_ m: GraphTransformer, _ data: GraphNodes, _ nodes: ArraySlice<Int>) -> Double {
        m.gather(nodes, from: data)
        m.forward(m.batch)
        return (0..<m.batch.count).reduce(0) { $0 + Loss.logistic.value(m.outputs.p[$1], label: m.batch.labels[$1]) } / Double(m.batch.count)
    }

    @Test("all weights and b match central differences", arguments: GraphTransformer.Variant.allCases)
    func check(variant: GraphTransformer.Variant) throws {
        let (model, data, nodes) = try Self.instance(variant: variant)
        model.gather(nodes, from: data)
        // Take the gradients without moving the weights: learning rate 0.
        model.step(learningRate: 0, loss: .logistic)
        let g = model.gradients, w0 = model.weights, h = 1e-6
        for name in TransformerWeightName.allCases {
            if variant == .gcn && (name == .Q || name == .K) { continue }  // frozen at 0
            let scale = max(g[name].maxAbs, 1e-3)
            var worst = 0.0
            for i in 0..<w0[name].count {
                var wp = w0, wm = w0
                wp[name].storage[i] += h; wm[name].storage[i] -= h
                model.weights = wp; let lp = Self.loss(model, data, nodes)
                model.weights = wm; let lm = Self.loss(model, data, nodes)
                worst = max(worst, abs((lp - lm) / (2 * h) - g[name].storage[i]) / scale)
            }
            model.weights = w0
            #expect(worst < 1e-6, "\(variant) dW_\(name.rawValue): relative error \(worst)")
            #expect(g[name].maxAbs > 0, "\(variant) dW_\(name.rawValue) is identically zero")
        }
        if variant == .gtPE {
            let db = model.dPE, b0 = model.pe
            let scale = max(db.map(abs).max()!, 1e-3)
            for z in 0..<b0.count {
                model.pe = b0; model.pe[z] += h; let lp = Self.loss(model, data, nodes)
                model.pe = b0; model.pe[z] -= h; let lm = Self.loss(model, data, nodes)
                model.pe = b0
                #expect(abs((lp - lm) / (2 * h) - db[z]) / scale < 1e-6, "db_\(z)")
            }
            #expect(db.contains { $0 != 0 })
        }
    }

    @Test("padding gets no attention; GCN attention is uniform over T^n")
    func padding() throws {
        let (model, data, nodes) = try Self.instance(variant: .gcn)
        model.gather(nodes, from: data)
        model.forward(model.batch)
        let L = model.config.maxNeighborhood + 1
        for (j, n) in nodes.enumerated() {
            let k = data.hoods.size(n)
            for s in 0..<(L - 1) {
                let a = model.attention.a.p[j * L + s]
                #expect(abs(a - (s < k ? 1 / Double(k) : 0)) < 1e-12)
            }
        }
    }
}
