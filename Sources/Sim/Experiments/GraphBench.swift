import Foundation
import Numerics
import DataModels
import Training

/// `sim bench graph`: SGD steps per second of the default graph configuration (random 4-regular graph,
/// N = 2000, Z = 3, d = 16, m = 32, B = 16, GT with PE, Double, one BLAS thread), neighbourhood gather
/// included, evaluation excluded.
public enum GraphBench {
    public static func report() throws -> [String] {
        BLASInfo.useSingleThread()
        let data = try GraphNodes(config: .init(), seed: 1)
        var c = GraphTransformer.Config()
        c.maxNeighborhood = data.hoods.maxSize
        var total = 0.0, steps = 0
        for run in 0..<4 {
            let model = GraphTransformer(config: c, seed: UInt64(run + 1))
            var order = Array(data.eligible.prefix(400))
            var rng = RNG(seed: UInt64(run), stream: .shuffle)
            let t0 = DispatchTime.now().uptimeNanoseconds
            var pos = order.count
            for _ in 0..<2000 {
                if pos + 16 > order.count { rng.shuffle(&order); pos = 0 }
                model.gather(order[pos..<(pos + 16)], from: data)
                pos += 16
                model.step(learningRate: 0.5, loss: .hinge)
            }
            total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            steps += 2000
        }
        return [
            "graph default: 4-regular N=2000 Z=3 (K_max=\(c.maxNeighborhood)) d=16 m=32 B=16 GT+PE, |L|=400, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName))",
            String(format: "graph default training throughput: %.0f SGD steps/s", Double(steps) / total),
        ]
    }
}
