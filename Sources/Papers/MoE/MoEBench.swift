import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `sim bench moe`: SGD steps per second of Config A (d=100, n=16, k=8, m=10, l=2, B=16, expert
/// choice, Double, one BLAS thread), fine-tuning from the constructed checkpoint, data generation
/// included, evaluation excluded.
public enum MoEBench {
    public struct Result: Sendable {
        public var steps: Int
        public var seconds: Double
        public var stepsPerSecond: Double { Double(steps) / seconds }
        public var activeFraction: Double
        /// Floating-point operations executed in products over the timed steps (see `lastStepFlops`).
        public var flops: Double
        public var gflopsPerSecond: Double { flops / seconds / 1e9 }
    }

    /// Fine-tunes `runs` fresh Config A checkpoints for `steps` iterations each (T = 800 is the spec's
    /// pruning-table length; once the hinge reaches 0 the backward pass is skipped, exactly as the
    /// gradient is zero there) and reports the mean throughput.
    public static func measure(
        steps: Int = 800, runs: Int = 10, loss: Loss = .hinge,
        routing: SparseMoE.Routing = .expertChoice
    ) -> Result {
        BLASInfo.useSingleThread()
        let data = MoETokens(config: .init())
        var total = 0.0, active = 0, count = 0, flops = 0.0
        var cfg = SparseMoE.Config()
        cfg.routing = routing
        for run in 0..<runs {
            var initRNG = RNG(seed: UInt64(run + 1), stream: .`init`)
            let model = SparseMoE(config: cfg, state: data.constructedState(.init(), rng: &initRNG))
            var rng = RNG(seed: UInt64(run + 1), stream: .data)
            var batch = TokenBatch(capacity: 16, length: 16, dimension: 100)
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps {
                data.fill(&batch, rng: &rng)
                model.trainStep(batch, expertRate: 0.5, routerRate: 0.5, loss: loss)
                active += model.activeSampleCount
                flops += model.lastStepFlops
            }
            total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            count += steps * 16
        }
        return Result(steps: steps * runs, seconds: total, activeFraction: Double(active) / Double(count), flops: flops)
    }

    /// Batches of fresh Config A samples generated per second (the data model alone).
    public static func dataRate(batches: Int = 2000) -> Double {
        let data = MoETokens(config: .init())
        var rng = RNG(seed: 1, stream: .data)
        var batch = TokenBatch(capacity: 16, length: 16, dimension: 100)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<batches { data.fill(&batch, rng: &rng) }
        return Double(batches) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }

    /// Lines printed by `sim bench moe`; the last line is the throughput.
    public static func report() throws -> [String] {
        _ = measure(steps: 100, runs: 1)
        let full = measure(steps: 800, runs: 3, loss: .logistic)
        let token = measure(steps: 800, runs: 3, loss: .logistic, routing: .tokenChoice)
        let r = measure()
        return [
            "Config A: d=100 n=16 k=8 m=10 l=2 B=16 expert choice, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName))",
            String(
                format: "every sample back-propagated (logistic loss): %.0f steps/s, %.2f GFLOP/s (token choice K=2: %.0f steps/s)",
                full.stepsPerSecond, full.gflopsPerSecond, token.stepsPerSecond),
            String(format: "data model alone: %.0f batches of 16 samples/s", dataRate()),
            String(
                format: "hinge, %d runs × 800 steps: %.1f%% of samples had non-zero gradient; %.2f GFLOP/s executed",
                r.steps / 800, 100 * r.activeFraction, r.gflopsPerSecond),
            String(format: "moe Config A training throughput: %.0f SGD steps/s", r.stepsPerSecond),
        ]
    }
}
