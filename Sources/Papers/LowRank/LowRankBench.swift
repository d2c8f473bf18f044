import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `sim bench lowrank`: SGD steps per second of Config A (d=20, M=10, L=20, m=200, B=32, one BLAS
/// thread), data generation included, evaluation excluded; Double (the headline) and Float.
public enum LowRankBench {
    public struct Result: Sendable {
        public var steps: Int
        public var seconds: Double
        public var stepsPerSecond: Double { Double(steps) / seconds }
        public var activeFraction: Double
        /// Floating-point operations executed in products, summed over the timed steps (see `lastStepFlops`).
        public var flops: Double
        public var gflopsPerSecond: Double { flops / seconds / 1e9 }
        /// Seconds of the timed steps spent generating the batches.
        public var dataSeconds: Double
        /// GFLOP/s of the learner alone: forward, backward and update, data generation excluded.
        public var learnerGflopsPerSecond: Double { flops / (seconds - dataSeconds) / 1e9 }
    }

    /// Trains `runs` fresh Config A models for `steps` iterations each (T = 500 is the paper's run length;
    /// after convergence most hinge margins exceed 1 and the backward pass skips those samples, exactly
    /// as the gradient is zero there) and reports the mean throughput.
    public static func measure<Scalar: BLASScalar>(
        _: Scalar.Type = Double.self, steps: Int = 500, runs: Int = 20,
        fullBackward: Bool = false
    ) throws -> Result {
        BLASInfo.useSingleThread()
        let data = try MajorityVoteTokens(config: .init(), seed: 1)
        var total = 0.0, active = 0, count = 0, flops = 0.0, dataNs: UInt64 = 0
        for run in 0..<runs {
            let model = OneLayerTransformer<Scalar>(config: .init(), seed: UInt64(run + 1))
            var rng = RNG(seed: UInt64(run + 1), stream: .data)
            var batch = TokenBatch(capacity: 32, length: 20, dimension: 20)
            let loss: Loss = fullBackward ? .logistic : .hinge
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps {
                let tf = DispatchTime.now().uptimeNanoseconds
                data.fill(&batch, rng: &rng)
                dataNs += DispatchTime.now().uptimeNanoseconds - tf
                model.trainStep(batch, learningRate: 1, loss: loss)
                active += model.activeSampleCount
                flops += model.lastStepFlops
            }
            total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            count += steps * 32
        }
        return Result(
            steps: steps * runs, seconds: total, activeFraction: Double(active) / Double(count), flops: flops,
            dataSeconds: Double(dataNs) / 1e9)
    }

    /// Lines printed by `sim bench lowrank`; the last line is the throughput.
    public static func report() throws -> [String] {
        let warm = try measure(steps: 100, runs: 1)
        _ = warm
        let full = try measure(steps: 500, runs: 4, fullBackward: true)
        let r = try measure()
        _ = try measure(Float.self, steps: 100, runs: 1)
        let fullF = try measure(Float.self, steps: 500, runs: 4, fullBackward: true)
        let rF = try measure(Float.self)
        return [
            "Config A: d=20 M=10 L=20 m=200 m_a=m_b=20 B=32, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName))",
            String(
                format: "every sample back-propagated (logistic loss): %.0f steps/s, %.1f GFLOP/s (%.2f MFLOP/step)",
                full.stepsPerSecond, full.gflopsPerSecond, full.flops / Double(full.steps) / 1e6),
            String(
                format: "hinge, %d runs × 500 steps: %.1f%% of samples had non-zero gradient; %.1f GFLOP/s executed (%.2f MFLOP/step)",
                r.steps / 500, 100 * r.activeFraction, r.gflopsPerSecond, r.flops / Double(r.steps) / 1e6),
            BenchmarkLines.learner(
                hinge: (r.dataSeconds / r.seconds, r.learnerGflopsPerSecond),
                everySample: (full.dataSeconds / full.seconds, full.learnerGflopsPerSecond)),
            BenchmarkLines.float(
                everySample: (fullF.stepsPerSecond, fullF.gflopsPerSecond),
                hinge: (rF.stepsPerSecond, rF.gflopsPerSecond), doubleHinge: r.stepsPerSecond),
            String(format: "lowrank Config A training throughput: %.0f SGD steps/s", r.stepsPerSecond),
        ]
    }
}
