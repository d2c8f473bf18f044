import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `sim bench graph`: SGD steps per second of the default graph configuration (random 4-regular graph,
/// N = 2000, Z = 3, d = 16, m = 32, B = 16, GT with PE, Double, one BLAS thread), neighbourhood gather
/// included, evaluation excluded.
public enum GraphBench {
    /// Mean steps/s over `runs` fresh models of `steps` SGD steps each, and the fraction of nodes
    /// back-propagated (hinge skips nodes with margin ≥ 1; logistic back-propagates every node).
    /// Also returns the executed GFLOP/s (products; see `lastStepFlops`).
    static func measure(_ data: GraphNodes, _ c: GraphTransformer.Config, runs: Int, steps: Int, loss: Loss) -> (Double, Double, Double) {
        var total = 0.0, active = 0, flops = 0.0
        for run in 0..<runs {
            let model = GraphTransformer(config: c, seed: UInt64(run + 1))
            var order = Array(data.eligible.prefix(400))
            var rng = RNG(seed: UInt64(run), stream: .shuffle)
            let t0 = DispatchTime.now().uptimeNanoseconds
            var pos = order.count
            for _ in 0..<steps {
                if pos + 16 > order.count { rng.shuffle(&order); pos = 0 }
                model.gather(order[pos..<(pos + 16)], from: data)
                pos += 16
                model.step(learningRate: 0.5, loss: loss)
                active += model.activeSampleCount
                flops += model.lastStepFlops
            }
            total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        return (Double(runs * steps) / total, Double(active) / Double(runs * steps * 16), flops / total / 1e9)
    }

    public static func report() throws -> [String] {
        BLASInfo.useSingleThread()
        let data = try GraphNodes(config: .init(), seed: 1)
        var c = GraphTransformer.Config()
        c.maxNeighborhood = data.hoods.maxSize
        let (full, _, fullGF) = measure(data, c, runs: 2, steps: 2000, loss: .logistic)
        let (hinge, frac, hingeGF) = measure(data, c, runs: 4, steps: 2000, loss: .hinge)
        return [
            "graph default: 4-regular N=2000 Z=3 (K_max=\(c.maxNeighborhood)) d=16 m=32 B=16 GT+PE, |L|=400, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName))",
            String(format: "every node back-propagated (logistic loss): %.0f steps/s, %.1f GFLOP/s", full, fullGF),
            String(format: "hinge, 4 runs × 2000 steps: %.1f%% of nodes had non-zero gradient; %.1f GFLOP/s executed", 100 * frac, hingeGF),
            String(format: "graph default training throughput: %.0f SGD steps/s", hinge),
        ]
    }
}
