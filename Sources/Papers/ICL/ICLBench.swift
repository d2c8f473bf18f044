import Foundation
import Sim
import Plots
import ProvableNumerics
import DataModels
import Training

/// `sim bench icl`: SGD steps per second of the default ICL configuration (d_X=30, d_Y=10, l=20, m=64,
/// B=64, one BLAS thread), prompt generation included, evaluation excluded; Double (the headline) and Float.
public enum ICLBench {
    /// Steps/s, fraction of prompts back-propagated, executed GFLOP/s (products; see `lastStepFlops`), the
    /// share of the time spent generating prompts, and the GFLOP/s of the learner alone (that time excluded).
    public static func measure<Scalar: BLASScalar>(
        _: Scalar.Type = Double.self, steps: Int, runs: Int, loss: Loss
    )
        -> (stepsPerSecond: Double, activeFraction: Double, gflopsPerSecond: Double, dataFraction: Double, learnerGflops: Double)
    {
        BLASInfo.useSingleThread()
        let data = ICLPrompts(config: .init())
        var total = 0.0, active = 0, flops = 0.0, dataNs: UInt64 = 0
        for run in 0..<runs {
            let model = ICLTransformer<Scalar>(config: .init(), seed: UInt64(run + 1))
            var rng = RNG(seed: UInt64(run + 1), stream: .data)
            let tasks = data.tasks(.ring, rng: &rng)
            var batch = TokenBatch(capacity: 64, length: 21, dimension: 40)
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps {
                let tf = DispatchTime.now().uptimeNanoseconds
                data.fill(&batch, domain: data.inDomain, tasks: tasks, alpha: 0.8, rng: &rng)
                dataNs += DispatchTime.now().uptimeNanoseconds - tf
                model.trainStep(batch, learningRate: 1, loss: loss)
                active += model.activeSampleCount
                flops += model.lastStepFlops
            }
            total += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let dataSeconds = Double(dataNs) / 1e9
        return (
            Double(steps * runs) / total, Double(active) / Double(steps * runs * 64), flops / total / 1e9,
            dataSeconds / total, flops / (total - dataSeconds) / 1e9
        )
    }

    public static func report() throws -> [String] {
        _ = measure(steps: 100, runs: 1, loss: .hinge)
        let full = measure(steps: 500, runs: 2, loss: .logistic)
        let r = measure(steps: 1500, runs: 3, loss: .hinge)
        _ = measure(Float.self, steps: 100, runs: 1, loss: .hinge)
        let fullF = measure(Float.self, steps: 500, runs: 2, loss: .logistic)
        let rF = measure(Float.self, steps: 1500, runs: 3, loss: .hinge)
        return [
            "ICL default: d_X=30 d_Y=10 l=20 m=64 m_a=m_b=40 B=64, Double, BLAS threads=\(BLASInfo.threads) (\(BLASInfo.coreName))",
            String(
                format: "every prompt back-propagated (logistic loss): %.0f steps/s, %.1f GFLOP/s (%.2f MFLOP/step)",
                full.stepsPerSecond, full.gflopsPerSecond, 1e3 * full.gflopsPerSecond / full.stepsPerSecond),
            String(
                format: "hinge, 3 runs × 1500 steps: %.1f%% of prompts had non-zero gradient; %.1f GFLOP/s executed (%.2f MFLOP/step)",
                100 * r.activeFraction, r.gflopsPerSecond, 1e3 * r.gflopsPerSecond / r.stepsPerSecond),
            BenchmarkLines.learner(hinge: (r.dataFraction, r.learnerGflops), everySample: (full.dataFraction, full.learnerGflops)),
            BenchmarkLines.float(
                everySample: (fullF.stepsPerSecond, fullF.gflopsPerSecond),
                hinge: (rF.stepsPerSecond, rF.gflopsPerSecond), doubleHinge: r.stepsPerSecond),
            String(format: "icl default training throughput: %.0f SGD steps/s", r.stepsPerSecond),
        ]
    }
}
