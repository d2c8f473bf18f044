import Foundation
import ProvableNumerics
import Sim
import Testing
@testable import AveragedSGD

@Suite("Averaged SGD example paper")
struct AveragedSGDTests {
    @Test("the gradient matches central finite differences of the loss")
    func gradientCheck() {
        let d = 7
        let learner = AveragedLMS(d: d, stepSize: 0.01)
        var rng = RNG(seed: 3)
        for i in 0..<d { learner.weights.p[i] = rng.gaussian() }
        var x = [Double](repeating: 0, count: d)
        rng.fillGaussian(&x)
        let y = 0.7
        var grad = [Double](repeating: 0, count: d)
        x.withUnsafeBufferPointer { xp in
            grad.withUnsafeMutableBufferPointer { learner.gradient(xp.baseAddress!, y, into: $0.baseAddress!) }
            for i in 0..<d {
                let h = 1e-6, w0 = learner.weights.p[i]
                learner.weights.p[i] = w0 + h; let up = learner.loss(xp.baseAddress!, y)
                learner.weights.p[i] = w0 - h; let down = learner.loss(xp.baseAddress!, y)
                learner.weights.p[i] = w0
                let fd = (up - down) / (2 * h)
                #expect(abs(fd - grad[i]) <= 1e-7 * max(1, abs(grad[i])), "coordinate \(i): \(fd) vs \(grad[i])")
            }
        }
    }

    @Test("without label noise the iterates converge to the teacher (an independent reference: w* itself)")
    func noiselessConvergence() throws {
        let r = try AveragedSGDExperiment().run(
            Parameters([
                "d": .int(8), "T": .int(20000), "sigma": .double(0), "step": .double(0.5),
                "tail": .double(0.5),
            ]), context: RunContext(seed: 1))
        #expect(r.metrics["excess_risk_last"]! < 1e-20)
        #expect(r.metrics["excess_risk"]! < 1e-20)
    }

    @Test("with noise the averaged iterate beats the last one and sits near σ²dκ/n")
    func noisyRate() throws {
        var normalized: [Double] = []
        for seed in 1...20 {
            let r = try AveragedSGDExperiment().run(
                Parameters([
                    "d": .int(16), "T": .int(16000), "sigma": .double(1), "step": .double(0.25),
                    "tail": .double(0.5),
                ]), context: RunContext(seed: UInt64(seed)))
            #expect(r.metrics["excess_risk"]! < r.metrics["excess_risk_last"]!)
            normalized.append(r.metrics["normalized"]!)
        }
        let mean = normalized.reduce(0, +) / Double(normalized.count)
        #expect(abs(mean - 1) < 0.2, "mean n·ER/(σ²dκ) = \(mean)")
    }

    @Test("an unstable step size is refused with the limit in the message")
    func unstableStep() {
        #expect(throws: ParameterError.self) {
            try AveragedSGDExperiment().validate(
                Parameters([
                    "d": .int(16), "T": .int(100), "sigma": .double(1), "step": .double(2),
                    "tail": .double(0.5),
                ]))
        }
    }
}
