import Foundation
import ProvableNumerics
import DataModels
import Training

/// `sim bench transformer`: training throughput of the general transformer at a size beyond the
/// papers' (d = 128, 64 tokens, batch 32, 2 layers, 4 heads of m_b = 32, m = 128 readout neurons,
/// residual + LayerNorm, token-averaged readout), Double, one BLAS thread. Logistic loss, so every
/// sample is back-propagated; plain SGD. Tokens N(0, 1) and ±1 labels are drawn fresh every step
/// (timed, reported apart). `benchmarks/compare` runs the same model in PyTorch and JAX
/// (`benchmarks/reference/transformer_{torch,jax}.py`).
public enum TransformerBench {
    public static var config: GeneralTransformer.Config {
        var c = GeneralTransformer.Config()
        c.d = 128; c.length = 64; c.layers = 2; c.heads = 4; c.mb = 32; c.m = 128
        c.residual = true; c.layerNorm = true; c.readout = .mean; c.batchCapacity = 32
        c.qkScale = 0; c.qkNoise = 0.05; c.vScale = 0; c.vNoise = 0.05; c.outputInitSD = 0.05
        return c
    }

    public struct Result: Sendable {
        public var steps: Int
        public var seconds: Double
        public var dataSeconds: Double
        public var flops: Double
        public var stepsPerSecond: Double { Double(steps) / seconds }
        public var gflopsPerSecond: Double { flops / seconds / 1e9 }
        public var learnerGflopsPerSecond: Double { flops / (seconds - dataSeconds) / 1e9 }
    }

    /// Trains one model for at least `seconds` (after `warmup` steps) and reports the throughput.
    public static func measure(seconds: Double = 5, warmup: Int = 3) -> Result {
        BLASInfo.useSingleThread()
        let c = config
        let model = GeneralTransformer(config: c, seed: 1)
        let optimizer = model.makeOptimizer(.plainSGD)
        var rng = RNG(seed: 1, stream: .data)
        var batch = TokenBatch(capacity: c.batchCapacity, length: c.length, dimension: c.d)
        func fill() {
            batch.withUnsafeMutableBuffers { x, labels, _ in
                rng.fillGaussian(x.baseAddress!, count: x.count)
                for b in 0..<labels.count { labels[b] = rng.sign() }
            }
        }
        for _ in 0..<warmup {
            fill()
            model.trainStep(batch, optimizer: optimizer, learningRate: 0.01, loss: .logistic)
        }
        var steps = 0, flops = 0.0, dataNs: UInt64 = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            let tf = DispatchTime.now().uptimeNanoseconds
            fill()
            dataNs += DispatchTime.now().uptimeNanoseconds - tf
            model.trainStep(batch, optimizer: optimizer, learningRate: 0.01, loss: .logistic)
            flops += model.lastStepFlops
            steps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        } while elapsed < seconds
        return Result(steps: steps, seconds: elapsed, dataSeconds: Double(dataNs) / 1e9, flops: flops)
    }

    /// Lines printed by `sim bench transformer`; the last line is the throughput.
    public static func report() -> [String] {
        let peak = BLASPeak.measure(Double.self).map(\.gflops).max() ?? .nan
        let r = measure()
        let c = config
        return [
            "general transformer: d=\(c.d) L=\(c.length) B=\(c.batchCapacity) layers=\(c.layers) heads=\(c.heads) m_b=\(c.mb) m=\(c.m), residual + LayerNorm, mean readout, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName))",
            String(
                format:
                    "every sample back-propagated (logistic loss), %d steps in %.1f s: %.1f GFLOP/s executed (%.0f MFLOP/step), %.0f%% of the one-core dgemm peak %.1f GFLOP/s",
                r.steps, r.seconds, r.gflopsPerSecond, r.flops / Double(r.steps) / 1e6, 100 * r.gflopsPerSecond / peak, peak),
            String(
                format: "learner alone (data generation excluded): %.1f GFLOP/s (data %.0f%% of the step), %.0f%% of the dgemm peak",
                r.learnerGflopsPerSecond, 100 * r.dataSeconds / r.seconds, 100 * r.learnerGflopsPerSecond / peak),
            String(format: "transformer training throughput: %.2f SGD steps/s", r.stepsPerSecond),
        ]
    }
}
